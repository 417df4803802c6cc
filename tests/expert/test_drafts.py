"""Saving drafts: every change through `/q/<token>/answer`, and each rule it enforces."""

import json

import pytest
from django.test import Client

from surveys.models import Answer, Submission
from surveys.services import round_close

from .builders import import_study, invitation_of, link, seed_bundle

pytestmark = pytest.mark.django_db


@pytest.fixture
def study():
    return import_study(seed_bundle())


def post(client, study, payload, expert="X01", query=""):
    return client.post(
        link(study, expert) + "answer" + query,
        json.dumps(payload),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )


def drafts(study, expert="X01"):
    invitation = invitation_of(study, expert)
    return {
        (a.node.code, a.get_measure_display()): (a.value, a.reason)
        for a in Answer.objects.filter(
            submission__round=invitation.round,
            submission__panelist=invitation.panelist,
            draft=True,
        ).select_related("node")
    }


def test_a_change_is_saved_as_a_draft_and_reports_progress_when_asked(client, study):
    response = post(
        client, study, {"node": "T.BR.1", "measure": "familiarity", "value": 4}, query="?progress=1"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["saved"] is True
    assert body["progress"] == {"answered": 0, "total": 27, "skipped": 26, "percent": 0}
    assert drafts(study) == {("T.BR.1", "familiarity"): (4, "")}
    submission = Submission.objects.get()
    assert submission.status == "draft"
    assert not submission.answers.filter(draft=False).exists()


def test_a_leaf_counts_as_answered_once_its_required_questions_are(client, study):
    for measure, value in [
        ("familiarity", 4),
        ("importance", 5),
        ("maturity", "short"),
        ("regional_advantage", "yes"),
    ]:
        post(client, study, {"node": "T.BR.1", "measure": measure, "value": value})
    response = post(
        client,
        study,
        {"node": "T.BR.1", "measure": "investment", "value": "no"},
        "X01",
        "?progress=1",
    )
    assert response.json()["progress"]["answered"] == 1


def test_the_page_counts_progress_itself_so_a_save_answers_without_it(client, study):
    response = post(client, study, {"node": "T.BR.1", "measure": "familiarity", "value": 4})
    assert response.json() == {"saved": True}
    assert drafts(study) == {("T.BR.1", "familiarity"): (4, "")}


def test_saving_again_replaces_the_draft_and_null_clears_it(client, study):
    post(client, study, {"node": "T.BR.1", "measure": "importance", "value": 2})
    post(client, study, {"node": "T.BR.1", "measure": "importance", "value": 3})
    assert drafts(study) == {("T.BR.1", "importance"): (3, "")}
    post(client, study, {"node": "T.BR.1", "measure": "importance", "value": None})
    assert drafts(study) == {}


def test_several_answers_can_be_saved_at_once_all_or_none(client, study):
    ok = post(
        client,
        study,
        {
            "answers": [
                {"node": "T.BR.1", "measure": "familiarity", "value": 2},
                {"node": "T.BR.2", "measure": "familiarity", "value": 3},
            ]
        },
    )
    assert ok.status_code == 200
    bad = post(
        client,
        study,
        {
            "answers": [
                {"node": "T.BR.3", "measure": "familiarity", "value": 2},
                {"node": "T.BR.4", "measure": "familiarity", "value": 9},
            ]
        },
    )
    assert bad.status_code == 400
    assert set(drafts(study)) == {("T.BR.1", "familiarity"), ("T.BR.2", "familiarity")}


def test_a_reason_is_kept_when_only_the_value_changes(client, study):
    post(client, study, {"node": "T.BR.1", "measure": "importance", "value": 1, "reason": "Why"})
    post(client, study, {"node": "T.BR.1", "measure": "importance", "value": 2})
    assert drafts(study) == {("T.BR.1", "importance"): (2, "Why")}
    post(client, study, {"node": "T.BR.1", "measure": "importance", "value": 2, "reason": ""})
    assert drafts(study) == {("T.BR.1", "importance"): (2, "")}


def test_an_emptied_comment_is_no_comment(client, study):
    post(client, study, {"node": "E.MK", "measure": "comment", "value": "Good scenarios."})
    assert drafts(study) == {("E.MK", "comment"): ("Good scenarios.", "")}
    post(client, study, {"node": "E.MK", "measure": "comment", "value": "   "})
    assert drafts(study) == {}


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ({"node": "T.XX.9", "measure": "familiarity", "value": 3}, "T.XX.9"),
        ({"node": "T.BR", "measure": "familiarity", "value": 3}, "T.BR"),  # not a leaf
        ({"node": "T.BR.1", "measure": "stages", "value": ["rd"]}, "stages"),  # not asked
        ({"node": "T.BR.1", "measure": "colour", "value": "red"}, "colour"),
        ({"node": "T.BR.1", "measure": "familiarity", "value": 0}, "familiarity"),
        ({"node": "T.BR.1", "measure": "familiarity", "value": 6}, "familiarity"),
        ({"node": "T.BR.1", "measure": "familiarity", "value": "4"}, "familiarity"),
        ({"node": "T.BR.1", "measure": "familiarity", "value": True}, "familiarity"),
        ({"node": "T.BR.1", "measure": "importance", "value": 6}, "importance"),
        ({"node": "T.BR.1", "measure": "importance", "value": 4.5}, "importance"),
        ({"node": "T.BR.1", "measure": "importance", "value": "dont_know"}, "dont_know"),
        ({"node": "T.BR.1", "measure": "maturity", "value": "soon"}, "maturity"),
        ({"node": "T.BR.1", "measure": "regional_advantage", "value": "maybe"}, "regional"),
        ({"node": "T.BR.1", "measure": "investment", "value": 1}, "investment"),
        ({"node": "P.FP.1", "measure": "stages", "value": ["rd", "rd"]}, "twice"),
        ({"node": "P.FP.1", "measure": "stages", "value": ["marketing"]}, "stages"),
        ({"node": "P.FP.1", "measure": "stages", "value": "rd"}, "stages"),
        ({"node": "E.MK", "measure": "comment", "value": 42}, "comment"),
        ({"node": "E.MK", "measure": "comment", "value": "x" * 10_001}, "10000"),
        ({"node": "T.BR.1", "measure": "importance", "value": 3, "reason": "x" * 2001}, "2000"),
        ({"node": "T.BR.1", "measure": "importance", "value": 3, "reason": ["no"]}, "reason"),
    ],
)
def test_an_invalid_answer_is_refused_with_a_message_naming_the_problem(
    client, study, payload, named
):
    response = post(client, study, payload)
    assert response.status_code == 400
    body = response.json()
    assert body["saved"] is False
    assert named in body["error"]
    assert drafts(study) == {}


