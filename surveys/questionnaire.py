"""An expert's questionnaire: drafts, submission, and the Delphi feedback rules (design.md).

A submission keeps the expert's working copy (`Answer.draft=True`), written on every change, and
the submitted copy (`draft=False`), replaced whole on submit. Only the submitted copy is scored.

From round 2 on, the group results of the previous round (its result snapshot) are shown beside
each question; an answer outside the group's interquartile range asks for a reason, which the
study may require (`settings.reason_required`).
"""

import operator
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache, reduce
from typing import Any, NamedTuple, NoReturn

from django.db import connection, transaction
from django.db.models import F, Q, Sum, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring import method

from . import draft_sql
from .bundles.validate import value_error
from .framework import Framework, framework_load
from .models import Answer, Invitation, Panelist, Round, Submission
from .packing import submission_pack
from .round_gate import round_gate_shared

MEASURE_CODE = {name: code for code, name in enumerate(method.MEASURES)}
REASON_MAX_LENGTH = 2000
# The measures whose answers are compared with the previous round's interquartile range.
IQR_MEASURES = ("importance", "maturity")


class AnswerError(ValueError):
    """An answer the questionnaire refuses; `problems` lists each with its question.

    Each problem is `{"node", "measure", "message", "code"}`; `code` is one of `invalid`,
    `missing`, `reason_required`, `nothing`, `foreign` for callers that explain it their way.
    """

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{p['node']} {p['measure']}: {p['message']}" for p in problems))
        self.problems = problems


class RoundClosedError(Exception):
    """The round is not open: nothing is saved. The argument is the round's status."""


@dataclass(frozen=True)
class DraftAnswer:
    node: str
    measure: str
    value: Any  # None clears the answer
    reason: str | None = None  # None keeps the reason already stored with the answer


def _problem(node: str, measure: str, message: str, code: str = "invalid") -> dict[str, str]:
    return {"node": node, "measure": measure, "message": message, "code": code}


# ---------------------------------------------------------------------------------------------
# Completeness (method.md §2, platform rule)
# ---------------------------------------------------------------------------------------------


def required_measures(measures: Iterable[str]) -> list[str]:
    """The questions a begun leaf must answer before it can be submitted.

    Comments are optional. Stages are a checkbox question whose empty selection is an answer
    (method.md §2: "a subset (possibly empty)"), so unticked boxes on a begun leaf are submitted
    as the empty set rather than reported as missing.
    """
    return [m for m in measures if m not in ("comment", "stages")]


def leaf_status(measures: Collection[str], answered: Collection[str]) -> str:
    """`empty` (nothing answered: the leaf is skipped), `partial` or `complete`."""
    given = [m for m in measures if m in answered]
    if not given:
        return "empty"
    required = required_measures(measures)
    if all(m in answered for m in required):
        return "complete"
    return "partial"


def progress(framework: Framework, answered: dict[str, set[str]]) -> dict[str, int]:
    """Answered leaves out of all leaves (the progress bar); `skipped` counts leaves without
    any answer (method.md §2: an expert may skip a leaf entirely)."""
    return _progress({code: _mask(measures) for code, measures in answered.items()}, framework)


def _mask(measures: Iterable[str]) -> int:
    """Questions as bits, by their code (`MEASURE_CODE`)."""
    return sum(1 << MEASURE_CODE[m] for m in set(measures))


@lru_cache(maxsize=256)
def _leaf_masks(measures: tuple[str, ...]) -> tuple[int, int]:
    """What a leaf asks and what it requires, as bits (few distinct tuples in a framework)."""
    return _mask(measures), _mask(required_measures(measures))


def _progress(answered: dict[str, int], framework: Framework) -> dict[str, int]:
    # `leaf_status` on bits: the page counts every leaf of questionnaires of hundreds.
    done = skipped = 0
    for code, leaf in framework.leaves.items():
        asked, required = _leaf_masks(leaf.measures)
        given = answered.get(code, 0) & asked
        if not given:
            skipped += 1
        elif given & required == required:
            done += 1
    total = len(framework.leaves)
    return {
        "answered": done,
        "total": total,
        "skipped": skipped,
        "percent": round(100 * done / total) if total else 100,
    }


