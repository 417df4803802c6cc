"""The expert's questionnaire in Chromium: answering, drafts, submitting, Delphi feedback."""

from __future__ import annotations

import pytest

from scoring.models import ResultSnapshot
from scoring.recompute import round_recompute
from surveys.models import Answer, Panelist, Round, Submission
from tests.expert.builders import import_study, link, seed_bundle

pytestmark = pytest.mark.django_db(transaction=True)

VALUES = {
    "familiarity": "4",
    "importance": "5",
    "maturity": "short",
    "regional_advantage": "yes",
    "investment": "unsure",
}


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Static URLs without the collected manifest: the tests do not run collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def open_study():
    return import_study(seed_bundle(experts=2, languages=["en", "zh-hans"]))


@pytest.fixture
def delphi(demo_study):
    for round_ in demo_study.rounds.exclude(status=Round.Status.DRAFT):
        round_recompute(round_id=round_.pk)
    return demo_study


def control(page, code: str, measure: str, value: str | None = None):
    selector = f'[data-node="{code}"][data-measure="{measure}"]'
    return page.locator(selector + (f'[value="{value}"]' if value is not None else ""))


def wait_saved(page) -> None:
    page.wait_for_selector('#q-save-status[data-state="saved"]')


def open_page(page, path: str) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path)
    return errors


def answer_section(page, section) -> None:
    for leaf in section.locator("[data-leaf]").all():
        code = leaf.get_attribute("data-leaf")
        for question in leaf.locator("[data-question]").all():
            measure = question.get_attribute("data-question")
            if measure == "stages":
                control(page, code, "stages", "rd").check()
                control(page, code, "stages", "industrialization").check()
            elif measure == "comment":
                control(page, code, "comment").fill(f"Remarks on {code}.")
            else:
                control(page, code, measure, VALUES[measure]).check()


def drafts(panelist: Panelist, number: int = 1) -> dict:
    return {
        (a.node.code, a.get_measure_display()): (a.value, a.reason)
        for a in Answer.objects.filter(
            submission__panelist=panelist, submission__round__number=number, draft=True
        ).select_related("node")
    }


def test_an_expert_fills_the_whole_questionnaire_reloads_submits_and_resubmits(page, open_study):
    path = link(open_study, "X01")
    errors = open_page(page, path)
    sections = page.locator("form[data-section]")
    assert sections.count() == 6
    for index in range(6):
        section = page.locator(f"#section-{index + 1}")
        assert section.is_visible()
        answer_section(page, section)
        wait_saved(page)
        if index == 2:
            # Midway: a reload (or another device) shows every draft saved so far.
            page.reload()
            assert page.locator("#section-3").is_visible()
            for code in ("T.BR.1", "T.KT.4", "T.CA.5"):
                assert control(page, code, "importance", "5").is_checked()
                assert control(page, code, "maturity", "short").is_checked()
            assert page.locator("#q-progress-text").text_content() == "13 of 27 fields answered"
        section.locator("[data-action=next]").click()
    review = page.locator("#review")
    assert review.is_visible()
    assert "Every field you started is complete." in review.text_content()
    assert page.locator("#q-progress-text").text_content() == "27 of 27 fields answered"
    page.locator("[data-action=submit]").click()
    page.wait_for_selector('#q-submit-result[data-submitted="true"]')

    panelist = Panelist.objects.get(study=open_study, external_id="X01")
    submission = Submission.objects.get(panelist=panelist)
    assert submission.status == "submitted"
    frozen = {
        (a.node.code, a.get_measure_display()): a.value
        for a in submission.answers.filter(draft=False).select_related("node")
    }
    # 18 fields with 5 questions, 7 final products with 4, a comment on each environment factor.
    assert len(frozen) == 18 * 5 + 7 * 4 + 2
    assert frozen[("P.FP.3", "stages")] == ["rd", "industrialization"]
    assert frozen[("E.PO", "comment")] == "Remarks on E.PO."
    snapshot = ResultSnapshot.objects.get(round__study=open_study)
    assert snapshot.document["panel"]["responded"] == 1

    # Revise and resubmit while the round is open.
    page.locator('[data-step="section-1"]').click()
    control(page, "T.BR.1", "importance", "2").check()
    wait_saved(page)
    assert page.locator("[data-changed-banner]").is_visible()
    page.locator('[data-step="review"]').click()
    page.locator("[data-action=submit]").click()
    page.wait_for_selector('#q-submit-result[data-submitted="true"]')
    assert not page.locator("[data-changed-banner]").is_visible()
    assert (
        Answer.objects.get(submission=submission, draft=False, node__code="T.BR.1", measure=1).value
        == 2
    )
    assert ResultSnapshot.objects.get(round__study=open_study).answers_version == 2
    assert errors == []


