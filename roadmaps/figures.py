"""The ten-year roadmap as a Plotly figure, built from result snapshots (method.md §5).

Everything here is a pure function of plain data: a `delphi-results/1` document (and, for the
comparison, the previous round's), the framework nodes as dictionaries, the milestones as
dictionaries, the horizon, the base year, the language and the current year. No ORM, no request:
the same figure is drawn by the page, the standalone HTML export and `export_roadmap`.

Inputs
------
`nodes`: the framework in tree order, one mapping per node with `code`, `name` (a string or an
object keyed by language), `parent` (the parent's code or None), `layer` (the code of its top-level
ancestor, itself for a layer) and `measures` (the measures asked on it, inheritance resolved;
only read on leaves). `milestones`: mappings with `node` (a code), `year` and `label` (a string or
an object keyed by language).

The figure (a plain `dict` with `data` and `layout`, valid for `plotly.graph_objects.Figure`)
------------------------------------------------------------------------------------------------
Vertically one row per node in tree order: a layer row, a row per factor (any inner node) and a row
per leaf; each milestone gets a row of its own under its node. Layers are shaded swimlanes. The y
axis is numeric (row index, reversed); `layout.meta` holds the row of every node and the row span
of every layer, which the page uses to zoom on one layer.

Horizontally the study's horizon in years. Every trace carries `meta.role`, and only the *field
traces* (role `field`) carry node codes in `customdata`:

- role `field` (named "Fields", and "Fields without importance" for those with no numeric
  importance rating, drawn grey): one point per leaf that has a `maturity` result, with
  `customdata = [code, expected_year, weighted_importance, layer, verdict_key, unpredictable,
  consensus]`. `expected_year` is the result's, not clipped; `x` is that year, or the horizon's
  last year when it lies beyond. A maturity result without an expected year (possible only when
  its `n` is 0) is not hidden: it is drawn hollow at the horizon's end with a "?" beside it, and
  `customdata[1]` is None. Colour is the weighted importance (one continuous scale, a colour bar);
  the symbol is the regional-advantage verdict, or for products the stage verdicts (the furthest
  stage judged suitable); an open (hollow) symbol marks a field without consensus (importance or
  maturity).
- role `iqr`: the maturity interquartile range of each field (base year + q1 to base year + q3),
  one line segment per field separated by nulls.
- role `beyond`: an arrow past the horizon's end, labelled with the expected year, for each field
  that matures beyond the horizon.
- role `unpredictable`: a ring around each field that most experts (more than half of n) call
  unpredictable.
- role `compare`: in comparison mode, an arrow from each field's position in the previous round to
  this one, drawn just above the row (hidden unless `compare` is true; the page toggles it).
- role `milestone`: the milestones at their years with their labels; a milestone outside the
  horizon sits at the nearest end of it, its label giving its year.
- role `legend`: empty traces that only explain symbols in the legend.
- role `axis`: an empty trace on the top year axis, so that Plotly draws it.

Traces other than `field` have no `customdata`; they carry `meta.codes`, the field (or
milestone node) code of each point, so that the page can filter every trace alike.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from surveys.i18n import localized

ROW_HEIGHT = 24  # pixels per row: room for one line of a tick label
# Above the plot: the legend, two entries a line, then the top year axis.
LEGEND_LINE = 18
LEGEND_COLUMNS = 2
AXIS_TOP = 36
TITLE_HEIGHT = 36
MARGIN_BOTTOM = 60
# Plotly measures every tick label again on each layout pass to hide those that overflow the
# chart ("hide past div", its default on numeric axes): with a row per field that took most of
# the time to draw a roadmap of 300 fields. Automatic margins already make room for the labels.
TICK_LABELS_DRAWN = "allow"
LABEL_WIDTH = 44  # tick labels are cut at this many columns (a CJK character counts two)
BEYOND_PAD = 1.6  # years of room past the horizon for the arrows and their labels
# Reversed Viridis: dark for important fields, which should stand out on a light swimlane.
COLORSCALE = "Viridis"
NO_IMPORTANCE_COLOR = "#9aa3ad"
INK = "#1b2430"
LAYER_FILLS = ("#e8eef7", "#e8f3ec", "#fbf1e3", "#f1e9f6", "#eef1f5")
GROUP_FILL = "rgba(31, 78, 121, 0.06)"

# Marker symbols; each has an "-open" variant for fields without consensus.
ADVANTAGE_SYMBOLS = {"yes": "triangle-up", "no": "triangle-down", "disputed": "diamond"}
STAGE_SYMBOLS = {
    "industrialization": "star",
    "production": "pentagon",
    "rd": "square",
    "none": "cross",
}
NO_VERDICT_SYMBOL = "circle"
STAGE_ORDER = ("rd", "production", "industrialization")

FIELD_COLUMNS = (
    "code",
    "expected_year",
    "importance",
    "layer",
    "verdict_key",
    "unpredictable",
    "consensus",
)


# ---------------------------------------------------------------------------------------------
# Fields: the plain facts every view of the roadmap (figure, table, CSV) is drawn from
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldPoint:
    code: str
    name: str
    layer: str
    layer_name: str
    factor_name: str
    expected_year: float | None
    q1_year: float | None
    q3_year: float | None
    maturity_n: int
    maturity_consensus: bool | None
    unpredictable: bool
    counts: Mapping[str, int]
    importance: float | None
    importance_n: int | None
    importance_consensus: bool | None
    advantage: str | None
    investment: str | None
    stages: Mapping[str, str] | None
    changed_share: float | None

    @property
    def consensus(self) -> bool:
        """Consensus on every figure that has one: a field is drawn hollow otherwise."""
        flags = [f for f in (self.maturity_consensus, self.importance_consensus) if f is not None]
        return all(flags)

    @property
    def verdict_key(self) -> str:
        """What the marker's shape says: the regional-advantage verdict, else the stages."""
        if self.advantage:
            return self.advantage
        if self.stages:
            for stage in reversed(STAGE_ORDER):
                if self.stages.get(stage) == "suitable":
                    return f"stage:{stage}"
            return "stage:none"
        return "none"


