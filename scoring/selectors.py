"""Reads of the scoring app: snapshots, never a recompute on a read (design.md §4)."""

from typing import Any

from surveys.models import Node, Round, Study

from .models import ResultSnapshot


def latest_scored_round(*, study: Study) -> Round | None:
    """The latest round with answers (the default round of exports and pages)."""
    return (
        Round.objects.filter(study=study, answers_version__gt=0).order_by("-number").first()
        or Round.objects.filter(study=study).order_by("-number").first()
    )


def snapshot_document(*, round_: Round) -> dict[str, Any] | None:
    snapshot = ResultSnapshot.objects.filter(round=round_).only("document").first()
    return snapshot.document if snapshot else None


def node_names(*, study: Study) -> dict[str, Any]:
    return dict(Node.objects.filter(study=study).values_list("code", "name"))
