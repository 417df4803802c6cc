"""Submitting: server-side validation, resubmission, closed rounds, and the results that follow."""

import json

import pytest

from scoring.recompute import results_compute
from surveys.framework import framework_load
from surveys.models import Answer, Round, Submission
from surveys.questionnaire import AnswerError, RoundClosedError, draft_save_many, submission_submit
from surveys.services import round_close

from .builders import full_answers, import_study, invitation_of, link, seed_bundle

pytestmark = pytest.mark.django_db

# The questions of a technology field in the seed framework.
TECHNOLOGY = ("familiarity", "importance", "maturity", "regional_advantage", "investment")


@pytest.fixture
def study():
    return import_study(seed_bundle())


def save(study, answers, expert="X01"):
    invitation = invitation_of(study, expert)
    return draft_save_many(round_=invitation.round, panelist=invitation.panelist, answers=answers)


def submit(client, study, expert="X01"):
    return client.post(link(study, expert) + "submit", HTTP_ACCEPT="application/json")


def submitted(study, expert="X01"):
    invitation = invitation_of(study, expert)
    return {
        (a.node.code, a.get_measure_display()): a.value
        for a in Answer.objects.filter(
            submission__round=invitation.round,
            submission__panelist=invitation.panelist,
            draft=False,
        ).select_related("node")
    }


def answer_everything(study, expert="X01"):
    framework = framework_load(study=study)
    answers = [
        a for leaf in framework.leaves.values() for a in full_answers(leaf.code, leaf.measures)
    ]
    save(study, answers, expert)
    return answers


def test_a_complete_questionnaire_is_submitted_and_counted_in_the_results(client, study):
    answers = answer_everything(study)
    response = submit(client, study)
    assert response.status_code == 200
    assert response.json()["submitted"] is True
    submission = Submission.objects.get()
    assert submission.status == "submitted" and submission.submitted_at is not None
    assert submitted(study) == {(a["node"], a["measure"]): a["value"] for a in answers}
    round_ = Round.objects.get()
    assert round_.answers_version == 1
    document = results_compute(round_=round_)
    assert document["panel"]["responded"] == 1
    entry = next(
        e for e in document["results"] if (e["node"], e["measure"]) == ("T.BR.1", "importance")
    )
    assert entry["n"] == 1 and entry["median"] == 5.0


def test_skipped_fields_are_left_out_of_the_submission(client, study):
    save(study, full_answers("T.BR.1", TECHNOLOGY))
    assert submit(client, study).status_code == 200
    assert {node for node, _measure in submitted(study)} == {"T.BR.1"}


def test_submitting_lists_every_unanswered_question_of_a_begun_field(client, study):
    save(study, [{"node": "T.BR.1", "measure": "importance", "value": 4}])
    response = submit(client, study)
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert [(p["node"], p["measure"], p["code"]) for p in problems] == [
        ("T.BR.1", "familiarity", "missing"),
        ("T.BR.1", "maturity", "missing"),
        ("T.BR.1", "regional_advantage", "missing"),
        ("T.BR.1", "investment", "missing"),
    ]
    assert problems[0]["leaf"] == "Brain atlas construction"
    assert problems[0]["label"] == "Familiarity"
    assert not Answer.objects.filter(draft=False).exists()
    assert Submission.objects.get().status == "draft"


def test_a_comment_alone_needs_the_familiarity_of_a_field_that_asks_it(client):
    bundle = seed_bundle()
    bundle["framework"].append(
        {"code": "X", "name": "Extra", "measures": ["familiarity", "comment"]}
    )
    study = import_study(bundle)
    save(study, [{"node": "X", "measure": "comment", "value": "Only a remark."}])
    problems = submit(client, study).json()["problems"]
    assert [(p["node"], p["measure"]) for p in problems] == [("X", "familiarity")]


def test_nothing_to_submit_is_refused(client, study):
    response = submit(client, study)
    assert response.status_code == 400
    assert response.json()["problems"][0]["code"] == "nothing"


def test_unticked_stages_of_a_begun_product_are_submitted_as_the_empty_selection(client, study):
    save(study, full_answers("P.FP.1", ("familiarity", "importance", "maturity")))
    assert submit(client, study).status_code == 200
    assert submitted(study)[("P.FP.1", "stages")] == []
    # The working copy shows what was submitted.
    assert Answer.objects.get(draft=True, node__code="P.FP.1", measure=5).value == []