def draft_progress(
    *, round_: Round, panelist: Panelist, framework: Framework | None = None
) -> dict[str, int]:
    framework = framework or framework_load(study=round_.study)
    code_of = {leaf.pk: code for code, leaf in framework.leaves.items()}
    # One row per field with its answered questions as bits (one answer per question and copy,
    # so the sum is the bitwise or): a fifth of the rows of reading every draft.
    rows = (
        Answer.objects.filter(submission__round=round_, submission__panelist=panelist, draft=True)
        .values("node_id")
        .annotate(mask=Sum(Value(1).bitleftshift(F("measure"))))  # type: ignore[arg-type]
        .values_list("node_id", "mask")
    )
    return _progress(
        {code_of[node_id]: mask for node_id, mask in rows if node_id in code_of}, framework
    )


# ---------------------------------------------------------------------------------------------
# The previous round's group results (Delphi feedback)
# ---------------------------------------------------------------------------------------------


def previous_round(*, round_: Round) -> Round | None:
    return (
        Round.objects.filter(study_id=round_.study_id, number__lt=round_.number)
        .order_by("-number")
        .first()
    )


def group_results(*, round_: Round | None) -> dict[tuple[str, str], dict[str, Any]]:
    """The result entries of `round_`'s snapshot by (node, measure); empty without one."""
    if round_ is None:
        return {}
    from scoring.selectors import snapshot_document

    document = snapshot_document(round_=round_) or {}
    return {(e["node"], e["measure"]): e for e in document.get("results", [])}


def answer_number(measure: str, value: Any, settings: method.MethodSettings) -> float | None:
    """The number an answer is compared on: the rating, or the maturity option's years."""
    if measure == "importance" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if measure == "maturity" and value in settings.maturity_years:
        return float(settings.maturity_years[value])
    return None  # dont_know, other measures: nothing to compare


def outside_iqr(
    measure: str, value: Any, entry: dict[str, Any] | None, settings: method.MethodSettings
) -> bool:
    """Whether the answer lies outside the group's interquartile range (below q1 or above q3)."""
    if measure not in IQR_MEASURES or not entry:
        return False
    q1, q3 = entry.get("q1"), entry.get("q3")
    number = answer_number(measure, value, settings)
    if q1 is None or q3 is None or number is None:
        return False
    return number < q1 or number > q3


# ---------------------------------------------------------------------------------------------
# Saving drafts
# ---------------------------------------------------------------------------------------------


def _parse(answers: Iterable[dict[str, Any] | DraftAnswer]) -> list[DraftAnswer]:
    parsed = []
    for item in answers:
        if isinstance(item, DraftAnswer):
            answer = item
        else:
            if not isinstance(item, dict):
                raise AnswerError([_problem("", "", _("An answer must be an object."))])
            reason = item.get("reason")
            if reason is not None and not isinstance(reason, str):
                raise AnswerError(
                    [
                        _problem(
                            str(item.get("node", "")),
                            str(item.get("measure", "")),
                            _("The reason must be text."),
                        )
                    ]
                )
            answer = DraftAnswer(
                node=str(item.get("node", "")),
                measure=str(item.get("measure", "")),
                value=item.get("value"),
                reason=reason,
            )
        if answer.measure == "comment" and isinstance(answer.value, str):
            # An emptied comment box means no comment, not an empty one.
            text = answer.value.strip()
            answer = DraftAnswer(answer.node, answer.measure, text or None, answer.reason)
        if answer.reason is not None:
            answer = DraftAnswer(answer.node, answer.measure, answer.value, answer.reason.strip())
        parsed.append(answer)
    return parsed


def _check(framework: Framework, answers: list[DraftAnswer]) -> None:
    settings = framework.settings
    problems = []
    seen: set[tuple[str, str]] = set()
    for answer in answers:
        leaf = framework.leaves.get(answer.node)
        if leaf is None:
            problem = _("unknown question: %(node)r is not a field of this study") % {
                "node": answer.node
            }
        elif answer.measure not in leaf.measures:
            problem = _("%(measure)r is not asked on %(node)s") % {
                "measure": answer.measure,
                "node": answer.node,
            }
        elif (answer.node, answer.measure) in seen:
            problem = _("the question is answered twice in one request")
        elif answer.value is None:
            problem = None
        else:
            problem = value_error(answer.measure, answer.value, settings)
        seen.add((answer.node, answer.measure))
        if problem is None and answer.reason and len(answer.reason) > REASON_MAX_LENGTH:
            problem = _("the reason is longer than %(n)s characters") % {"n": REASON_MAX_LENGTH}
        if problem:
            problems.append(_problem(answer.node, answer.measure, problem))
    if problems:
        raise AnswerError(problems)


