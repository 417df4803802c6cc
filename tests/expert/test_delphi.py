"""Round 2: previous answers preselected, the group's feedback, and reasons outside the IQR.

Round 1 of the study below: four experts answer the first technology field; on it the importance
ratings 5, 3, 3, 4 give q1 = 3, median 3.5, q3 = 4.25, and the maturity answers short, medium,
medium, long (5, 10, 10, 15 years) give q1 = 8.75, median 10, q3 = 11.25 years.
"""

import pytest

from scoring.method import MethodSettings
from surveys.models import Answer, Invitation, Submission
from surveys.questionnaire import (
    AnswerError,
    draft_save_many,
    drafts_prefill,
    outside_iqr,
    submission_submit,
)

from .builders import import_study, invitation_of, link, seed_bundle

pytestmark = pytest.mark.django_db

ROUND1 = {
    "X01": (4, 5, "short", "yes", "yes"),
    "X02": (3, 3, "medium", "yes", "no"),
    "X03": (5, 3, "medium", "no", "unsure"),
    "X04": (2, 4, "long", "yes", "yes"),
}
MEASURES = ("familiarity", "importance", "maturity", "regional_advantage", "investment")


def round1_responses():
    return [
        {"expert": expert, "node": "T.BR.1", "measure": measure, "value": value}
        for expert, values in ROUND1.items()
        for measure, value in zip(MEASURES, values, strict=True)
    ] + [
        {"expert": "X01", "node": "P.FP.1", "measure": "familiarity", "value": 3},
        {"expert": "X01", "node": "P.FP.1", "measure": "importance", "value": 4},
        {"expert": "X01", "node": "P.FP.1", "measure": "maturity", "value": "medium"},
        {"expert": "X01", "node": "P.FP.1", "measure": "stages", "value": ["rd", "production"]},
        {"expert": "X01", "node": "E.MK", "measure": "comment", "value": "Hospitals first."},
    ]


def delphi_study(**settings):
    return import_study(
        seed_bundle(
            experts=4,
            settings=settings,
            rounds=[
                {"number": 1, "status": "closed", "responses": round1_responses()},
                {"number": 2, "status": "open"},
            ],
        )
    )


@pytest.fixture
def study():
    return delphi_study()


def drafts(study, expert="X01"):
    invitation = invitation_of(study, expert)
    return {
        (a.node.code, a.get_measure_display()): (a.value, a.reason)
        for a in Answer.objects.filter(
            submission__round=invitation.round, submission__panelist=invitation.panelist, draft=True
        ).select_related("node")
    }


def question(page, code, measure):
    leaf = page.context["q"].leaves_by_code()[code]
    return next(q for q in leaf.questions if q.measure == measure)


def test_the_first_opening_preselects_the_experts_previous_answers_as_drafts(client, study):
    page = client.get(link(study, "X01"))
    assert drafts(study) == {
        ("T.BR.1", "familiarity"): (4, ""),
        ("T.BR.1", "importance"): (5, ""),
        ("T.BR.1", "maturity"): ("short", ""),
        ("T.BR.1", "regional_advantage"): ("yes", ""),
        ("T.BR.1", "investment"): ("yes", ""),
        ("P.FP.1", "familiarity"): (3, ""),
        ("P.FP.1", "importance"): (4, ""),
        ("P.FP.1", "maturity"): ("medium", ""),
        ("P.FP.1", "stages"): (["rd", "production"], ""),
        ("E.MK", "comment"): ("Hospitals first.", ""),
    }
    html = page.content.decode()
    assert 'value="5" data-node="T.BR.1" data-measure="importance" checked' in html
    assert 'value="production" data-node="P.FP.1" data-measure="stages" checked' in html
    assert "Hospitals first." in html


def test_prefilling_keeps_answers_the_expert_already_changed(study):
    invitation = invitation_of(study, "X02")
    draft_save_many(
        round_=invitation.round,
        panelist=invitation.panelist,
        answers=[{"node": "T.BR.1", "measure": "importance", "value": 1}],
    )
    written = drafts_prefill(round_=invitation.round, panelist=invitation.panelist)
    assert written == 4
    assert drafts(study, "X02")[("T.BR.1", "importance")] == (1, "")


def test_only_the_first_opening_prefills(client, study):
    path = link(study, "X01")
    client.get(path)
    client.post(
        path + "answer",
        {"node": "T.BR.1", "measure": "importance", "value": None},
        content_type="application/json",
    )
    client.get(path)
    assert ("T.BR.1", "importance") not in drafts(study)
    assert Invitation.objects.get(pk=invitation_of(study, "X01").pk).opened_at is not None