def _results_by_node(document: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    by_node: dict[str, dict[str, Any]] = {}
    for entry in (document or {}).get("results", []):
        by_node.setdefault(entry["node"], {})[entry["measure"]] = entry
    return by_node


def is_mostly_unpredictable(maturity: Mapping[str, Any]) -> bool:
    """More than half of the maturity answers are `unpredictable` (exact: 2·count > n)."""
    n = maturity.get("n") or 0
    return n > 0 and (maturity.get("counts") or {}).get("unpredictable", 0) * 2 > n


def _children(nodes: Sequence[Mapping[str, Any]]) -> dict[str | None, list[Mapping[str, Any]]]:
    children: dict[str | None, list[Mapping[str, Any]]] = {}
    for node in nodes:
        children.setdefault(node.get("parent"), []).append(node)
    return children


def field_points(
    *,
    document: Mapping[str, Any] | None,
    nodes: Sequence[Mapping[str, Any]],
    base_year: int,
    language: str,
) -> list[FieldPoint]:
    """Every leaf with a maturity result, in tree order."""
    results = _results_by_node(document)
    by_code = {node["code"]: node for node in nodes}
    parents = _children(nodes)
    points = []
    for node in nodes:
        code = node["code"]
        if code in parents:  # not a leaf
            continue
        entries = results.get(code, {})
        maturity = entries.get("maturity")
        if maturity is None:
            continue
        importance = entries.get("importance") or {}
        advantage = entries.get("regional_advantage") or {}
        investment = entries.get("investment") or {}
        stages = entries.get("stages")
        parent = by_code.get(node.get("parent") or "")
        layer = by_code.get(node.get("layer") or code, node)
        q1, q3 = maturity.get("q1"), maturity.get("q3")
        points.append(
            FieldPoint(
                code=code,
                name=localized(node["name"], language),
                layer=layer["code"],
                layer_name=localized(layer["name"], language),
                factor_name=localized(parent["name"], language) if parent else "",
                expected_year=maturity.get("expected_year"),
                q1_year=base_year + q1 if q1 is not None else None,
                q3_year=base_year + q3 if q3 is not None else None,
                maturity_n=maturity.get("n") or 0,
                maturity_consensus=maturity.get("consensus"),
                unpredictable=is_mostly_unpredictable(maturity),
                counts=maturity.get("counts") or {},
                importance=importance.get("weighted_mean"),
                importance_n=importance.get("n"),
                importance_consensus=importance.get("consensus") if importance else None,
                advantage=advantage.get("verdict"),
                investment=investment.get("verdict"),
                stages=stages.get("verdicts") if stages else None,
                changed_share=maturity.get("changed_share"),
            )
        )
    return points


def plotted_x(expected_year: float | None, horizon_end: int) -> float:
    """Where a field is drawn: its year, or the horizon's end when beyond it (or unknown)."""
    if expected_year is None or expected_year > horizon_end:
        return float(horizon_end)
    return float(expected_year)


# ---------------------------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------------------------


def _words() -> dict[str, str]:
    return {
        "yes": pgettext("verdict", "Yes"),
        "no": pgettext("verdict", "No"),
        "disputed": pgettext("verdict", "Disputed"),
        "suitable": pgettext("verdict", "Suitable"),
        "unsuitable": pgettext("verdict", "Unsuitable"),
        "rd": _("R&D"),
        "production": _("Production"),
        "industrialization": _("Industrialization"),
        "true": pgettext("boolean", "yes"),
        "false": pgettext("boolean", "no"),
        "importance": _("Weighted importance: %(value)s (n = %(n)s, consensus: %(consensus)s)"),
        "expected": _("Expected year: %(year)s (quartiles %(q1)s–%(q3)s)"),
        "maturity": _("Maturity answers: n = %(n)s, consensus: %(consensus)s"),
        "no_year": _("No expected year: no answer could be placed in time"),
        "beyond": _("Beyond the horizon (%(end)s)"),
        "unpredictable": _("Most experts call it unpredictable (%(count)s of %(n)s)"),
        "advantage": _("Regional advantage: %(verdict)s"),
        "investment": _("More investment: %(verdict)s"),
        "stages": _("Stages: %(stages)s"),
        "changed": _("Changed since the previous round: %(share)s%%"),
    }


_WORDS: dict[str, dict[str, str]] = {}


def words() -> dict[str, str]:
    """The figure's recurring words in the active language, looked up once per language.

    A 300-field roadmap says them thousands of times, and each gettext call costs about as much
    as drawing the point.
    """
    language = translation.get_language() or ""
    if language not in _WORDS:
        _WORDS[language] = _words()
    return _WORDS[language]


VERDICTS = ("yes", "no", "disputed", "suitable", "unsuitable")


def verdict_word(verdict: str | None, w: Mapping[str, str] | None = None) -> str:
    if verdict not in VERDICTS:
        return ""
    return (w or words())[verdict]


def stage_word(stage: str) -> str:
    return words()[stage]


def verdict_key_label(key: str) -> str:
    """The legend's words for a marker shape."""
    if key in ADVANTAGE_SYMBOLS:
        return _("Regional advantage: %(verdict)s") % {"verdict": verdict_word(key)}
    if key == "stage:none":
        return _("Product: no stage suitable")
    if key.startswith("stage:"):
        return _("Product: suitable up to %(stage)s") % {"stage": stage_word(key[6:])}
    return _("No verdict")


def _symbol(key: str) -> str:
    if key in ADVANTAGE_SYMBOLS:
        return ADVANTAGE_SYMBOLS[key]
    if key.startswith("stage:"):
        return STAGE_SYMBOLS[key[6:]]
    return NO_VERDICT_SYMBOL


def _year(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _yes_no(flag: bool | None, w: Mapping[str, str] | None = None) -> str:
    if flag is None:
        return "–"
    return (w or words())["true" if flag else "false"]


def _escape(text: str) -> str:
    # Plotly renders a small HTML subset in hover and tick text: names must not inject tags.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def truncate(text: str, width: int = LABEL_WIDTH) -> str:
    """`text` cut to `width` columns (a wide CJK character counts two) with an ellipsis."""
    if text.isascii():  # the common case, one column a character
        return text if len(text) <= width else text[: width - 1].rstrip() + "…"
    if _columns(text) <= width:
        return text
    kept, used = [], 0
    for ch in text:
        used += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used > width - 1:
            break
        kept.append(ch)
    return "".join(kept).rstrip() + "…"


def _row_band(first: int, last: int, fill: str) -> dict[str, Any]:
    """A shaded band across the figure behind rows `first` to `last`."""
    return {
        "type": "rect",
        "xref": "paper",
        "yref": "y",
        "x0": 0,
        "x1": 1,
        "y0": first - 0.5,
        "y1": last + 0.5,
        "fillcolor": fill,
        "line": {"width": 0},
        "layer": "below",
    }


def label_margin(rows: Sequence[Row]) -> int:
    """About the width of the widest row label at the figure's 12 px font, in pixels.

    The y axis keeps Plotly's automatic margin, which widens the margin when a label needs
    more; a margin wide enough from the start spares it a second layout of the whole figure
    (a third of the drawing time of 300 fields). A column is about 6 px (a CJK character is
    two, 12 px), a little more is allowed for wider fonts; bold adds a tenth.
    """
    widest = max(
        (_columns(truncate(row.full)) * (1.1 if row.kind != "leaf" else 1.0) for row in rows),
        default=0,
    )
    return math.ceil(widest * 6.4) + 12


def hover_text(point: FieldPoint, horizon_end: int) -> str:
    w = words()
    lines = [f"<b>{_escape(point.name)}</b> ({_escape(point.code)})"]
    lines.append(
        w["importance"]
        % {
            "value": _number(point.importance),
            "n": "–" if point.importance_n is None else point.importance_n,
            "consensus": _yes_no(point.importance_consensus, w),
        }
    )
    lines.append(
        w["expected"]
        % {
            "year": _year(point.expected_year),
            "q1": _year(point.q1_year),
            "q3": _year(point.q3_year),
        }
    )
    lines.append(
        w["maturity"] % {"n": point.maturity_n, "consensus": _yes_no(point.maturity_consensus, w)}
    )
    if point.expected_year is None:
        lines.append(w["no_year"])
    elif point.expected_year > horizon_end:
        lines.append(w["beyond"] % {"end": horizon_end})
    if point.unpredictable:
        lines.append(
            w["unpredictable"]
            % {"count": point.counts.get("unpredictable", 0), "n": point.maturity_n}
        )
    if point.advantage:
        lines.append(w["advantage"] % {"verdict": verdict_word(point.advantage, w)})
    if point.investment:
        lines.append(w["investment"] % {"verdict": verdict_word(point.investment, w)})
    if point.stages:
        stages = ", ".join(
            f"{w[stage]} {verdict_word(point.stages.get(stage), w)}"
            for stage in STAGE_ORDER
            if stage in point.stages
        )
        lines.append(w["stages"] % {"stages": stages})
    if point.changed_share is not None:
        lines.append(w["changed"] % {"share": round(point.changed_share * 100)})
    return "<br>".join(lines)


# ---------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------


@dataclass
class Row:
    kind: str  # "layer", "group" (an inner node), "leaf" or "milestone"
    code: str
    layer: str
    label: str  # the tick label (HTML subset), possibly cut
    full: str  # the full name


@dataclass
class RowPlan:
    rows: list[Row] = field(default_factory=list)
    node_row: dict[str, int] = field(default_factory=dict)
    layer_span: dict[str, tuple[int, int]] = field(default_factory=dict)
    milestone_rows: list[tuple[int, Mapping[str, Any]]] = field(default_factory=list)


def plan_rows(
    *,
    nodes: Sequence[Mapping[str, Any]],
    milestones: Iterable[Mapping[str, Any]],
    language: str,
) -> RowPlan:
    """One row per node in tree order, and one per milestone just under its node."""
    children = _children(nodes)
    by_node: dict[str, list[Mapping[str, Any]]] = {}
    for milestone in milestones:
        by_node.setdefault(milestone["node"], []).append(milestone)
    plan = RowPlan()

    def visit(node: Mapping[str, Any], depth: int, layer: str) -> None:
        code = node["code"]
        name = localized(node["name"], language)
        is_leaf = code not in children
        kind = "layer" if depth == 0 else ("leaf" if is_leaf else "group")
        short = _escape(truncate(name))
        label = f"<b>{short}</b>" if kind != "leaf" else short
        plan.node_row[code] = len(plan.rows)
        plan.rows.append(Row(kind=kind, code=code, layer=layer, label=label, full=name))
        for milestone in sorted(by_node.get(code, []), key=lambda m: (m["year"], str(m["label"]))):
            plan.milestone_rows.append((len(plan.rows), milestone))
            plan.rows.append(Row(kind="milestone", code=code, layer=layer, label="", full=""))
        for child in children.get(code, []):
            visit(child, depth + 1, layer)

    for root in children.get(None, []):
        start = len(plan.rows)
        visit(root, 0, root["code"])
        plan.layer_span[root["code"]] = (start, len(plan.rows) - 1)
    return plan


def margin_top(legend_entries: int) -> int:
    return AXIS_TOP + LEGEND_LINE * math.ceil(legend_entries / LEGEND_COLUMNS)


def figure_height(row_count: int, top: int) -> int:
    return max(420, top + MARGIN_BOTTOM + ROW_HEIGHT * row_count)


# ---------------------------------------------------------------------------------------------
# The figure
# ---------------------------------------------------------------------------------------------


def _legend_trace(name: str, marker: dict[str, Any], mode: str = "markers") -> dict[str, Any]:
    return {
        "type": "scatter",
        "x": [None],
        "y": [None],
        "mode": mode,
        "name": name,
        "marker": marker,
        "line": {"color": "#8a94a3", "width": 6},
        "hoverinfo": "skip",
        "showlegend": True,
        "meta": {"role": "legend"},
    }


def _field_trace(
    points: list[FieldPoint],
    rows: Mapping[str, int],
    horizon_end: int,
    importance_range: tuple[float, float],
    *,
    colored: bool,
) -> dict[str, Any]:
    symbols, widths, colors = [], [], []
    for point in points:
        hollow = not point.consensus or point.expected_year is None
        symbols.append(_symbol(point.verdict_key) + ("-open" if hollow else ""))
        widths.append(2.5 if hollow else 1)
        colors.append(point.importance if colored else NO_IMPORTANCE_COLOR)
    marker: dict[str, Any] = {
        "symbol": symbols,
        "size": 14,
        "color": colors,
        "line": {"color": INK, "width": widths},
        "opacity": 1,
    }
    if colored:
        low, high = importance_range
        marker.update(
            colorscale=COLORSCALE,
            reversescale=True,
            cmin=low,
            cmax=high,
            showscale=True,
            colorbar={
                "title": {"text": _("Weighted importance"), "side": "right"},
                "lenmode": "pixels",
                "len": 220,
                "y": 1,
                "yanchor": "top",
                "thickness": 14,
                "outlinewidth": 0,
            },
        )
    return {
        "type": "scatter",
        "mode": "markers",
        "name": _("Fields") if colored else _("Fields without importance"),
        "x": [plotted_x(p.expected_year, horizon_end) for p in points],
        "y": [rows[p.code] for p in points],
        "customdata": [
            [
                p.code,
                p.expected_year,
                p.importance,
                p.layer,
                p.verdict_key,
                p.unpredictable,
                p.consensus,
            ]
            for p in points
        ],
        "hovertext": [hover_text(p, horizon_end) for p in points],
        "hovertemplate": "%{hovertext}<extra></extra>",
        "marker": marker,
        "showlegend": False,
        "meta": {"role": "field", "columns": list(FIELD_COLUMNS)},
    }


def _segments(
    pairs: Iterable[tuple[str, float, float, float]],
) -> tuple[list[float | None], list[float | None], list[str]]:
    """Line segments (code, x0, x1, y) as one trace's x/y with null breaks, and their codes."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    codes: list[str] = []
    for code, x0, x1, y in pairs:
        xs += [x0, x1, None]
        ys += [y, y, None]
        codes += [code, code, code]
    return xs, ys, codes


def _clip(value: float, start: int, end: int) -> float:
    return min(max(value, start), end)


def roadmap_figure(
    *,
    document: Mapping[str, Any] | None,
    nodes: Sequence[Mapping[str, Any]],
    milestones: Sequence[Mapping[str, Any]] = (),
    horizon: tuple[int, int],
    base_year: int,
    language: str,
    current_year: int | None = None,
    previous: Mapping[str, Any] | None = None,
    compare: bool = False,
    importance_range: tuple[float, float] = (1, 5),
    title: str = "",
) -> dict[str, Any]:
    """The roadmap figure (see the module's docstring for its structure)."""
    with translation.override(language):
        return _roadmap_figure(
            document=document,
            nodes=nodes,
            milestones=milestones,
            horizon=horizon,
            base_year=base_year,
            language=language,
            current_year=current_year,
            previous=previous,
            compare=compare,
            importance_range=importance_range,
            title=title,
        )


def _roadmap_figure(
    *,
    document: Mapping[str, Any] | None,
    nodes: Sequence[Mapping[str, Any]],
    milestones: Sequence[Mapping[str, Any]],
    horizon: tuple[int, int],
    base_year: int,
    language: str,
    current_year: int | None,
    previous: Mapping[str, Any] | None,
    compare: bool,
    importance_range: tuple[float, float],
    title: str,
) -> dict[str, Any]:
    start, end = horizon
    plan = plan_rows(nodes=nodes, milestones=milestones, language=language)
    rows = plan.node_row
    points = field_points(document=document, nodes=nodes, base_year=base_year, language=language)
    # An empty trace on the top year axis: Plotly draws only the axes that some trace uses.
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "markers",
            "name": "top axis",
            "x": [start, end],
            "y": [None, None],
            "xaxis": "x2",
            "hoverinfo": "skip",
            "showlegend": False,
            "meta": {"role": "axis"},
        }
    ]

    # Interquartile ranges first, so that the markers are drawn over them.
    iqr = [
        (p.code, _clip(p.q1_year, start, end), _clip(p.q3_year, start, end), rows[p.code])
        for p in points
        if p.q1_year is not None and p.q3_year is not None
    ]
    xs, ys, codes = _segments(iqr)
    data.append(
        {
            "type": "scatter",
            "mode": "lines",
            "name": _("Maturity quartiles"),
            "x": xs,
            "y": ys,
            "line": {"color": "rgba(90, 102, 117, 0.45)", "width": 6},
            "hoverinfo": "skip",
            "showlegend": False,
            "meta": {"role": "iqr", "codes": codes},
        }
    )

    if previous is not None:
        data.append(_compare_trace(points, previous, nodes, rows, base_year, end, compare))

    colored = [p for p in points if p.importance is not None]
    grey = [p for p in points if p.importance is None]
    data.append(_field_trace(colored, rows, end, importance_range, colored=True))
    if grey:
        data.append(_field_trace(grey, rows, end, importance_range, colored=False))

    beyond = [p for p in points if p.expected_year is None or p.expected_year > end]
    data.append(
        {
            "type": "scatter",
            "mode": "markers+text",
            "name": _("Beyond the horizon"),
            "x": [end + 0.45 for _p in beyond],
            "y": [rows[p.code] for p in beyond],
            "text": ["?" if p.expected_year is None else f"{p.expected_year:.0f}" for p in beyond],
            "textposition": "middle right",
            "textfont": {"size": 11, "color": INK},
            "marker": {"symbol": "arrow-bar-right", "size": 11, "color": INK},
            "hoverinfo": "skip",
            "showlegend": False,
            "meta": {"role": "beyond", "codes": [p.code for p in beyond]},
        }
    )

    flagged = [p for p in points if p.unpredictable]
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "name": _("Mostly unpredictable"),
            "x": [plotted_x(p.expected_year, end) for p in flagged],
            "y": [rows[p.code] for p in flagged],
            "marker": {
                "symbol": "circle-open",
                "size": 24,
                "color": "#c2410c",
                "line": {"width": 2},
            },
            "hoverinfo": "skip",
            "showlegend": False,
            "meta": {"role": "unpredictable", "codes": [p.code for p in flagged]},
        }
    )

    data.append(_milestone_trace(plan, start, end, language))
    legend = _legend_traces(points, plan, end, previous is not None, compare)
    data.extend(legend)

    layout = _layout(
        plan=plan,
        legend_entries=len(legend),
        horizon=horizon,
        current_year=current_year,
        title=title,
        has_previous=previous is not None,
        previous_round=(previous or {}).get("round"),
    )
    return {"data": data, "layout": layout}


