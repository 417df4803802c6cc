"""Writes of the roadmap app: the milestones analysts add to the environment layer."""

from typing import Any

from django.db import transaction
from django.db.models import Max

from surveys.models import Milestone, Node, Study


class MilestoneError(ValueError):
    pass


def _check(*, study: Study, node: Node, year: int, label: dict[str, str]) -> None:
    # The same rules as a bundle's milestones (surveys.bundles.validate), so that every
    # milestone entered here exports and imports again.
    if node.study_id != study.pk:
        raise MilestoneError("the node belongs to another study")
    if not 1900 <= year <= 2300:
        raise MilestoneError("the year must be between 1900 and 2300")
    if not any(text.strip() for text in label.values()):
        raise MilestoneError("a label is required")


def _clean_label(label: dict[str, str]) -> dict[str, Any]:
    return {language: text.strip() for language, text in label.items() if text.strip()}


@transaction.atomic
def milestone_create(*, study: Study, node: Node, year: int, label: dict[str, str]) -> Milestone:
    _check(study=study, node=node, year=year, label=label)
    last = Milestone.objects.filter(study=study).aggregate(last=Max("position"))["last"]
    return Milestone.objects.create(
        study=study,
        node=node,
        year=year,
        label=_clean_label(label),
        position=0 if last is None else last + 1,
    )


@transaction.atomic
def milestone_update(
    *, milestone: Milestone, node: Node, year: int, label: dict[str, str]
) -> Milestone:
    _check(study=milestone.study, node=node, year=year, label=label)
    milestone.node = node
    milestone.year = year
    milestone.label = _clean_label(label)
    milestone.save(update_fields=["node", "year", "label"])
    return milestone


@transaction.atomic
def milestone_delete(*, milestone: Milestone) -> None:
    milestone.delete()
