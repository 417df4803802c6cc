"""Saving an expert's drafts and submitting them (design.md: services).

A submission keeps the expert's working copy (`Answer.draft=True`), written on every change, and
the submitted copy (`draft=False`), replaced whole on submit. Only the submitted copy is scored.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from scoring import method

from .bundles.validate import value_error
from .framework import Framework, framework_load
from .models import Answer, Panelist, Round, Submission

MEASURE_CODE = {name: code for code, name in enumerate(method.MEASURES)}


class AnswerError(ValueError):
    """An answer the questionnaire refuses; `problems` lists each with its question."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{p['node']} {p['measure']}: {p['message']}" for p in problems))
        self.problems = problems


class RoundClosedError(Exception):
    """The round is not open: nothing is saved."""


@dataclass(frozen=True)
class DraftAnswer:
    node: str
    measure: str
    value: Any  # None clears the answer
    reason: str = ""


def _parse(answers: Iterable[dict[str, Any] | DraftAnswer]) -> list[DraftAnswer]:
    parsed = []
    for item in answers:
        if isinstance(item, DraftAnswer):
            parsed.append(item)
        else:
            parsed.append(
                DraftAnswer(
                    node=str(item.get("node", "")),
                    measure=str(item.get("measure", "")),
                    value=item.get("value"),
                    reason=str(item.get("reason") or ""),
                )
            )
    return parsed


def _check(framework: Framework, answers: list[DraftAnswer]) -> None:
    settings = framework.settings
    problems = []
    for answer in answers:
        leaf = framework.leaves.get(answer.node)
        if leaf is None:
            problem = f"unknown question: {answer.node!r} is not a leaf of this study"
        elif answer.measure not in leaf.measures:
            problem = f"{answer.measure!r} is not asked on {answer.node}"
        elif answer.value is None:
            problem = None
        else:
            problem = value_error(answer.measure, answer.value, settings)
        if problem is None and len(answer.reason) > 2000:
            problem = "the reason is longer than 2000 characters"
        if problem:
            problems.append({"node": answer.node, "measure": answer.measure, "message": problem})
    if problems:
        raise AnswerError(problems)


def _open_round_locked(round_id: int) -> Round:
    # Locking the round row orders a save against a concurrent close: it lands before the close
    # commits, or sees the round closed and is refused whole.
    round_ = Round.objects.select_for_update().select_related("study").get(pk=round_id)
    if round_.status != Round.Status.OPEN:
        raise RoundClosedError(round_.status)
    return round_


def draft_save_many(
    *, round_: Round, panelist: Panelist, answers: Iterable[dict[str, Any] | DraftAnswer]
) -> Submission:
    """Save (or clear, with value None) draft answers; all or none are saved."""
    parsed = _parse(answers)
    framework = framework_load(study=round_.study)
    _check(framework, parsed)
    with transaction.atomic():
        _open_round_locked(round_.pk)
        submission, _ = Submission.objects.get_or_create(round=round_, panelist=panelist)
        to_clear = [a for a in parsed if a.value is None]
        to_save = [a for a in parsed if a.value is not None]
        for answer in to_clear:
            Answer.objects.filter(
                submission=submission,
                draft=True,
                node_id=framework.leaves[answer.node].pk,
                measure=MEASURE_CODE[answer.measure],
            ).delete()
        if to_save:
            # One statement for the lot: an upsert on the one-answer-per-question constraint.
            Answer.objects.bulk_create(
                [
                    Answer(
                        submission=submission,
                        node_id=framework.leaves[a.node].pk,
                        measure=MEASURE_CODE[a.measure],
                        draft=True,
                        value=a.value,
                        code=None
                        if a.measure == "comment"
                        else method.encode_value(a.measure, a.value),
                        reason=a.reason,
                    )
                    for a in to_save
                ],
                update_conflicts=True,
                unique_fields=["submission", "node", "measure", "draft"],
                update_fields=["value", "code", "reason"],
            )
        Submission.objects.filter(pk=submission.pk).update(updated_at=timezone.now())
    return submission


def incomplete_leaves(framework: Framework, answered: dict[str, set[str]]) -> list[dict[str, Any]]:
    """Leaves begun but not finished: which questions each still lacks (comments are optional)."""
    incomplete = []
    for code, measures in answered.items():
        leaf = framework.leaves[code]
        required = [m for m in leaf.measures if m != "comment"]
        missing = [m for m in required if m not in measures]
        if missing and measures - {"comment"}:
            incomplete.append({"node": code, "missing": missing})
    return incomplete


def submission_submit(*, round_: Round, panelist: Panelist) -> Submission:
    """Freeze the expert's drafts as their submission; refused whole if any leaf is incomplete."""
    framework = framework_load(study=round_.study)
    with transaction.atomic():
        locked_round = _open_round_locked(round_.pk)
        submission, _ = Submission.objects.select_for_update().get_or_create(
            round=round_, panelist=panelist
        )
        drafts = list(submission.answers.filter(draft=True))
        if not drafts:
            raise AnswerError([{"node": "", "measure": "", "message": "nothing to submit yet"}])
        answered: dict[str, set[str]] = {}
        by_pk = {leaf.pk: code for code, leaf in framework.leaves.items()}
        for answer in drafts:
            answered.setdefault(by_pk[answer.node_id], set()).add(method.MEASURES[answer.measure])
        problems = [
            {"node": item["node"], "measure": m, "message": "not answered yet"}
            for item in incomplete_leaves(framework, answered)
            for m in item["missing"]
        ]
        if problems:
            raise AnswerError(problems)
        submission.answers.filter(draft=False).delete()
        Answer.objects.bulk_create(
            [
                Answer(
                    submission=submission,
                    node_id=a.node_id,
                    measure=a.measure,
                    draft=False,
                    value=a.value,
                    code=a.code,
                    reason=a.reason,
                )
                for a in drafts
            ]
        )
        submission.status = Submission.Status.SUBMITTED
        submission.submitted_at = timezone.now()
        submission.save(update_fields=["status", "submitted_at", "updated_at"])
        Round.objects.filter(pk=locked_round.pk).update(answers_version=F("answers_version") + 1)
        from scoring.services import recompute_schedule

        recompute_schedule(round_id=locked_round.pk)
    return submission