def test_submit_lists_what_is_still_unanswered(page, open_study):
    open_page(page, link(open_study, "X01"))
    control(page, "T.BR.2", "importance", "3").check()
    wait_saved(page)
    page.locator('[data-step="review"]').click()
    incomplete = page.locator("[data-review-incomplete]").text_content()
    assert "Brain information-processing mechanisms" in incomplete
    assert "Familiarity" in incomplete and "Time to maturity" in incomplete
    page.locator("[data-action=submit]").click()
    result = page.locator("#q-submit-result")
    result.locator("li").first.wait_for()
    assert "not answered yet" in result.text_content()
    # A problem links to its field.
    result.locator("a").first.click()
    assert page.locator("#section-1").is_visible()
    assert not Submission.objects.filter(status="submitted").exists()


def test_skipping_a_field_clears_its_answers(page, open_study):
    path = link(open_study, "X01")
    open_page(page, path)
    control(page, "T.BR.1", "familiarity", "1").check()
    control(page, "T.BR.1", "importance", "2").check()
    wait_saved(page)
    page.locator('[data-skip="T.BR.1"]').click()
    wait_saved(page)
    panelist = Panelist.objects.get(study=open_study, external_id="X01")
    assert drafts(panelist) == {}
    assert page.locator('[data-leaf="T.BR.1"] [data-skipped-note]').is_visible()
    assert page.locator('[data-leaf="T.BR.1"]').get_attribute("data-status") == "empty"
    page.reload()
    assert page.locator('[data-leaf="T.BR.1"] [data-skipped-note]').is_visible()
    page.locator('[data-unskip="T.BR.1"]').click()
    assert control(page, "T.BR.1", "familiarity", "3").is_visible()


def test_a_change_made_offline_is_saved_when_the_connection_returns(page, open_study):
    open_page(page, link(open_study, "X01"))
    wait_saved(page)
    page.context.set_offline(True)
    control(page, "T.BR.1", "familiarity", "5").check()
    page.wait_for_selector('#q-save-status[data-state="offline"]')
    page.context.set_offline(False)
    wait_saved(page)
    panelist = Panelist.objects.get(study=open_study, external_id="X01")
    assert drafts(panelist) == {("T.BR.1", "familiarity"): (5, "")}


def test_a_reload_right_after_a_change_loses_nothing(page, open_study):
    errors = open_page(page, link(open_study, "X01"))
    control(page, "T.BR.1", "familiarity", "2").check()
    control(page, "T.BR.1", "importance", "4").check()
    page.reload()  # at once, whether or not the requests have been answered
    assert control(page, "T.BR.1", "familiarity", "2").is_checked()
    assert control(page, "T.BR.1", "importance", "4").is_checked()
    wait_saved(page)
    panelist = Panelist.objects.get(study=open_study, external_id="X01")
    assert drafts(panelist) == {
        ("T.BR.1", "familiarity"): (2, ""),
        ("T.BR.1", "importance"): (4, ""),
    }
    assert errors == []


def test_the_questionnaire_works_with_the_keyboard_alone(page, open_study):
    open_page(page, link(open_study, "X01"))
    first = control(page, "T.BR.1", "familiarity", "1")
    first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")  # moves the choice to 2 within the radio group
    assert control(page, "T.BR.1", "familiarity", "2").is_checked()
    page.keyboard.press("Tab")  # on to the next question
    page.keyboard.press("Space")
    assert control(page, "T.BR.1", "importance", "1").is_checked()
    page.keyboard.press("Enter")  # Enter on a choice does not leave the section
    assert page.locator("#section-1").is_visible()
    wait_saved(page)
    panelist = Panelist.objects.get(study=open_study, external_id="X01")
    assert drafts(panelist) == {
        ("T.BR.1", "familiarity"): (2, ""),
        ("T.BR.1", "importance"): (1, ""),
    }
    page.locator("#section-1 [data-action=next]").focus()
    page.keyboard.press("Enter")
    assert page.locator("#section-2").is_visible()
    assert page.evaluate("document.activeElement.id") == "section-2-title"