@pytest.mark.parametrize(
    "payload",
    [
        {"node": "T.BR.1", "measure": "familiarity"},  # no value
        {"measure": "familiarity", "value": 3},
        [],
        "hello",
        {"answers": []},
        {"answers": ["x"]},
    ],
)
def test_a_malformed_request_is_refused(client, study, payload):
    response = post(client, study, payload)
    assert response.status_code == 400
    assert response.json()["error"]


def test_a_request_that_is_not_json_is_refused(client, study):
    response = client.post(link(study, "X01") + "answer", "{oops", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]


def test_dont_know_is_accepted_where_the_study_allows_it(client):
    study = import_study(seed_bundle(settings={"allow_dont_know": True}))
    response = post(
        client, study, {"node": "T.BR.1", "measure": "importance", "value": "dont_know"}
    )
    assert response.status_code == 200
    assert drafts(study) == {("T.BR.1", "importance"): ("dont_know", "")}


def test_the_studys_own_importance_scale_bounds_the_rating(client):
    study = import_study(seed_bundle(settings={"importance_scale": [0, 10]}))
    nine = post(client, study, {"node": "T.BR.1", "measure": "importance", "value": 9})
    assert nine.status_code == 200
    eleven = post(client, study, {"node": "T.BR.1", "measure": "importance", "value": 11})
    assert eleven.status_code == 400
    assert "from 0 to 10" in eleven.json()["error"]
    page = client.get(link(study, "X01"))
    leaf = page.context["q"].leaves_by_code()["T.BR.1"]
    importance = next(q for q in leaf.questions if q.measure == "importance")
    assert [o.value for o in importance.options] == [str(v) for v in range(11)]


def test_saving_into_a_closed_round_is_refused_with_409(client, study):
    path = link(study, "X01")
    round_close(round_=study.rounds.get())
    response = client.post(
        path + "answer",
        {"node": "T.BR.1", "measure": "familiarity", "value": 4},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert "closed" in response.json()["error"]
    assert not Submission.objects.exists()


def test_an_unknown_token_cannot_save(client, study):
    response = client.post(
        "/q/unknown-token/answer",
        {"node": "T.BR.1", "measure": "familiarity", "value": 4},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not Submission.objects.exists()


def test_saving_needs_the_csrf_token_of_the_page(study):
    browser = Client(enforce_csrf_checks=True)
    path = link(study, "X01")
    refused = browser.post(
        path + "answer",
        {"node": "T.BR.1", "measure": "familiarity", "value": 4},
        content_type="application/json",
    )
    assert refused.status_code == 403
    page = browser.get(path)
    token = page.context["csrf_token"]
    accepted = browser.post(
        path + "answer",
        {"node": "T.BR.1", "measure": "familiarity", "value": 4},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=str(token),
    )
    assert accepted.status_code == 200


def test_saving_only_accepts_post(client, study):
    assert client.get(link(study, "X01") + "answer").status_code == 405


def test_a_section_posted_as_a_form_is_saved_without_javascript(client, study):
    path = link(study, "X01")
    response = client.post(
        path + "save",
        {
            "leaf": ["T.BR.1", "T.BR.2"],
            "a:T.BR.1:familiarity": "4",
            "a:T.BR.1:importance": "5",
            "a:T.BR.1:maturity": "medium",
            "a:T.BR.1:regional_advantage": "yes",
            "a:T.BR.1:investment": "no",
            "go": "section-2",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == path + "#section-2"
    assert drafts(study) == {
        ("T.BR.1", "familiarity"): (4, ""),
        ("T.BR.1", "importance"): (5, ""),
        ("T.BR.1", "maturity"): ("medium", ""),
        ("T.BR.1", "regional_advantage"): ("yes", ""),
        ("T.BR.1", "investment"): ("no", ""),
    }


def test_a_section_form_with_an_invalid_value_shows_the_page_with_the_problem(client, study):
    response = client.post(
        link(study, "X01") + "save", {"leaf": ["T.BR.1"], "a:T.BR.1:familiarity": "9"}
    )
    assert response.status_code == 400
    assert "familiarity must be an integer" in response.content.decode()
    assert drafts(study) == {}