def _compare_trace(
    points: list[FieldPoint],
    previous: Mapping[str, Any],
    nodes: Sequence[Mapping[str, Any]],
    rows: Mapping[str, int],
    base_year: int,
    end: int,
    visible: bool,
) -> dict[str, Any]:
    """An arrow per field from its previous position to this one, just above the row."""
    before = {
        p.code: p
        for p in field_points(document=previous, nodes=nodes, base_year=base_year, language="en")
    }
    xs: list[float | None] = []
    ys: list[float | None] = []
    codes: list[str] = []
    symbols: list[str] = []
    sizes: list[int] = []
    texts: list[str] = []
    label = _("%(name)s: %(before)s → %(after)s")
    for point in points:
        old = before.get(point.code)
        if old is None:
            continue
        x0, x1 = plotted_x(old.expected_year, end), plotted_x(point.expected_year, end)
        y = rows[point.code] - 0.32
        text = label % {
            "name": _escape(point.name),
            "before": _year(old.expected_year),
            "after": _year(point.expected_year),
        }
        xs += [x0, x1, None]
        ys += [y, y, None]
        codes += [point.code] * 3
        # A field that did not move gets a dot instead of an arrow of length zero.
        moved = not math.isclose(x0, x1, abs_tol=0.05)
        symbols += ["circle", "arrow" if moved else "circle", "circle"]
        sizes += [5, 10 if moved else 5, 0]
        texts += [text, text, ""]
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": _("Change since round %(number)s") % {"number": previous.get("round", "")},
        "x": xs,
        "y": ys,
        "line": {"color": "#b42318", "width": 1.5},
        "marker": {
            "symbol": symbols,
            "size": sizes,
            "color": "#b42318",
            "angleref": "previous",
        },
        "hovertext": texts,
        "hovertemplate": "%{hovertext}<extra></extra>",
        "showlegend": False,
        "visible": bool(visible),
        "meta": {"role": "compare", "codes": codes},
    }