def test_round_two_shows_feedback_and_preselects_the_previous_answers(page, delphi):
    errors = open_page(page, link(delphi, "E09"))
    round1 = ResultSnapshot.objects.get(round__study=delphi, round__number=1).document
    assert page.locator("[data-feedback]").count() == len(round1["results"])
    assert page.locator("[data-feedback] svg").count() >= len(round1["results"])
    panelist = Panelist.objects.get(study=delphi, external_id="E09")
    previous = Answer.objects.filter(
        submission__panelist=panelist, submission__round__number=1, draft=False
    ).select_related("node")
    for answer in previous:
        measure = answer.get_measure_display()
        code = answer.node.code
        if measure == "comment":
            assert control(page, code, "comment").input_value() == answer.value
        elif measure == "stages":
            for stage in answer.value:
                assert control(page, code, "stages", stage).is_checked()
        else:
            assert control(page, code, measure, str(answer.value)).is_checked()
    # Preselected answers are drafts already: the questionnaire can be submitted at once.
    page.locator('[data-step="review"]').click()
    page.locator("[data-action=submit]").click()
    page.wait_for_selector('#q-submit-result[data-submitted="true"]')
    assert Submission.objects.get(panelist=panelist, round__number=2).status == "submitted"
    assert errors == []


def test_the_reason_prompt_appears_outside_the_interquartile_range(page, delphi):
    round1 = ResultSnapshot.objects.get(round__study=delphi, round__number=1).document
    entry = next(
        e
        for e in round1["results"]
        if e["measure"] == "importance"
        and e["q1"] > 1
        and any(e["q1"] <= v <= e["q3"] for v in range(1, 6))
    )
    code, q1, q3 = entry["node"], entry["q1"], entry["q3"]
    low = 1  # below q1
    inside = next(v for v in range(1, 6) if q1 <= v <= q3)
    open_page(page, link(delphi, "E09") + f"#leaf-{code}")
    box = page.locator(f'[data-leaf="{code}"] [data-question="importance"] [data-reason-box]')
    control(page, code, "importance", str(inside)).check()
    assert box.is_hidden()
    control(page, code, "importance", str(low)).check()
    assert box.is_visible()
    box.locator("textarea").fill("Our lab sees slower progress.")
    wait_saved(page)
    panelist = Panelist.objects.get(study=delphi, external_id="E09")
    assert drafts(panelist, 2)[(code, "importance")] == (low, "Our lab sees slower progress.")
    control(page, code, "importance", str(inside)).check()
    assert box.is_hidden()
    wait_saved(page)
    assert drafts(panelist, 2)[(code, "importance")] == (inside, "")


def test_the_chinese_page_through_the_language_switch(page, open_study):
    errors = open_page(page, link(open_study, "X01"))
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator(".language-switch button[value='zh-hans']").click()
    page.wait_for_selector("html[lang='zh-hans']")
    assert page.locator('[data-leaf="T.BR.1"] .leaf__name').text_content() == "脑图谱构建"
    assert "您对该领域的熟悉程度如何？" in page.locator("#section-1").text_content()
    control(page, "T.BR.1", "familiarity", "3").check()
    wait_saved(page)
    assert page.locator("#q-save-status").text_content() == "所有修改已保存"
    assert page.locator("#q-progress-text").text_content() == "已回答 0／27 个领域"
    assert errors == []


def test_a_chinese_expert_gets_the_chinese_page_on_a_phone(phone_page, open_study):
    errors = open_page(phone_page, link(open_study, "X02"))
    assert phone_page.locator("html").get_attribute("lang") == "zh-hans"
    assert "检查并提交" in phone_page.locator(".q-steps").text_content()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the screen
    control(phone_page, "T.BR.1", "maturity", "medium").tap()
    wait_saved(phone_page)
    panelist = Panelist.objects.get(study=open_study, external_id="X02")
    assert drafts(panelist) == {("T.BR.1", "maturity"): ("medium", "")}
    assert errors == []