def test_a_draft_made_invalid_by_a_settings_change_is_refused_at_submit(client):
    study = import_study(seed_bundle(settings={"allow_dont_know": True}))
    save(study, full_answers("T.BR.1", TECHNOLOGY[:1] + TECHNOLOGY[2:]))
    save(study, [{"node": "T.BR.1", "measure": "importance", "value": "dont_know"}])
    study.settings = {}
    study.save()
    problems = submit(client, study).json()["problems"]
    assert [(p["node"], p["measure"], p["code"]) for p in problems] == [
        ("T.BR.1", "importance", "invalid")
    ]


def test_the_expert_may_revise_and_resubmit_until_the_round_closes(client, study):
    answer_everything(study)
    assert submit(client, study).status_code == 200
    save(study, [{"node": "T.BR.1", "measure": "importance", "value": 1}])
    page = client.get(link(study, "X01"))
    assert page.context["q"].changed_since_submit is True
    assert submitted(study)[("T.BR.1", "importance")] == 5  # not yet resubmitted
    assert submit(client, study).status_code == 200
    assert submitted(study)[("T.BR.1", "importance")] == 1
    assert Round.objects.get().answers_version == 2
    assert client.get(link(study, "X01")).context["q"].changed_since_submit is False


def test_submitting_into_a_closed_round_is_refused_and_changes_nothing(client, study):
    answer_everything(study)
    path = link(study, "X01")
    invitation = invitation_of(study, "X01")
    round_close(round_=Round.objects.get())
    response = client.post(path + "submit", HTTP_ACCEPT="application/json")
    assert response.status_code == 409
    assert Submission.objects.get().status == "draft"
    assert not Answer.objects.filter(draft=False).exists()
    with pytest.raises(RoundClosedError):
        submission_submit(round_=invitation.round, panelist=invitation.panelist)


def test_a_plain_form_submit_works_without_javascript(client, study):
    answer_everything(study)
    path = link(study, "X01")
    response = client.post(path + "submit")
    assert response.status_code == 302
    assert response["Location"] == path + "#review"
    assert Submission.objects.get().status == "submitted"


def test_a_plain_form_submit_with_problems_shows_them_on_the_page(client, study):
    save(study, [{"node": "T.BR.1", "measure": "importance", "value": 4}])
    response = client.post(link(study, "X01") + "submit")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#leaf-T.BR.1"' in html and "not answered yet" in html


def test_a_panelist_of_another_study_cannot_submit_into_this_round(study):
    other = import_study(seed_bundle(slug="other"))
    stranger = invitation_of(other, "X01").panelist
    with pytest.raises(AnswerError, match="not on this study's panel"):
        submission_submit(round_=study.rounds.get(), panelist=stranger)
    with pytest.raises(AnswerError, match="not on this study's panel"):
        draft_save_many(
            round_=study.rounds.get(),
            panelist=stranger,
            answers=[{"node": "T.BR.1", "measure": "familiarity", "value": 3}],
        )
    assert not Submission.objects.filter(round__study=study).exists()


def test_submit_only_accepts_post(client, study):
    assert client.get(link(study, "X01") + "submit").status_code == 405


def test_the_json_answer_and_submit_round_trip(client, study):
    path = link(study, "X01")
    for answer in full_answers("T.BR.2", TECHNOLOGY):
        response = client.post(path + "answer", json.dumps(answer), content_type="application/json")
        assert response.status_code == 200
    assert submit(client, study).json()["submitted"] is True


def test_a_resubmission_replaces_what_scoring_reads(client):
    bundle = seed_bundle(
        rounds=[
            {
                "number": 1,
                "status": "open",
                "responses": [
                    {"expert": "X01", "node": "T.BR.1", "measure": m, "value": v}
                    for m, v in (
                        ("familiarity", 4),
                        ("importance", 5),
                        ("maturity", "short"),
                        ("regional_advantage", "yes"),
                        ("investment", "yes"),
                    )
                ],
            }
        ]
    )
    study = import_study(bundle)
    client.get(link(study, "X01"))  # the imported submission becomes the working copy
    save(study, [{"node": "T.BR.1", "measure": "importance", "value": 2}])
    assert submit(client, study).status_code == 200
    document = results_compute(round_=Round.objects.get())
    entry = next(
        e for e in document["results"] if (e["node"], e["measure"]) == ("T.BR.1", "importance")
    )
    assert (entry["n"], entry["median"]) == (1, 2.0)