def _check_panelist(round_: Round, panelist: Panelist) -> None:
    # A link opens one study's questionnaire: its panelist never writes into another study.
    if panelist.study_id != round_.study_id:
        raise AnswerError(
            [_problem("", "", _("This panelist is not on this study's panel."), "foreign")]
        )


def _round_status(round_id: int) -> str | None:
    return Round.objects.filter(pk=round_id).values_list("status", flat=True).first()


def _open_round_gated(round_id: int) -> None:
    """Pass the round's gate, then refuse unless the round is open (`surveys.round_gate`)."""
    round_gate_shared(round_id)
    status = _round_status(round_id)
    if status is None:
        raise Round.DoesNotExist(round_id)
    if status != Round.Status.OPEN:
        raise RoundClosedError(status)


def _answer_row(leaf_pk: int, answer: DraftAnswer, submission_id: int | None = None) -> Answer:
    """A draft answer's row; a save learns its submission's id only as it writes."""
    row = Answer(
        node_id=leaf_pk,
        measure=MEASURE_CODE[answer.measure],
        draft=True,
        value=answer.value,
        code=None
        if answer.measure == "comment"
        else method.encode_value(answer.measure, answer.value),
        reason=answer.reason or "",
    )
    if submission_id is not None:
        row.submission_id = submission_id
    return row


def draft_save_many(
    *,
    round_: Round,
    panelist: Panelist,
    answers: Iterable[dict[str, Any] | DraftAnswer],
    framework: Framework | None = None,
) -> int:
    """Save (or clear, with value None) draft answers; all or none are saved. Returns the id of
    the expert's submission (created on the first save)."""
    _check_panelist(round_, panelist)
    parsed = _parse(answers)
    framework = framework or framework_load(study=round_.study)
    _check(framework, parsed)
    cleared = [a for a in parsed if a.value is None]
    # Answers that bring a reason replace it; answers without one keep the reason stored.
    batches: list[tuple[list[Answer], bool]] = []
    for with_reason in (True, False):
        rows = [
            _answer_row(framework.leaves[a.node].pk, a)
            for a in parsed
            if a.value is not None and (a.reason is not None) == with_reason
        ]
        if rows:
            batches.append((rows, with_reason))
    now = timezone.now()
    if connection.vendor == "postgresql" and not cleared and len(batches) == 1:
        # The common save (one answer, or a batch of one kind): a single statement.
        rows, with_reason = batches[0]
        submission_id = draft_sql.draft_write(
            round_id=round_.pk, panelist_id=panelist.pk, now=now, rows=rows,
            replace_reason=with_reason,
        )  # fmt: skip
        if submission_id is None:
            _round_refused(round_)
        return submission_id
    with transaction.atomic():
        round_gate_shared(round_.pk)
        # The submission's row first, then the answers': the order a submit takes them too.
        submission_id = draft_sql.submission_touch(
            round_id=round_.pk, panelist_id=panelist.pk, now=now
        )
        if submission_id is None:
            _round_refused(round_)
        if cleared:
            Answer.objects.filter(
                reduce(
                    operator.or_,
                    (
                        Q(node_id=framework.leaves[a.node].pk, measure=MEASURE_CODE[a.measure])
                        for a in cleared
                    ),
                ),
                submission_id=submission_id,
                draft=True,
            ).delete()
        for rows, with_reason in batches:
            for row in rows:
                row.submission_id = submission_id
            draft_sql.answers_upsert(rows, replace_reason=with_reason)
    return submission_id


def _round_refused(round_: Round) -> NoReturn:
    raise RoundClosedError(_round_status(round_.pk))


# ---------------------------------------------------------------------------------------------
# Submitting
# ---------------------------------------------------------------------------------------------


