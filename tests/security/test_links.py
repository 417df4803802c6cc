"""Questionnaire links: compared in constant time, revocable, dead once the round closes."""

import json

import pytest
from django.utils import timezone

from surveys import tokens
from surveys.expert import selectors
from surveys.models import Answer, Invitation, Submission
from surveys.services import round_close
from tests.expert.builders import full_answers, import_study, invitation_of, link, seed_bundle

pytestmark = pytest.mark.django_db

LEAF = "T.BR.1"
MEASURES = ("familiarity", "importance", "maturity", "regional_advantage", "investment")


@pytest.fixture
def study():
    return import_study(seed_bundle(slug="links"), snapshots=False)


def save(client, path: str, value: int = 4):
    return client.post(
        path + "answer",
        json.dumps({"node": LEAF, "measure": "familiarity", "value": value}),
        content_type="application/json",
    )


def submit(client, path: str):
    return client.post(path + "submit", HTTP_ACCEPT="application/json")


def test_the_token_is_checked_with_a_constant_time_comparison(client, study, monkeypatch):
    calls = []
    real = selectors.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(selectors.hmac, "compare_digest", spy)
    path = link(study, "X01")
    assert client.get(path).status_code == 200
    token = path.strip("/").split("/")[-1]
    assert calls and calls[-1] == (token.encode(), token.encode())


def test_the_database_is_searched_by_the_tokens_hash_never_the_token(study):
    path = link(study, "X01")
    token = path.strip("/").split("/")[-1]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert selectors.invitation_by_token(token) is not None
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert tokens.token_hash(token) in sql and token not in sql


def test_a_revoked_link_saves_nothing_and_submits_nothing(client, study):
    path = link(study, "X01")
    assert save(client, path).status_code == 200
    Invitation.objects.filter(pk=invitation_of(study, "X01").pk).update(revoked_at=timezone.now())
    before = list(Answer.objects.values_list("pk", "value"))

    assert client.get(path).status_code == 410
    assert save(client, path, value=2).status_code == 410
    assert submit(client, path).status_code == 410
    assert client.post(path + "save", {"leaf": LEAF}).status_code == 410
    assert list(Answer.objects.values_list("pk", "value")) == before
    assert not Submission.objects.filter(status="submitted").exists()


def test_revoking_one_link_leaves_the_others_working(client, study):
    Invitation.objects.filter(pk=invitation_of(study, "X01").pk).update(revoked_at=timezone.now())
    assert client.get(link(study, "X02")).status_code == 200


def test_once_the_round_closes_a_link_saves_and_submits_nothing(client, study):
    path = link(study, "X01")
    client.post(
        path + "answer",
        json.dumps({"answers": full_answers(LEAF, MEASURES)}),
        content_type="application/json",
    )
    round_close(round_=study.rounds.get())

    response = save(client, path, value=1)
    assert response.status_code == 409
    assert "closed" in response.json()["error"]
    response = submit(client, path)
    assert response.status_code == 409
    assert client.get(path).status_code == 410  # nothing submitted: nothing to show
    assert not Submission.objects.filter(status="submitted").exists()
    assert Answer.objects.get(node__code=LEAF, measure=0, draft=True).value == 4


def test_after_the_close_a_submitted_expert_sees_their_answers_read_only(client, study):
    path = link(study, "X01")
    client.post(
        path + "answer",
        json.dumps({"answers": full_answers(LEAF, MEASURES)}),
        content_type="application/json",
    )
    assert submit(client, path).status_code == 200
    round_close(round_=study.rounds.get())
    response = client.get(path)
    assert response.status_code == 200
    assert response.context["q"].readonly
    assert save(client, path, value=1).status_code == 409