def _milestone_trace(plan: RowPlan, start: int, end: int, language: str) -> dict[str, Any]:
    xs, ys, texts, positions, hovers, symbols, codes = [], [], [], [], [], [], []
    middle = (start + end) / 2
    for row, milestone in plan.milestone_rows:
        year = int(milestone["year"])
        label = _escape(truncate(localized(milestone["label"], language), 70))
        x = float(_clip(year, start, end))
        xs.append(x)
        ys.append(row)
        codes.append(milestone["node"])
        if year < start:
            symbols.append("arrow-bar-left")
        elif year > end:
            symbols.append("arrow-bar-right")
        else:
            symbols.append("diamond")
        texts.append(f"{year} · {label}")
        positions.append("middle left" if x > middle else "middle right")
        hovers.append(f"<b>{year}</b> {_escape(localized(milestone['label'], language))}")
    return {
        "type": "scatter",
        "mode": "markers+text",
        "name": _("Milestones"),
        "x": xs,
        "y": ys,
        "text": texts,
        "textposition": positions,
        "textfont": {"size": 11, "color": INK},
        "marker": {"symbol": symbols, "size": 11, "color": "#7a4b0f"},
        "hovertext": hovers,
        "hovertemplate": "%{hovertext}<extra></extra>",
        "showlegend": False,
        "meta": {"role": "milestone", "codes": codes},
    }


