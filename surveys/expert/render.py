"""The markup of one question of the questionnaire page, with its panel feedback.

A 700-field questionnaire has some 3,300 questions and 20,000 answer options. Rendered through
`{% include %}` with Django's template language, they took seconds of a page's time: hundreds of
thousands of variable look-ups and a translation call per question for the same few sentences.
Here the markup is built with plain string formatting, every value escaped, and the sentences
that do not change from question to question are translated once per page (`PageWords`).
`templates/expert/questionnaire.html` calls this through the `question_markup` tag.
"""

import html
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .selectors import Feedback, Question


def _e(value: Any) -> str:
    # Django's conditional_escape, without its lazy-string checks (a fifth of the page's time).
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def _attribute(name: str, present: bool) -> str:
    return f" {name}" if present else ""


@dataclass(frozen=True)
class PageWords:
    """What every question of one page says alike, translated once. Translations are written
    as they are, as the template language writes them; only the values put into them are
    escaped."""

    readonly: bool
    previous_number: int | None
    reason_required: bool
    previous_answer: str  # "%(answer)s" still to fill
    reason_label: str
    feedback_title: str
    feedback_own: str
    middle_half: str
    median: str
    your_answer: str

    @classmethod
    def of(
        cls, *, readonly: bool, previous_number: int | None, reason_required: bool
    ) -> "PageWords":
        number = {"number": previous_number}
        if reason_required:
            reason = _(
                "Your answer lies outside the middle half of the panel's answers in round "
                "%(number)s. Please say briefly why (required)."
            )
        else:
            reason = _(
                "Your answer lies outside the middle half of the panel's answers in round "
                "%(number)s. Would you say briefly why? (optional)"
            )
        return cls(
            readonly=readonly,
            previous_number=previous_number,
            reason_required=reason_required,
            previous_answer=_("Your answer in round %(number)s: %(answer)s").replace(
                "%(number)s", str(previous_number)
            ),
            reason_label=reason % number,
            feedback_title=_("Panel result in round %(number)s") % number,
            feedback_own=_("your answer in round %(number)s") % number,
            middle_half=_("middle half"),
            median=_("median"),
            your_answer=_("(your answer)"),
        )


def question_html(question: Question, words: PageWords) -> SafeString:
    node, measure, label = _e(question.node), _e(question.measure), _e(question.label)
    out = [
        f'<fieldset class="question question--{measure}" id="q-{node}-{measure}" '
        f'data-question="{measure}" data-label="{label}"'
        f"{_attribute('data-required', question.required)}"
        f"{_attribute('data-answered', question.answered)}"
    ]
    if question.asks_reason:
        out.append(f' data-q1="{_e(question.q1)}" data-q3="{_e(question.q3)}"')
    out.append(f"{_attribute('disabled', words.readonly)}>\n")
    out.append(
        f'  <legend class="question__legend"><span class="question__label">{label}</span> '
        f'<span class="question__wording">{_e(question.wording)}</span></legend>\n'
    )
    if question.hint:
        out.append(f'  <p class="question__hint">{_e(question.hint)}</p>\n')
    out.append('  <div class="question__body">\n    <div class="question__answer">\n')
    name = _e(question.input_name)
    if question.kind == "text":
        out.append(
            f'      <label class="visually-hidden" for="input-{node}-{measure}">{label}</label>\n'
            f'      <textarea id="input-{node}-{measure}" name="{name}" rows="4" '
            f'maxlength="10000" data-node="{node}" data-measure="{measure}">'
            f"{_e(question.text)}</textarea>\n"
        )
    else:
        kind = _e(question.kind)
        out.append(f'      <div class="choices choices--{measure}">\n')
        for option in question.options:
            years = "" if option.years is None else f' data-years="{_e(option.years)}"'
            hint = f'<small class="choice__hint">{_e(option.hint)}</small>' if option.hint else ""
            out.append(
                f'        <label class="choice{" choice--wide" if option.hint else ""}">'
                f'<input type="{kind}" name="{name}" value="{_e(option.value)}" '
                f'data-node="{node}" data-measure="{measure}"{years}'
                f"{_attribute('checked', option.checked)}>"
                f'<span class="choice__text">{_e(option.label)}{hint}</span></label>\n'
            )
        out.append("      </div>\n")
    if question.previous:
        text = words.previous_answer.replace("%(answer)s", _e(question.previous))
        out.append(f'      <p class="question__previous" data-previous>{text}</p>\n')
    out.append("    </div>\n")
    if question.feedback:
        out.append(feedback_html(question.feedback, words))
    out.append("  </div>\n")
    if question.asks_reason:
        required = ' aria-required="true"' if words.reason_required else ""
        out.append(
            f'  <div class="question__reason" data-reason-box'
            f"{'' if question.outside else ' hidden'}>\n"
            f'    <label for="reason-{node}-{measure}">{words.reason_label}</label>\n'
            f'    <textarea id="reason-{node}-{measure}" name="{_e(question.reason_name)}" '
            f'rows="2" maxlength="2000" data-reason{required}>{_e(question.reason)}</textarea>\n'
            "  </div>\n"
        )
    out.append("</fieldset>\n")
    # Every value above is escaped; the words are the translators' (as in a template).
    return mark_safe("".join(out))  # noqa: S308