def test_prefilled_answers_can_be_submitted_at_once(client, study):
    client.get(link(study, "X04"))
    response = client.post(link(study, "X04") + "submit", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert Submission.objects.get(round__number=2).status == "submitted"


def test_an_expert_who_answered_nothing_before_starts_empty(client):
    study = delphi_study()
    bundle_less = invitation_of(study, "X01")
    Answer.objects.filter(submission__panelist=bundle_less.panelist).delete()
    client.get(link(study, "X01"))
    assert drafts(study) == {}


def test_each_scored_question_shows_the_previous_rounds_group_result(client, study):
    page = client.get(link(study, "X01"))
    importance = question(page, "T.BR.1", "importance")
    assert (importance.q1, importance.q3) == (3.0, 4.25)
    assert importance.feedback.chart is not None
    assert "Median 3.5" in importance.feedback.summary[0]
    maturity = question(page, "T.BR.1", "maturity")
    assert [(b.label, b.count, b.own) for b in maturity.feedback.bars] == [
        ("Achieved", 0, False),
        ("Short term", 1, True),
        ("Medium term", 2, False),
        ("Long term", 1, False),
        ("Unpredictable", 0, False),
    ]
    advantage = question(page, "T.BR.1", "regional_advantage")
    assert [(b.count, b.width) for b in advantage.feedback.bars] == [(3, 75.0), (1, 25.0), (0, 0)]
    assert "Panel verdict: yes" in advantage.feedback.summary[0]
    stages = question(page, "P.FP.1", "stages")
    assert [(b.label, b.count, b.own) for b in stages.feedback.bars] == [
        ("R&D", 1, True),
        ("Production", 1, True),
        ("Industrialization", 0, False),
    ]
    html = page.content.decode()
    # The scored questions answered in round 1: four on T.BR.1, three on P.FP.1.
    assert html.count("data-feedback=") == 7
    assert question(page, "T.BR.1", "familiarity").feedback is None
    assert question(page, "T.BR.1", "familiarity").previous == "4"


def test_the_maturity_quartiles_are_shown_as_the_options_they_fall_between(client, study):
    page = client.get(link(study, "X01"))
    summary = " ".join(question(page, "T.BR.1", "maturity").feedback.summary)
    assert "Median: Medium term (10 years)." in summary
    assert "Middle half of the panel: 8.75 to 11.25 years (Short term to Long term)." in summary


def test_round_one_shows_no_feedback(client):
    study = import_study(seed_bundle())
    html = client.get(link(study, "X01")).content.decode()
    assert "data-feedback" not in html and "data-previous" not in html


@pytest.mark.parametrize(
    ("measure", "value", "outside"),
    [
        ("importance", 2, True),
        ("importance", 3, False),
        ("importance", 4, False),
        ("importance", 5, True),
        ("importance", "dont_know", False),
        ("maturity", "short", True),
        ("maturity", "medium", False),
        ("maturity", "long", True),
        ("regional_advantage", "no", False),
    ],
)
def test_outside_the_iqr_means_below_q1_or_above_q3(measure, value, outside):
    entries = {
        "importance": {"q1": 3.0, "q3": 4.25},
        "maturity": {"q1": 8.75, "q3": 11.25},
        "regional_advantage": {"counts": {}},
    }
    assert outside_iqr(measure, value, entries[measure], MethodSettings()) is outside


def test_the_page_marks_the_prefilled_answers_outside_the_iqr(client, study):
    page = client.get(link(study, "X01"))  # X01 said 5 and "short": both outside
    assert question(page, "T.BR.1", "importance").outside is True
    assert question(page, "T.BR.1", "maturity").outside is True
    page = client.get(link(study, "X02"))  # 3 and "medium": inside
    assert question(page, "T.BR.1", "importance").outside is False
    assert question(page, "T.BR.1", "maturity").outside is False


def test_an_optional_reason_may_be_left_out(client, study):
    client.get(link(study, "X01"))
    response = client.post(link(study, "X01") + "submit", HTTP_ACCEPT="application/json")
    assert response.status_code == 200


def test_a_required_reason_is_enforced_on_submit(client):
    study = delphi_study(reason_required=True)
    path = link(study, "X01")
    client.get(path)
    response = client.post(path + "submit", HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert [(p["node"], p["measure"], p["code"]) for p in response.json()["problems"]] == [
        ("T.BR.1", "importance", "reason_required"),
        ("T.BR.1", "maturity", "reason_required"),
    ]
    for measure, value in (("importance", 5), ("maturity", "short")):
        client.post(
            path + "answer",
            {"node": "T.BR.1", "measure": measure, "value": value, "reason": "Chips are late."},
            content_type="application/json",
        )
    assert client.post(path + "submit", HTTP_ACCEPT="application/json").status_code == 200


def test_a_required_reason_is_not_asked_inside_the_iqr(study):
    study.settings = {"reason_required": True}
    study.save()
    invitation = invitation_of(study, "X03")
    draft_save_many(
        round_=invitation.round,
        panelist=invitation.panelist,
        answers=[
            {"node": "T.BR.1", "measure": m, "value": v}
            for m, v in zip(MEASURES, (5, 4, "medium", "no", "no"), strict=True)
        ],
    )
    submission_submit(round_=invitation.round, panelist=invitation.panelist)


def test_a_blank_reason_does_not_count(study):
    study.settings = {"reason_required": True}
    study.save()
    invitation = invitation_of(study, "X03")
    draft_save_many(
        round_=invitation.round,
        panelist=invitation.panelist,
        answers=[
            {"node": "T.BR.1", "measure": m, "value": v, "reason": "   "}
            for m, v in zip(MEASURES, (5, 1, "medium", "no", "no"), strict=True)
        ],
    )
    with pytest.raises(AnswerError, match="reason"):
        submission_submit(round_=invitation.round, panelist=invitation.panelist)


def test_a_reason_is_stored_with_the_submitted_answer(client, study):
    path = link(study, "X01")
    client.get(path)
    client.post(
        path + "answer",
        {"node": "T.BR.1", "measure": "importance", "value": 5, "reason": "Chips are late."},
        content_type="application/json",
    )
    assert client.post(path + "submit", HTTP_ACCEPT="application/json").status_code == 200
    submitted = Answer.objects.get(
        submission__round__number=2, draft=False, node__code="T.BR.1", measure=1
    )
    assert (submitted.value, submitted.reason) == (5, "Chips are late.")


def test_reason_required_is_a_study_setting_with_default_false():
    assert MethodSettings.from_dict({}).reason_required is False
    assert MethodSettings.from_dict({"reason_required": True}).to_dict()["reason_required"] is True


def test_an_expert_who_submitted_this_round_keeps_exactly_that_submission(client):
    responses = round1_responses()
    round2 = [r for r in responses if r["expert"] == "X01" and r["node"] == "T.BR.1"]
    study = import_study(
        seed_bundle(
            experts=4,
            rounds=[
                {"number": 1, "status": "closed", "responses": responses},
                {"number": 2, "status": "open", "responses": round2},
            ],
        )
    )
    page = client.get(link(study, "X01"))
    assert set(drafts(study)) == {("T.BR.1", m) for m in MEASURES}
    assert page.context["q"].changed_since_submit is False
    assert page.context["q"].submitted is True


def fieldset(html: str, code: str, measure: str) -> str:
    start = html.index(f'id="q-{code}-{measure}"')
    return html[start : html.index("</fieldset>", start)]


def test_a_questions_markup_carries_its_answer_feedback_and_reason_box(client, study):
    html = client.get(link(study, "X01")).content.decode()
    importance = fieldset(html, "T.BR.1", "importance")
    assert 'data-q1="3.0" data-q3="4.25"' in importance
    assert 'value="5" data-node="T.BR.1" data-measure="importance" checked>' in importance
    assert "Your answer in round 1: 5" in importance
    assert "Panel result in round 1" in importance and "middle half" in importance
    # X01's 5 lies above q3: the reason box is shown, not hidden.
    assert 'name="r:T.BR.1:importance"' in importance
    assert "data-reason-box>" in importance
    familiarity = fieldset(html, "T.BR.1", "familiarity")
    assert "data-q1" not in familiarity and "data-reason-box" not in familiarity


def test_the_questions_feedback_and_reason_are_worded_in_chinese(client, study):
    client.cookies["django_language"] = "zh-hans"
    importance = fieldset(client.get(link(study, "X01")).content.decode(), "T.BR.1", "importance")
    assert "您第 1 轮的回答：5" in importance
    assert "第 1 轮专家组结果" in importance
    assert "中间一半" in importance and "中位数" in importance
    assert "能否简要说明理由？（选填）" in importance
    assert "Panel result" not in importance and "Your answer" not in importance
