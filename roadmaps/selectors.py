"""Reads for the roadmap: snapshots, the framework and milestones as plain data.

A roadmap is drawn from a constant number of queries whatever the study's size (the rounds with
snapshots, one or two snapshot documents, the nodes, the milestones): never a query per field,
and never a recompute on a page view (design.md §4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scoring.models import ResultSnapshot
from surveys.models import Milestone, Node, Round, Study

from . import figures


@dataclass
class RoundInfo:
    pk: int
    number: int
    status: str
    # False when answers changed after the snapshot was computed (a recompute is on its way).
    current: bool

    @property
    def status_label(self) -> str:
        return str(Round.Status(self.status).label)


@dataclass
class Roadmap:
    study: Study
    round: RoundInfo
    rounds: list[RoundInfo]  # every round with a snapshot, by number
    document: dict[str, Any]
    previous: dict[str, Any] | None
    nodes: list[dict[str, Any]]
    milestones: list[dict[str, Any]]

    @property
    def horizon(self) -> tuple[int, int]:
        return (self.study.horizon_start, self.study.horizon_end)

    @property
    def previous_number(self) -> int | None:
        return self.previous.get("round") if self.previous else None


def scored_rounds(*, study: Study) -> list[RoundInfo]:
    """The study's rounds that have a result snapshot, by number (one query)."""
    rows = (
        Round.objects.filter(study=study, snapshot__isnull=False)
        .order_by("number")
        .values_list("pk", "number", "status", "answers_version", "snapshot__answers_version")
    )
    return [
        RoundInfo(pk=pk, number=number, status=status, current=snap >= answers)
        for pk, number, status, answers, snap in rows
    ]


def framework_nodes(*, study: Study) -> list[dict[str, Any]]:
    """The framework in tree order as plain data (one query): code, name, parent, layer, measures.

    `measures` is resolved by inheritance (bundle.md: a node's list applies below it unless a
    descendant sets its own).
    """
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in Node.objects.filter(study=study)
        .order_by("position", "pk")
        .values("pk", "parent_id", "code", "name", "measures")
    ]
    children: dict[int | None, list[dict[str, Any]]] = {}
    for row in rows:
        children.setdefault(row["parent_id"], []).append(row)
    ordered: list[dict[str, Any]] = []

    def visit(row: dict[str, Any], parent: dict[str, Any] | None, layer: str) -> None:
        own = row["measures"]
        measures = list(own) if own is not None else (parent["measures"] if parent else [])
        node = {
            "code": row["code"],
            "name": row["name"],
            "parent": parent["code"] if parent else None,
            "layer": layer,
            "measures": measures,
        }
        ordered.append(node)
        for child in children.get(row["pk"], []):
            visit(child, node, layer)

    for root in children.get(None, []):
        visit(root, None, root["code"])
    return ordered


def milestones_plain(*, study: Study) -> list[dict[str, Any]]:
    """The study's milestones as plain data (one query)."""
    return [
        {"node": code, "year": year, "label": label}
        for code, year, label in Milestone.objects.filter(study=study)
        .order_by("year", "position", "pk")
        .values_list("node__code", "year", "label")
    ]


def roadmap_load(*, study: Study, number: int | None = None) -> Roadmap | None:
    """The roadmap of round `number` (default: the latest with a snapshot), or None.

    None when the study has no snapshot at all, or none for that round.
    """
    rounds = scored_rounds(study=study)
    if not rounds:
        return None
    if number is None:
        chosen = rounds[-1]
    else:
        matches = [r for r in rounds if r.number == number]
        if not matches:
            return None
        chosen = matches[0]
    earlier = [r for r in rounds if r.number < chosen.number]
    wanted = [chosen.pk, *([earlier[-1].pk] if earlier else [])]
    documents = dict(
        ResultSnapshot.objects.filter(round_id__in=wanted).values_list("round_id", "document")
    )
    document = documents.get(chosen.pk)
    if document is None:  # deleted between the two queries
        return None
    previous = documents.get(earlier[-1].pk) if earlier else None
    return Roadmap(
        study=study,
        round=chosen,
        rounds=rounds,
        document=document,
        previous=previous,
        nodes=framework_nodes(study=study),
        milestones=milestones_plain(study=study),
    )


def roadmap_title(roadmap: Roadmap, language: str) -> str:
    from django.utils import translation
    from django.utils.translation import gettext as _

    with translation.override(language):
        return _("%(study)s — roadmap, round %(number)s") % {
            "study": roadmap.study.display_title(language),
            "number": roadmap.round.number,
        }


def roadmap_figure_build(
    roadmap: Roadmap,
    *,
    language: str,
    current_year: int | None,
    compare: bool = False,
    title: str = "",
) -> dict[str, Any]:
    """The roadmap figure of a loaded roadmap (no query)."""
    return figures.roadmap_figure(
        document=roadmap.document,
        nodes=roadmap.nodes,
        milestones=roadmap.milestones,
        horizon=roadmap.horizon,
        base_year=roadmap.study.base_year,
        language=language,
        current_year=current_year,
        previous=roadmap.previous,
        compare=compare,
        importance_range=tuple(roadmap.study.method_settings.importance_scale),  # type: ignore[arg-type]
        title=title,
    )
