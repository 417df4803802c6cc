"""A round's result dashboard assembled from snapshots (never a recompute on a page view)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from roadmaps import charts
from scoring.selectors import snapshot_document

from ..framework import framework_load
from ..models import Round, Study


@dataclass
class Chart:
    id: str
    figure: dict[str, Any]
    filename: str


@dataclass
class VerdictRow:
    code: str
    name: str
    entries: dict[str, dict[str, Any]]  # measure -> result entry


@dataclass
class Dashboard:
    round: Round
    document: dict[str, Any] | None
    importance: list[Chart] = field(default_factory=list)
    maturity: list[Chart] = field(default_factory=list)
    stages: Chart | None = None
    verdicts: list[VerdictRow] = field(default_factory=list)
    consensus: list[Chart] = field(default_factory=list)
    stability: list[dict[str, Any]] = field(default_factory=list)
    kendall: Chart | None = None
    kendall_rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def computed_at(self) -> datetime | None:
        return parse_datetime(self.document["computed_at"]) if self.document else None

    def charts(self) -> list[Chart]:
        found = [*self.importance, *self.maturity, *self.consensus]
        found += [c for c in (self.stages, self.kendall) if c is not None]
        return found


def chart_tree(*, study: Study) -> charts.Tree:
    framework = framework_load(study=study)
    ordered = []

    def walk(parent: int | None) -> None:
        for node in framework.children.get(parent, []):
            ordered.append(
                charts.ChartNode(
                    code=node.code,
                    parent=framework.by_pk[node.parent_id].code if node.parent_id else None,
                    name=node.name,
                )
            )
            walk(node.pk)

    walk(None)
    return charts.Tree(ordered)


def dashboard_build(*, round_: Round, language: str) -> Dashboard:
    study = round_.study
    document = snapshot_document(round_=round_)
    board = Dashboard(round=round_, document=document)
    if document is None:
        return board
    tree = chart_tree(study=study)
    settings = study.method_settings
    prefix = f"{study.slug}-round{round_.number}"

    for layer in charts.importance_layers(document, tree):
        figure = charts.importance_by_field(
            document, tree, layer=layer, language=language, scale=settings.importance_scale
        )
        if figure:
            board.importance.append(
                Chart(f"importance-{layer}", figure, f"{prefix}-importance-{layer}")
            )
    for layer in charts.maturity_layers(document, tree):
        figure = charts.maturity_by_field(
            document,
            tree,
            layer=layer,
            language=language,
            base_year=study.base_year,
            horizon_end=study.horizon_end,
        )
        if figure:
            board.maturity.append(Chart(f"maturity-{layer}", figure, f"{prefix}-maturity-{layer}"))
    figure = charts.stage_shares(
        document,
        tree,
        language=language,
        disputed_from=float(settings.stage_disputed_from),
        suitable_above=float(settings.stage_suitable_above),
    )
    if figure:
        board.stages = Chart("stages", figure, f"{prefix}-stages")

    entries: dict[str, dict[str, dict[str, Any]]] = {}
    for entry in document["results"]:
        if entry["measure"] in ("regional_advantage", "investment"):
            entries.setdefault(entry["node"], {})[entry["measure"]] = entry
    board.verdicts = [
        VerdictRow(code, tree.name(code, language), entries[code])
        for code in sorted(entries, key=tree.sort_key)
    ]

    # Rounds up to this one, for the trends (method.md §4).
    documents = [
        doc
        for doc in (
            snapshot_document(round_=r)
            for r in study.rounds.filter(number__lte=round_.number).order_by("number")
        )
        if doc is not None
    ]
    for chart_id, figure in (
        ("consensus-trend", charts.consensus_trend(documents)),
        ("iqr-importance", charts.consensus_iqr(documents, tree, language=language)),
        (
            "iqr-maturity",
            charts.consensus_iqr(documents, tree, language=language, measure="maturity"),
        ),
        ("agreement", charts.agreement_shares(documents, tree, language=language)),
    ):
        if figure:
            board.consensus.append(Chart(chart_id, figure, f"{prefix}-{chart_id}"))
    board.stability = [
        {
            "code": e["node"],
            "name": tree.name(e["node"], language),
            **{
                k: e.get(k)
                for k in ("iqr", "agreement_share", "consensus", "changed_share", "stable", "n")
            },
        }
        for e in sorted(
            (e for e in document["results"] if e["measure"] == "importance"),
            key=lambda e: tree.sort_key(e["node"]),
        )
    ]
    figure = charts.kendall_by_round(documents)
    if figure:
        board.kendall = Chart("kendall", figure, f"{study.slug}-kendall")
    board.kendall_rows = [{"round": d.get("round"), **d.get("panel", {})} for d in documents]
    return board


def chart_payload(board: Dashboard) -> dict[str, Any]:
    """What the page's script needs: each figure, its download name, and the button labels."""
    return {
        "charts": {
            chart.id: {"figure": chart.figure, "filename": chart.filename}
            for chart in board.charts()
        },
        "labels": {"svg": _("Download as SVG"), "png": _("Download as PNG")},
    }
