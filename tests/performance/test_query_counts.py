"""The questionnaire's SQL queries do not grow with the number of fields."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.studies import first_answer, invitation_tokens, questionnaire_study_build

pytestmark = pytest.mark.django_db


def queries_of(fields: int) -> dict[str, int]:
    """The queries of the page, a draft save and a submit, each after one warm-up request."""
    study = questionnaire_study_build(fields=fields, experts=2, slug=f"count-{fields}", answering=1)
    token = invitation_tokens(study=study)[0]
    node, measure, value = first_answer(study=study)
    body = json.dumps({"node": node, "measure": measure, "value": value})
    client = Client()
    requests = {
        "page": lambda: client.get(f"/q/{token}/"),
        "draft save": lambda: client.post(
            f"/q/{token}/answer", body, content_type="application/json"
        ),
        "submit": lambda: client.post(f"/q/{token}/submit", HTTP_ACCEPT="application/json"),
    }
    counts = {}
    for name, send in requests.items():
        send()  # the first opening of a link records it and prefills: not the steady state
        with CaptureQueriesContext(connection) as captured:
            response = send()
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
        counts[name] = len(captured.captured_queries)
    return counts


def test_the_page_and_a_draft_save_make_as_many_queries_for_700_fields_as_for_25():
    small = queries_of(25)
    large = queries_of(700)
    assert large["page"] == small["page"]
    assert large["draft save"] == small["draft save"]


def test_a_submit_makes_as_many_queries_for_700_fields_as_for_25():
    assert queries_of(700)["submit"] == queries_of(25)["submit"]


def test_a_submit_really_froze_the_answers_it_counted():
    study = questionnaire_study_build(fields=25, experts=2, slug="count-frozen", answering=1)
    token = invitation_tokens(study=study)[0]
    response = Client().post(f"/q/{token}/submit", HTTP_ACCEPT="application/json")
    assert response.json()["submitted"] is True
    submission = study.rounds.get(number=2).submissions.get(status="submitted")
    assert (
        submission.answers.filter(draft=False).count()
        == submission.answers.filter(draft=True).count()
    )