def incomplete_leaves(framework: Framework, answered: dict[str, set[str]]) -> list[dict[str, Any]]:
    """Leaves begun but not finished, with the questions each still lacks.

    Any answer begins a leaf, a comment too: method.md §2 requires familiarity wherever an
    expert gives any other answer on a leaf that asks it.
    """
    incomplete = []
    for code, leaf in framework.leaves.items():
        measures = answered.get(code, set())
        if leaf_status(leaf.measures, measures) == "partial":
            missing = [m for m in required_measures(leaf.measures) if m not in measures]
            incomplete.append({"node": code, "missing": missing})
    return incomplete


class _Draft(NamedTuple):
    """What a submit checks of a draft (thousands of them: no model instances)."""

    pk: int
    value: Any
    reason: str


def _submit_problems(
    framework: Framework,
    drafts: dict[tuple[str, str], _Draft],
    group: dict[tuple[str, str], dict[str, Any]],
) -> list[dict[str, str]]:
    settings = framework.settings
    problems = []
    answered: dict[str, set[str]] = {}
    for node, measure in drafts:
        answered.setdefault(node, set()).add(measure)
    for item in incomplete_leaves(framework, answered):
        for measure in item["missing"]:
            problems.append(_problem(item["node"], measure, _("not answered yet"), "missing"))
    for (node, measure), answer in drafts.items():
        # The study's settings may have changed since the draft was saved.
        error = None if measure == "comment" else value_error(measure, answer.value, settings)
        if error:
            problems.append(_problem(node, measure, error))
        elif (
            settings.reason_required
            and not answer.reason.strip()
            and outside_iqr(measure, answer.value, group.get((node, measure)), settings)
        ):
            problems.append(
                _problem(
                    node,
                    measure,
                    _("outside the group's middle half: please give a reason"),
                    "reason_required",
                )
            )
    order = {code: index for index, code in enumerate(framework.leaves)}
    measure_order = {m: i for i, m in enumerate(method.MEASURES)}
    problems.sort(key=lambda p: (order.get(p["node"], -1), measure_order.get(p["measure"], -1)))
    return problems


def submission_submit(*, round_: Round, panelist: Panelist) -> Submission:
    """Freeze the expert's drafts as their submission; refused whole if any problem remains.

    The expert may submit again while the round is open: the submitted copy is replaced.
    """
    _check_panelist(round_, panelist)
    framework = framework_load(study=round_.study)
    group = group_results(round_=previous_round(round_=round_))
    with transaction.atomic():
        _open_round_gated(round_.pk)
        submission, _created = Submission.objects.select_for_update().get_or_create(
            round=round_, panelist=panelist
        )
        code_of = {leaf.pk: code for code, leaf in framework.leaves.items()}
        drafts: dict[tuple[str, str], _Draft] = {}
        stale = False
        rows = submission.answers.filter(draft=True).values_list(
            "pk", "node_id", "measure", "value", "reason"
        )
        for pk, node_id, measure_code, value, reason in rows:
            code = code_of.get(node_id)
            measure = method.MEASURES[measure_code]
            # A draft on a question the framework no longer asks is not shown and not submitted.
            if code is not None and measure in framework.leaves[code].measures:
                drafts[(code, measure)] = _Draft(pk, value, reason)
            else:
                stale = True
        if not drafts:
            raise AnswerError([_problem("", "", _("nothing to submit yet"), "nothing")])
        problems = _submit_problems(framework, drafts, group)
        if problems:
            raise AnswerError(problems)
        begun = {code for code, _measure in drafts}
        unticked = [
            _answer_row(framework.leaves[code].pk, DraftAnswer(code, "stages", []), submission.pk)
            for code in begun
            if "stages" in framework.leaves[code].measures and (code, "stages") not in drafts
        ]
        # Unticked stage boxes become the empty selection in the working copy too, so that the
        # page shows what was submitted.
        Answer.objects.bulk_create(unticked)
        submission.answers.filter(draft=False).delete()
        _freeze_drafts(submission, [a.pk for a in drafts.values()] if stale else None)
        submission.status = Submission.Status.SUBMITTED
        submission.submitted_at = timezone.now()
        submission.save(update_fields=["status", "submitted_at", "updated_at"])
        # Scoring reads the packed copy (surveys.packing): it changes with the rows.
        submission_pack(submission=submission)
        # Submits queue here, at their end only, to move the version that scoring reads.
        Round.objects.filter(pk=round_.pk).update(answers_version=F("answers_version") + 1)
        from scoring.services import recompute_schedule

        recompute_schedule(round_id=round_.pk)
    return submission