def _legend_traces(
    points: list[FieldPoint], plan: RowPlan, end: int, has_previous: bool, compare: bool
) -> list[dict[str, Any]]:
    grey = {"color": "#5b6675", "size": 12, "line": {"color": INK, "width": 1}}
    traces = []
    keys = {p.verdict_key for p in points}
    ordered = [*ADVANTAGE_SYMBOLS, *(f"stage:{s}" for s in reversed(STAGE_ORDER)), "stage:none"]
    for key in [*ordered, "none"]:
        if key in keys:
            traces.append(_legend_trace(verdict_key_label(key), {**grey, "symbol": _symbol(key)}))
    if any(not p.consensus for p in points):
        traces.append(
            _legend_trace(
                _("Hollow: no consensus"),
                {"symbol": "circle-open", "size": 12, "color": "#5b6675", "line": {"width": 2.5}},
            )
        )
    if points:
        traces.append(_legend_trace(_("Maturity quartiles"), {}, mode="lines"))
    if any(p.expected_year is None or p.expected_year > end for p in points):
        traces.append(
            _legend_trace(
                _("Beyond the horizon"), {"symbol": "arrow-bar-right", "size": 11, "color": INK}
            )
        )
    if any(p.unpredictable for p in points):
        traces.append(
            _legend_trace(
                _("Mostly unpredictable"),
                {"symbol": "circle-open", "size": 16, "color": "#c2410c", "line": {"width": 2}},
            )
        )
    if plan.milestone_rows:
        traces.append(
            _legend_trace(_("Milestone"), {"symbol": "diamond", "size": 11, "color": "#7a4b0f"})
        )
    if has_previous:
        trace = _legend_trace(
            _("Change since the previous round"),
            {"symbol": "arrow", "size": 10, "color": "#b42318", "angleref": "previous"},
        )
        trace["visible"] = bool(compare)
        trace["meta"] = {"role": "compare-legend"}
        traces.append(trace)
    return traces