def feedback_html(feedback: Feedback, words: PageWords) -> str:
    out = [
        f'<figure class="feedback" data-feedback="{_e(feedback.measure)}">\n'
        f'  <figcaption class="feedback__title">{words.feedback_title}</figcaption>\n'
    ]
    chart = feedback.chart
    if chart:
        ticks = "".join(
            f'<line class="tick" x1="{tick["x"]}" y1="22" x2="{tick["x"]}" y2="30"></line>'
            f'<text x="{tick["x"]}" y="47" text-anchor="middle">{_e(tick["label"])}</text>'
            for tick in chart["ticks"]
        )
        own = (
            f'<polygon class="own" points="{_e(chart["own_points"])}"></polygon>'
            if chart["own_points"]
            else ""
        )
        out.append(
            '  <svg class="feedback__scale" viewBox="0 0 240 52" role="img" aria-hidden="true" '
            'focusable="false">\n'
            f'    <line class="axis" x1="{chart["left"]}" y1="26" x2="{chart["right"]}" '
            'y2="26"></line>\n'
            f"    {ticks}\n"
            f'    <rect class="iqr" x="{chart["box_x"]}" y="17" width="{chart["box_width"]}" '
            'height="18" rx="3"></rect>\n'
            f'    <line class="median" x1="{chart["median_x"]}" y1="14" x2="{chart["median_x"]}" '
            'y2="38"></line>\n'
            f"    {own}\n"
            "  </svg>\n"
        )
        own_key = (
            f' <span class="key key--own">▼</span>{words.feedback_own}'
            if chart["own_points"]
            else ""
        )
        out.append(
            f'  <p class="feedback__legend"><span class="key key--iqr"></span>'
            f'{words.middle_half} <span class="key key--median"></span>{words.median}'
            f"{own_key}</p>\n"
        )
    if feedback.bars:
        out.append('  <ul class="feedback__bars">\n')
        for bar in feedback.bars:
            own_label = f' <span class="bar__own">{words.your_answer}</span>' if bar.own else ""
            out.append(
                f'    <li class="bar{" bar--own" if bar.own else ""}">'
                f'<span class="bar__label">{_e(bar.label)}{own_label}</span>'
                '<svg class="bar__chart" viewBox="0 0 100 10" preserveAspectRatio="none" '
                'aria-hidden="true" focusable="false"><rect class="bar__track" width="100" '
                f'height="10"></rect><rect class="bar__fill" width="{bar.width}" height="10">'
                f'</rect></svg><span class="bar__count">{bar.count}</span></li>\n'
            )
        out.append("  </ul>\n")
    out += [f'  <p class="feedback__text">{_e(line)}</p>\n' for line in feedback.summary]
    out.append("</figure>\n")
    return "".join(out)