def _freeze_drafts(submission: Submission, only: list[int] | None) -> None:
    """Copy the working copy into the submitted copy with one INSERT … SELECT.

    Building thousands of answer objects in Python held the round's lock for over a second at
    700 fields; the database copies the rows in a fraction of that. `only` limits the copy to
    these drafts (when some drafts are on questions the framework no longer asks).
    """
    table = Answer._meta.db_table
    sql = (
        f"INSERT INTO {table} (submission_id, node_id, measure, draft, value, code, reason) "  # noqa: S608
        f"SELECT submission_id, node_id, measure, %s, value, code, reason FROM {table} "
        "WHERE submission_id = %s AND draft = %s"
    )
    params: list[bool | int] = [False, submission.pk, True]
    if only is not None:
        sql += f" AND id IN ({', '.join(['%s'] * len(only))})"
        params += only
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# ---------------------------------------------------------------------------------------------
# Opening a link
# ---------------------------------------------------------------------------------------------


def drafts_prefill(*, round_: Round, panelist: Panelist, framework: Framework | None = None) -> int:
    """Fill the working copy where it has no answer: from this round's submitted copy (answers
    imported or submitted elsewhere) if there is one, else from the expert's answers in the
    previous round.

    This is the Delphi "own previous answer, preselected" (design.md §2). The prefilled values
    are saved as drafts, so that the page, a reload and a submission all see the same answers.
    Returns the number of drafts written.
    """
    framework = framework or framework_load(study=round_.study)
    settings = framework.settings
    asked = {
        (leaf.pk, MEASURE_CODE[m]) for leaf in framework.leaves.values() for m in leaf.measures
    }
    before = previous_round(round_=round_)
    rounds = [round_.pk] + ([before.pk] if before is not None else [])
    rows = Answer.objects.filter(
        submission__panelist=panelist, submission__round_id__in=rounds
    ).values_list("submission__round_id", "node_id", "measure", "draft", "value", "code", "reason")
    drafts: set[tuple[int, int]] = set()
    current: dict[tuple[int, int], tuple[Any, int | None, str]] = {}
    previous: dict[tuple[int, int], tuple[Any, int | None, str]] = {}
    for round_id, node_id, measure_code, draft, value, code, reason in rows:
        key = (node_id, measure_code)
        if round_id == round_.pk and draft:
            drafts.add(key)
        elif round_id == round_.pk:
            current[key] = (value, code, reason)
        else:
            previous[key] = (value, code, "")  # last round's reason was about last round's group
    # A submission of this round is the expert's considered answer: a question left out of it
    # stays unanswered rather than taking last round's answer.
    fill = current or previous
    rows_to_add = []
    for key, (value, code, reason) in fill.items():
        if key in drafts or key not in asked:
            continue
        measure = method.MEASURES[key[1]]
        if measure != "comment" and value_error(measure, value, settings):
            continue  # the study's settings changed since: the expert answers afresh
        rows_to_add.append((key, value, code, reason))
    if not rows_to_add:
        return 0
    with transaction.atomic():
        _open_round_gated(round_.pk)
        submission, _created = Submission.objects.select_for_update().get_or_create(
            round=round_, panelist=panelist
        )
        Answer.objects.bulk_create(
            [
                Answer(
                    submission=submission,
                    node_id=node_id,
                    measure=measure,
                    draft=True,
                    value=value,
                    code=code,
                    reason=reason,
                )
                for (node_id, measure), value, code, reason in rows_to_add
            ],
            ignore_conflicts=True,  # a save that raced this one keeps its newer answer
        )
    return len(rows_to_add)


def invitation_open(*, invitation: Invitation) -> bool:
    """Record the first opening of a personal link and prefill that round's drafts.

    Returns True on the first opening. The conditional update is the guard: of two tabs opened
    at once, one prefills.
    """
    if invitation.opened_at is not None:
        return False
    now = timezone.now()
    with transaction.atomic():
        updated = Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(
            opened_at=now
        )
        if not updated:
            return False
        if invitation.round.status == Round.Status.OPEN:
            drafts_prefill(round_=invitation.round, panelist=invitation.panelist)
    invitation.opened_at = now
    return True