def _layout(
    *,
    plan: RowPlan,
    legend_entries: int,
    horizon: tuple[int, int],
    current_year: int | None,
    title: str,
    has_previous: bool,
    previous_round: int | None,
) -> dict[str, Any]:
    start, end = horizon
    count = len(plan.rows)
    shapes: list[dict[str, Any]] = []
    for index, (layer, (first, last)) in enumerate(plan.layer_span.items()):
        fill = LAYER_FILLS[index % len(LAYER_FILLS)]
        shapes.append(_row_band(first, last, fill) | {"name": f"layer {layer}"})
    for row_index, row in enumerate(plan.rows):
        if row.kind in ("layer", "group"):
            shapes.append(_row_band(row_index, row_index, GROUP_FILL))
    # The zone past the horizon, where beyond-horizon arrows sit.
    shapes.append(
        {
            "type": "rect",
            "xref": "x",
            "yref": "paper",
            "x0": end + 0.25,
            "x1": end + BEYOND_PAD,
            "y0": 0,
            "y1": 1,
            "fillcolor": "rgba(27, 36, 48, 0.06)",
            "line": {"width": 0},
            "layer": "below",
        }
    )
    annotations: list[dict[str, Any]] = []
    if current_year is not None and start <= current_year <= end:
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": current_year,
                "x1": current_year,
                "y0": 0,
                "y1": 1,
                "line": {"color": "#b42318", "width": 1.5, "dash": "dash"},
                "name": "current year",
            }
        )
        annotations.append(
            {
                "x": current_year,
                "xref": "x",
                "y": 0,
                "yref": "paper",
                "yanchor": "top",
                "yshift": -22,
                "text": _("Now (%(year)s)") % {"year": current_year},
                "showarrow": False,
                "font": {"color": "#b42318", "size": 11},
            }
        )
    # A title takes a line above the legend.
    top = margin_top(legend_entries) + (TITLE_HEIGHT if title else 0)
    height = figure_height(count, top)
    years = list(range(start, end + 1))
    axis = {
        "range": [start - 0.5, end + BEYOND_PAD],
        "tickmode": "array",
        # The zone past the horizon, where fields maturing later sit, gets a tick of its own.
        "tickvals": [*years, end + 0.95],
        "ticktext": [*(str(y) for y in years), _("later")],
        "showgrid": True,
        "gridcolor": "rgba(27, 36, 48, 0.12)",
        "zeroline": False,
        "fixedrange": False,
        "ticklabeloverflow": TICK_LABELS_DRAWN,
    }
    return {
        "title": {
            "text": _escape(title),
            "x": 0.01,
            "xanchor": "left",
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            "pad": {"t": 10},
            "font": {"size": 16},
        }
        if title
        else {},
        "height": height,
        "margin": {
            "l": label_margin(plan.rows),
            "r": 20,
            "t": top,
            "b": MARGIN_BOTTOM,
            "autoexpand": True,
        },
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
        "font": {
            "family": 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", '
            '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif',
            "size": 12,
            "color": INK,
        },
        "hovermode": "closest",
        "hoverlabel": {"align": "left"},
        "xaxis": {**axis, "side": "bottom", "title": {"text": _("Expected year of maturity")}},
        # The same years along the top: a tall roadmap is read from the top.
        "xaxis2": {**axis, "side": "top", "overlaying": "x", "matches": "x", "showgrid": False},
        "yaxis": {
            "range": [count - 0.5, -0.5],
            "tickmode": "array",
            "tickvals": list(range(count)),
            "ticktext": [row.label for row in plan.rows],
            "showgrid": False,
            "zeroline": False,
            "automargin": True,
            "fixedrange": True,
            "ticks": "",
            "ticklabeloverflow": TICK_LABELS_DRAWN,
        },
        "legend": {
            "orientation": "h",
            "yref": "container",
            "y": 1 - (TITLE_HEIGHT / height if title else 0),
            "yanchor": "top",
            "xref": "container",
            "x": 0.01,
            "xanchor": "left",
            "font": {"size": 11},
            # Two entries a line at every width, so that the top margin can be reckoned here.
            "entrywidthmode": "fraction",
            "entrywidth": 1 / LEGEND_COLUMNS,
            "itemclick": False,
            "itemdoubleclick": False,
        },
        "shapes": shapes,
        "annotations": annotations,
        "meta": {
            "horizon": [start, end],
            "rows": count,
            "row_height": ROW_HEIGHT,
            "margin_top": top,
            "margin_bottom": MARGIN_BOTTOM,
            "node_rows": dict(plan.node_row),
            "layers": {code: list(span) for code, span in plan.layer_span.items()},
            "full_names": [row.full for row in plan.rows],
            "compare": has_previous,
            "previous_round": previous_round,
        },
    }


