"""Reads for the expert's questionnaire page: the link's invitation and the page's state.

`questionnaire_build` reads everything the page shows in a fixed number of queries, whatever the
size of the framework: the invitation (with round, study and panelist), the framework, the
submission and its answers, the previous round, its snapshot and the expert's answers in it.
"""

import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache, wraps
from typing import Any, TypeVar

from django.db.models import Q
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from scoring import method

from .. import tokens
from ..framework import Framework, framework_load
from ..i18n import localized
from ..models import Answer, Invitation, Node, Round, Submission
from ..questionnaire import (
    group_results,
    leaf_status,
    outside_iqr,
    previous_round,
    progress,
    required_measures,
)
from .link_query import invitation_by_hash

TOKEN_MAX_LENGTH = 100
T = TypeVar("T")


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a personal link opens, or None for an unknown token.

    Looked up by the token's hash (the only form stored); the token recomputed from the salt is
    then compared in constant time as a second check.
    """
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    invitation = invitation_by_hash(tokens.token_hash(token))
    if invitation is None or not hmac.compare_digest(
        tokens.token_for(invitation.token_salt).encode(), token.encode()
    ):
        return None
    return invitation


# ---------------------------------------------------------------------------------------------
# Wording (method.md §2 and the seed paper's questionnaire)
# ---------------------------------------------------------------------------------------------


def _per_language(function: Callable[..., T]) -> Callable[..., T]:
    """Remember a wording function's result per language and arguments.

    A page of 700 fields asks for the same few wordings thousands of times, and each asks
    gettext again; the catalogues do not change while the process runs. Results are shared:
    callers must not change them.
    """
    cached = lru_cache(maxsize=512)(lambda language, *args, **kwargs: function(*args, **kwargs))

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        return cached(get_language(), *args, **kwargs)

    return wrapper


@_per_language
def measure_label(measure: str, *, product: bool = False) -> str:
    """The short name of a question, as in lists of what is missing."""
    if measure == "importance" and product:
        return _("Importance / prospect")
    return {
        "familiarity": _("Familiarity"),
        "importance": _("Importance"),
        "maturity": _("Time to maturity"),
        "regional_advantage": _("Regional advantage"),
        "investment": _("More investment"),
        "stages": _("Stages to develop"),
        "comment": _("Comments"),
    }[measure]


def _region(study_region: str) -> str:
    return study_region or _("the region")


@_per_language
def question_wording(
    measure: str, *, product: bool, region: str, comment_only: bool, scale: tuple[int, int]
) -> tuple[str, str]:
    """The question and its hint."""
    low, high = scale
    if measure == "familiarity":
        return (
            _("How familiar are you with this field?"),
            _("1 = hardly familiar, 5 = very familiar. Your familiarity weighs your answers."),
        )
    if measure == "importance":
        scale_hint = _("%(low)s = very unimportant, %(high)s = very important.") % {
            "low": low,
            "high": high,
        }
        if product:
            return (
                _("How important is this product, or how promising is its market (prospect)?"),
                scale_hint,
            )
        return _("How important is this field?"), scale_hint
    if measure == "maturity":
        if product:
            return _("When do you expect this product to mature?"), ""
        return _("When do you expect this field to mature?"), ""
    if measure == "regional_advantage":
        return _("Is this a field where %(region)s has an advantage?") % {"region": region}, ""
    if measure == "investment":
        return _("Is it suitable to increase research or R&D investment in this field?"), ""
    if measure == "stages":
        return (
            _("In which stages should %(region)s develop this product?") % {"region": region},
            _("Tick every stage that applies; leave all unticked if none does."),
        )
    if comment_only:
        return (
            _("Your assessment"),
            _(
                "For example: supporting industry conditions, innovation actors, application "
                "scenarios; policy support, governance and regulation risks."
            ),
        )
    return _("Comments (optional)"), ""


@_per_language
def maturity_options(base_year: int) -> list[tuple[str, str, str]]:
    """(value, label, the option's years) for the five maturity options (method.md §2)."""
    return [
        ("achieved", _("Achieved"), _("already mature")),
        (
            "short",
            _("Short term"),
            _("within 5 years, by %(year)s") % {"year": base_year + 5},
        ),
        (
            "medium",
            _("Medium term"),
            _("5–10 years, %(start)s–%(end)s") % {"start": base_year + 5, "end": base_year + 10},
        ),
        (
            "long",
            _("Long term"),
            _("more than 10 years, after %(year)s") % {"year": base_year + 10},
        ),
        ("unpredictable", _("Unpredictable"), _("cannot be foreseen")),
    ]


@_per_language
def verdict_options() -> list[tuple[str, str, str]]:
    return [
        ("yes", pgettext("answer", "Yes"), ""),
        ("no", pgettext("answer", "No"), ""),
        ("unsure", pgettext("answer", "Unsure"), ""),
    ]


@_per_language
def stage_options() -> list[tuple[str, str, str]]:
    return [
        ("rd", _("R&D"), _("research, design and development")),
        ("production", _("Production"), _("from raw materials to finished products")),
        ("industrialization", _("Industrialization"), _("series and brands built on demand")),
    ]


def _number(value: float | int | None) -> str:
    if value is None:
        return "–"
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def value_display(measure: str, value: Any, base_year: int) -> str:
    """An answer as the expert reads it."""
    if value is None:
        return ""
    if measure == "importance" and value == "dont_know":
        return _("Cannot evaluate")
    if measure in ("familiarity", "importance"):
        return str(value)
    if measure == "maturity":
        labels = {v: label for v, label, _years in maturity_options(base_year)}
        return labels.get(value, str(value))
    if measure in ("regional_advantage", "investment"):
        labels = {v: label for v, label, _hint in verdict_options()}
        return labels.get(value, str(value))
    if measure == "stages":
        labels = {v: label for v, label, _hint in stage_options()}
        chosen = [labels.get(v, str(v)) for v in value]
        return _(", ").join(chosen) if chosen else _("none of the stages")
    return str(value)


def years_display(years: float, settings: method.MethodSettings, base_year: int) -> str:
    """A number of years as the maturity option(s) it corresponds to (quartiles interpolate)."""
    labels = {v: label for v, label, _hint in maturity_options(base_year)}
    mapped = sorted(settings.maturity_years.items(), key=lambda item: item[1])
    for choice, option_years in mapped:
        if float(option_years) == float(years):
            return _("%(option)s (%(years)s years)") % {
                "option": labels[choice],
                "years": _number(years),
            }
    for (below, low), (above, high) in zip(mapped, mapped[1:], strict=False):
        if float(low) < years < float(high):
            return _("%(years)s years, between %(low)s and %(high)s") % {
                "years": _number(years),
                "low": labels[below],
                "high": labels[above],
            }
    return _("%(years)s years") % {"years": _number(years)}


def years_range_display(
    q1: float, q3: float, settings: method.MethodSettings, base_year: int
) -> str:
    """An interquartile range of years with the options it spans: the last option at or below
    q1 to the first at or above q3."""
    labels = {v: label for v, label, _hint in maturity_options(base_year)}
    mapped = sorted(settings.maturity_years.items(), key=lambda item: item[1])
    lower = [choice for choice, y in mapped if float(y) <= q1]
    upper = [choice for choice, y in mapped if float(y) >= q3]
    first = labels[lower[-1]] if lower else labels[mapped[0][0]]
    last = labels[upper[0]] if upper else labels[mapped[-1][0]]
    options = (
        first
        if first == last
        else _("%(first)s to %(last)s")
        % {
            "first": first,
            "last": last,
        }
    )
    if q1 == q3:
        return _("%(years)s years (%(options)s)") % {"years": _number(q1), "options": options}
    return _("%(q1)s to %(q3)s years (%(options)s)") % {
        "q1": _number(q1),
        "q3": _number(q3),
        "options": options,
    }


# ---------------------------------------------------------------------------------------------
# The page's state
# ---------------------------------------------------------------------------------------------


@dataclass
class Option:
    value: str
    label: str
    hint: str = ""
    checked: bool = False
    years: float | None = None  # maturity: the option's years, compared with the group's IQR


@dataclass
class Bar:
    label: str
    count: int
    width: float  # 0-100, the share of the panel
    own: bool = False


@dataclass
class Feedback:
    """The previous round's group result for one question (data-feedback)."""

    measure: str
    round_number: int
    summary: list[str]
    bars: list[Bar] = field(default_factory=list)
    chart: dict[str, Any] | None = None  # importance: the scale drawing's coordinates


@dataclass
class Question:
    node: str
    measure: str
    label: str
    wording: str
    hint: str
    kind: str  # radio, checkbox, text
    required: bool
    options: list[Option] = field(default_factory=list)
    value: Any = None
    text: str = ""
    reason: str = ""
    q1: float | None = None
    q3: float | None = None
    outside: bool = False
    feedback: Feedback | None = None
    previous: str = ""  # the expert's own answer in the previous round, as text

    @property
    def input_name(self) -> str:
        return f"a:{self.node}:{self.measure}"

    @property
    def reason_name(self) -> str:
        return f"r:{self.node}:{self.measure}"

    @property
    def asks_reason(self) -> bool:
        return self.q1 is not None and self.q3 is not None

    @property
    def answered(self) -> bool:
        return self.value is not None


@dataclass
class LeafView:
    code: str
    name: str
    status: str
    questions: list[Question]


@dataclass
class Section:
    index: int
    layer: str
    factor: str
    leaves: list[LeafView]

    @property
    def anchor(self) -> str:
        return f"section-{self.index + 1}"

    @property
    def title(self) -> str:
        return self.factor or self.layer

    @property
    def complete(self) -> int:
        return sum(1 for leaf in self.leaves if leaf.status == "complete")


@dataclass
class Questionnaire:
    invitation: Invitation
    round: Round
    framework: Framework
    language: str
    readonly: bool
    sections: list[Section]
    progress: dict[str, int]
    submission: Submission | None
    changed_since_submit: bool
    previous_number: int | None
    problems: list[dict[str, str]] = field(default_factory=list)

    @property
    def submitted(self) -> bool:
        return self.submission is not None and self.submission.status == "submitted"

    @property
    def settings(self) -> method.MethodSettings:
        return self.framework.settings

    def leaves_by_code(self) -> dict[str, LeafView]:
        return {leaf.code: leaf for section in self.sections for leaf in section.leaves}

    def incomplete(self) -> list[dict[str, Any]]:
        """Begun leaves that lack answers: what Submit lists first."""
        items = []
        for section in self.sections:
            for leaf in section.leaves:
                if leaf.status == "partial":
                    missing = [q.label for q in leaf.questions if q.required and not q.answered]
                    items.append(
                        {"section": section, "leaf": leaf, "missing": _(", ").join(missing)}
                    )
        return items

    def unanswered(self) -> list[dict[str, Any]]:
        """Leaves with no answer: they are submitted as skipped."""
        return [
            {"section": section, "leaf": leaf}
            for section in self.sections
            for leaf in section.leaves
            if leaf.status == "empty"
        ]


def _sections(framework: Framework) -> list[tuple[Node, Node | None, list[str]]]:
    """(layer, factor or None, leaf codes) in tree order: a section per factor; a layer's own
    leaves (factors without fields, like the environment's) make one section of the layer."""
    leaf_pks = {leaf.pk for leaf in framework.leaves.values()}
    children = framework.children

    def leaves_below(node: Node) -> list[str]:
        if node.pk in leaf_pks:
            return [node.code]
        return [code for child in children.get(node.pk, []) for code in leaves_below(child)]

    sections: list[tuple[Node, Node | None, list[str]]] = []
    for layer in children.get(None, []):
        if layer.pk in leaf_pks:
            sections.append((layer, None, [layer.code]))
            continue
        own: list[str] = []
        for child in children.get(layer.pk, []):
            if child.pk in leaf_pks:
                if not own:
                    own_section: tuple[Node, Node | None, list[str]] = (layer, None, own)
                    sections.append(own_section)
                own.append(child.code)
            else:
                codes = leaves_below(child)
                if codes:
                    sections.append((layer, child, codes))
    return sections


def _importance_chart(entry: dict[str, Any], scale: tuple[int, int], own: Any) -> dict[str, Any]:
    """Coordinates of a small box drawing on the importance scale (viewBox 0 0 240 52)."""
    low, high = scale
    left, right = 14.0, 226.0

    def x(value: float) -> float:
        return round(left + (value - low) / (high - low) * (right - left), 2)

    q1, q3, median = entry["q1"], entry["q3"], entry["median"]
    box_left, box_right = x(q1), x(q3)
    if box_right - box_left < 4:
        box_left, box_right = box_left - 2, box_right + 2
    ticks = [{"x": x(v), "label": v} for v in range(low, high + 1)]
    if len(ticks) > 11:
        step = -(-len(ticks) // 11)
        ticks = ticks[::step]
    own_x = x(own) if isinstance(own, int) and not isinstance(own, bool) else None
    return {
        "left": left,
        "right": right,
        "ticks": ticks,
        "box_x": box_left,
        "box_width": round(box_right - box_left, 2),
        "median_x": x(median),
        "own_x": own_x,
        "own_points": (f"{own_x - 5},4 {own_x + 5},4 {own_x},11" if own_x is not None else ""),
    }


def _bars(counts: dict[str, int], labels: dict[str, str], n: int, own: Iterable[str]) -> list[Bar]:
    """One bar per choice, in the choices' order (`labels`'): a JSON object's key order is not
    kept by every database."""
    own_set = set(own)
    return [
        Bar(
            label=label,
            count=int(counts.get(key, 0)),
            width=round(100 * counts.get(key, 0) / n, 2) if n else 0,
            own=key in own_set,
        )
        for key, label in labels.items()
    ]


def _feedback(
    measure: str,
    entry: dict[str, Any] | None,
    own: Any,
    number: int,
    settings: method.MethodSettings,
    base_year: int,
) -> Feedback | None:
    if not entry:
        return None
    n = entry.get("n") or 0
    if measure == "importance":
        summary = [
            _("Median %(median)s; middle half of the panel %(q1)s to %(q3)s; %(n)s ratings.")
            % {
                "median": _number(entry.get("median")),
                "q1": _number(entry.get("q1")),
                "q3": _number(entry.get("q3")),
                "n": n,
            }
        ]
        if entry.get("dont_know"):
            summary.append(_("%(count)s could not evaluate it.") % {"count": entry["dont_know"]})
        chart = (
            _importance_chart(entry, settings.importance_scale, own)
            if entry.get("median") is not None
            else None
        )
        return Feedback(measure, number, summary, chart=chart)
    if measure == "maturity":
        labels = {v: label for v, label, _hint in maturity_options(base_year)}
        summary = [
            _("Median: %(median)s.")
            % {"median": years_display(entry["median"], settings, base_year)},
            _("Middle half of the panel: %(range)s.")
            % {"range": years_range_display(entry["q1"], entry["q3"], settings, base_year)},
        ]
        bars = _bars(entry.get("counts", {}), labels, n, [own] if own else [])
        return Feedback(measure, number, summary, bars=bars)
    if measure in ("regional_advantage", "investment"):
        labels = {v: label for v, label, _hint in verdict_options()}
        verdicts = {
            "yes": pgettext("verdict", "yes"),
            "no": pgettext("verdict", "no"),
            "disputed": pgettext("verdict", "disputed"),
        }
        summary = [
            _("Panel verdict: %(verdict)s (%(n)s answers).")
            % {"verdict": verdicts.get(str(entry.get("verdict")), entry.get("verdict")), "n": n}
        ]
        bars = _bars(entry.get("counts", {}), labels, n, [own] if own else [])
        return Feedback(measure, number, summary, bars=bars)
    if measure == "stages":
        labels = {v: label for v, label, _hint in stage_options()}
        verdicts = {
            "suitable": pgettext("stage verdict", "suitable"),
            "disputed": pgettext("stage verdict", "disputed"),
            "unsuitable": pgettext("stage verdict", "unsuitable"),
        }
        summary = [_("Share of the %(n)s panelists who ticked each stage:") % {"n": n}]
        stage_verdicts = entry.get("verdicts", {})
        summary.extend(
            f"{label}: {verdicts.get(stage_verdicts[stage], stage_verdicts[stage])}"
            for stage, label in labels.items()
            if stage in stage_verdicts
        )
        bars = _bars(entry.get("counts", {}), labels, n, own or [])
        return Feedback(measure, number, summary, bars=bars)
    return None


def _options(measure: str, settings: method.MethodSettings, base_year: int) -> list[Option]:
    if measure == "familiarity":
        low, high = method.FAMILIARITY_SCALE
        return [Option(str(v), str(v)) for v in range(low, high + 1)]
    if measure == "importance":
        low, high = settings.importance_scale
        options = [Option(str(v), str(v)) for v in range(low, high + 1)]
        if settings.allow_dont_know:
            options.append(Option("dont_know", _("Cannot evaluate")))
        return options
    if measure == "maturity":
        return [
            Option(value, label, hint, years=float(settings.maturity_years[value]))
            for value, label, hint in maturity_options(base_year)
        ]
    if measure in ("regional_advantage", "investment"):
        return [Option(v, label, hint) for v, label, hint in verdict_options()]
    if measure == "stages":
        return [Option(v, label, hint) for v, label, hint in stage_options()]
    return []


def _checked(options: list[Option], measure: str, value: Any) -> None:
    if value is None:
        return
    chosen = {str(v) for v in value} if measure == "stages" else {str(value)}
    for option in options:
        option.checked = option.value in chosen


def questionnaire_build(*, invitation: Invitation, language: str) -> Questionnaire:
    """Everything the expert's page shows, in a fixed number of queries."""
    round_ = invitation.round
    study = round_.study
    framework = framework_load(study=study)
    settings = framework.settings
    readonly = round_.status != Round.Status.OPEN

    submission = Submission.objects.filter(round=round_, panelist=invitation.panelist).first()
    current: dict[tuple[int, int], Answer] = {}
    submitted: dict[tuple[int, int], tuple[Any, str]] = {}
    if submission is not None:
        for answer in Answer.objects.filter(submission=submission).only(
            "node_id", "measure", "draft", "value", "reason"
        ):
            key = (answer.node_id, answer.measure)
            if not answer.draft:
                submitted[key] = (answer.value, answer.reason)
            if answer.draft != readonly:  # open: the working copy; closed: what was submitted
                current[key] = answer
    changed = (
        submission is not None
        and submission.status == "submitted"
        and ({k: (a.value, a.reason) for k, a in current.items()} != submitted)
    )

    before = previous_round(round_=round_) if round_.number > 1 else None
    group = group_results(round_=before)
    previous_answers: dict[tuple[int, int], Any] = {}
    if before is not None:
        previous_answers = dict(
            ((node_id, measure), value)
            for node_id, measure, value in Answer.objects.filter(
                Q(submission__round=before) & Q(submission__panelist=invitation.panelist),
                draft=False,
            ).values_list("node_id", "measure", "value")
        )

    region = _region(study.region)
    answered: dict[str, set[str]] = {}
    sections: list[Section] = []
    for index, (layer, factor, codes) in enumerate(_sections(framework)):
        leaves = []
        for code in codes:
            leaf = framework.leaves[code]
            product = "stages" in leaf.measures
            comment_only = set(leaf.measures) == {"comment"}
            required = set(required_measures(leaf.measures))
            questions = []
            for measure in leaf.measures:
                key = (leaf.pk, method.MEASURE_CODES[measure])
                given = current.get(key)
                wording, hint = question_wording(
                    measure,
                    product=product,
                    region=region,
                    comment_only=comment_only,
                    scale=settings.importance_scale,
                )
                question = Question(
                    node=code,
                    measure=measure,
                    label=measure_label(measure, product=product),
                    wording=wording,
                    hint=hint,
                    kind="text"
                    if measure == "comment"
                    else ("checkbox" if measure == "stages" else "radio"),
                    required=measure in required,
                    options=_options(measure, settings, study.base_year),
                    value=given.value if given is not None else None,
                    reason=given.reason if given is not None else "",
                )
                if measure == "comment" and given is not None:
                    question.text = str(given.value)
                _checked(question.options, measure, question.value)
                if given is not None:
                    answered.setdefault(code, set()).add(measure)
                if before is not None:
                    entry = group.get((code, measure))
                    own_before = previous_answers.get(key)
                    if own_before is not None:
                        question.previous = value_display(measure, own_before, study.base_year)
                    question.feedback = _feedback(
                        measure, entry, own_before, before.number, settings, study.base_year
                    )
                    if entry and entry.get("q1") is not None and entry.get("q3") is not None:
                        question.q1, question.q3 = float(entry["q1"]), float(entry["q3"])
                        question.outside = outside_iqr(measure, question.value, entry, settings)
                questions.append(question)
            leaves.append(
                LeafView(
                    code=code,
                    name=localized(leaf.name, language),
                    status=leaf_status(leaf.measures, answered.get(code, set())),
                    questions=questions,
                )
            )
        sections.append(
            Section(
                index=index,
                layer=localized(layer.name, language),
                factor=localized(factor.name, language) if factor is not None else "",
                leaves=leaves,
            )
        )
    return Questionnaire(
        invitation=invitation,
        round=round_,
        framework=framework,
        language=language,
        readonly=readonly,
        sections=sections,
        progress=progress(framework, answered),
        submission=submission,
        changed_since_submit=changed,
        previous_number=before.number if before is not None else None,
    )