# ---------------------------------------------------------------------------------------------
# The roadmap table
# ---------------------------------------------------------------------------------------------


def table_order(points: Iterable[FieldPoint]) -> list[FieldPoint]:
    """Sorted by expected year (fields without one last), then by code."""
    return sorted(
        points,
        key=lambda p: (p.expected_year is None, p.expected_year or 0.0, p.code),
    )


def table_headers() -> list[str]:
    return [
        _("Code"),
        _("Field"),
        _("Layer"),
        _("Factor"),
        _("Expected year"),
        _("First quartile (year)"),
        _("Third quartile (year)"),
        _("Weighted importance"),
        _("Regional advantage"),
        _("More investment"),
        _("R&D"),
        _("Production"),
        _("Industrialization"),
        _("Consensus"),
        _("Mostly unpredictable"),
        _("Maturity answers (n)"),
    ]


def table_row(point: FieldPoint) -> list[Any]:
    stages = point.stages or {}
    w = words()

    def rounded(value: float | None, digits: int) -> float | None:
        return None if value is None else round(value, digits)

    return [
        point.code,
        point.name,
        point.layer_name,
        point.factor_name,
        rounded(point.expected_year, 1),
        rounded(point.q1_year, 1),
        rounded(point.q3_year, 1),
        rounded(point.importance, 2),
        verdict_word(point.advantage, w),
        verdict_word(point.investment, w),
        verdict_word(stages.get("rd"), w),
        verdict_word(stages.get("production"), w),
        verdict_word(stages.get("industrialization"), w),
        _yes_no(point.consensus, w),
        _yes_no(point.unpredictable, w),
        point.maturity_n,
    ]


def roadmap_table(
    *,
    document: Mapping[str, Any] | None,
    nodes: Sequence[Mapping[str, Any]],
    base_year: int,
    language: str,
) -> tuple[list[str], list[list[Any]]]:
    """The roadmap table's headers and rows, sorted by expected year."""
    with translation.override(language):
        points = field_points(
            document=document, nodes=nodes, base_year=base_year, language=language
        )
        return table_headers(), [table_row(p) for p in table_order(points)]
