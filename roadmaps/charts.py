"""Result dashboard charts: pure functions from `delphi-results/1` documents to Plotly figures.

Each function returns a figure as a plain dict (`{"data": [...], "layout": {...}}`) that the page
hands to plotly.js, or None when the round has nothing to draw. Titles and labels are in the active
language (gettext); node names in `language`. Nothing here reads the database.

The figures follow the paper's (method.md): weighted importance by field grouped by factor
(Figures 4 and 6), time to maturity by field (Figures 5 and 7) and the stage shares of products
with the 30% and 60% lines (Figure 8); then the Delphi statistics of method.md §4 across rounds.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from surveys.i18n import localized

from .figures import TICK_LABELS_DRAWN

Figure = dict[str, Any]

FONT = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", '
    '"PingFang SC", "Microsoft YaHei", sans-serif'
)
# Colour-blind-safe (Okabe-Ito), one per factor; stages use the first three.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
LINE_HEIGHT = 17  # pixels per line of an axis label at the tick font size
LABEL_WIDTH = 40  # characters per line of a field name on an axis


@dataclass(frozen=True)
class ChartNode:
    code: str
    parent: str | None
    name: Any


class Tree:
    """The framework as the charts need it: names, layers and factors of leaves, tree order."""

    def __init__(self, nodes: Sequence[ChartNode]) -> None:
        self.nodes = {node.code: node for node in nodes}
        self.order = {node.code: index for index, node in enumerate(nodes)}

    def name(self, code: str, language: str) -> str:
        node = self.nodes.get(code)
        return localized(node.name, language) if node else code

    def ancestors(self, code: str) -> list[str]:
        chain, current = [], self.nodes.get(code)
        while current is not None and current.parent is not None:
            chain.append(current.parent)
            current = self.nodes.get(current.parent)
        return chain

    def layer(self, code: str) -> str:
        chain = self.ancestors(code)
        return chain[-1] if chain else code

    def factor(self, code: str) -> str:
        """The group a leaf is drawn in: its parent (a factor), or itself under a layer."""
        chain = self.ancestors(code)
        return chain[0] if len(chain) >= 2 else code

    def sort_key(self, code: str) -> int:
        return self.order.get(code, len(self.order))


def wrap(text: str, width: int = LABEL_WIDTH) -> str:
    """Break a long label into lines for an axis; CJK characters count double."""
    lines, line, size = [], "", 0
    for word in _words(text):
        cost = sum(2 if ord(ch) > 0x2E80 else 1 for ch in word)
        if line and size + cost > width:
            lines.append(line.rstrip())
            line, size = "", 0
            word = word.lstrip()
        line += word
        size += cost
    if line:
        lines.append(line.rstrip())
    return "<br>".join(lines)


def _words(text: str) -> list[str]:
    # Latin words stay whole; each CJK character may start a new line.
    words, current = [], ""
    for ch in text:
        if ord(ch) > 0x2E80:
            if current:
                words.append(current)
                current = ""
            words.append(ch)
        elif ch == " ":
            current += ch
            words.append(current)
            current = ""
        else:
            current += ch
    if current:
        words.append(current)
    return words


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 18}},
        "font": {"family": FONT, "size": 14, "color": "#1b2430"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 10, "r": 20, "t": 110, "b": 60},
        # Above the plot, under the title: below it, a legend collides with the axis title.
        "legend": {"orientation": "h", "x": 0},
        "hoverlabel": {"font": {"family": FONT, "size": 13}},
    }
    layout.update(extra)
    # Fixed bands from the top, whatever the chart's height: the title (14-40 px), the legend
    # (52-76 px), then annotations drawn just above the plot (which starts at 110 px).
    height = layout["height"]
    layout["title"].update({"yref": "container", "y": 1 - 14 / height, "yanchor": "top"})
    layout["legend"] = {
        **layout["legend"],
        "yref": "container",
        "y": 1 - 52 / height,
        "yanchor": "top",
    }
    return layout


def _axis(title: str, **extra: Any) -> dict[str, Any]:
    axis = {
        "title": {"text": title, "font": {"size": 14}},
        "automargin": True,
        "gridcolor": "#e3e7ed",
        "zerolinecolor": "#b8c0cc",
        "tickfont": {"size": 13},
        "ticklabeloverflow": TICK_LABELS_DRAWN,
    }
    axis.update(extra)
    return axis


def _entries(document: dict[str, Any], measure: str) -> dict[str, dict[str, Any]]:
    return {e["node"]: e for e in document.get("results", []) if e["measure"] == measure}


def _layers(tree: Tree, codes: Sequence[str]) -> list[str]:
    return sorted({tree.layer(code) for code in codes}, key=tree.sort_key)


def _fmt(value: Any, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def importance_layers(document: dict[str, Any], tree: Tree) -> list[str]:
    return _layers(tree, [c for c, e in _entries(document, "importance").items() if e.get("n")])


def maturity_layers(document: dict[str, Any], tree: Tree) -> list[str]:
    return _layers(tree, [c for c, e in _entries(document, "maturity").items() if e.get("n")])


def _field_label(tree: Tree, code: str, language: str) -> str:
    return wrap(f"{tree.name(code, language)} ({code})")


def _grouped_bars(
    tree: Tree,
    codes: list[str],
    language: str,
    value: Any,
    hover: Any,
    text: Any,
    **bar: Any,
) -> list[dict[str, Any]]:
    """One horizontal bar trace per factor, fields in tree order from the top."""
    factors: dict[str, list[str]] = {}
    for code in sorted(codes, key=tree.sort_key):
        factors.setdefault(tree.factor(code), []).append(code)
    traces = []
    for index, (factor, members) in enumerate(factors.items()):
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": tree.name(factor, language),
                "y": [_field_label(tree, c, language) for c in members],
                "x": [value(c) for c in members],
                "text": [text(c) for c in members],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertext": [hover(c) for c in members],
                "hoverinfo": "text",
                "marker": {"color": PALETTE[index % len(PALETTE)]},
                **bar,
            }
        )
    return traces


def _bar_height(labels: Sequence[str]) -> int:
    """A height that leaves every row room for its longest wrapped label."""
    lines = max((label.count("<br>") + 1 for label in labels), default=1)
    row = max(30, LINE_HEIGHT * lines + 12)
    return 190 + row * max(len(labels), 3)


def _layer_entries(
    document: dict[str, Any], tree: Tree, measure: str, layer: str, *, figure: str
) -> dict[str, dict[str, Any]]:
    """The layer's answered fields that have the figure a chart draws."""
    return {
        code: e
        for code, e in _entries(document, measure).items()
        if tree.layer(code) == layer and e.get("n") and e.get(figure) is not None
    }


def _field_bars_layout(
    title: str, labels: list[str], *, xaxis: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    """The layout of horizontal bars with a row per field, top to bottom in the order given."""
    return _layout(
        title,
        height=_bar_height(labels),
        barmode="group",
        bargap=0.25,
        xaxis=xaxis,
        yaxis=_axis("", autorange="reversed", type="category"),
        **extra,
    )


def importance_by_field(
    document: dict[str, Any],
    tree: Tree,
    *,
    layer: str,
    language: str,
    scale: tuple[int, int] = (1, 5),
) -> Figure | None:
    """Weighted importance of each field of a layer, grouped by factor (Figures 4 and 6)."""
    entries = _layer_entries(document, tree, "importance", layer, figure="weighted_mean")
    if not entries:
        return None

    def hover(code: str) -> str:
        e = entries[code]
        return "<br>".join(
            [
                f"<b>{tree.name(code, language)}</b> ({code})",
                _("Weighted importance: %(value)s") % {"value": _fmt(e["weighted_mean"])},
                _("Median %(median)s, interquartile range %(iqr)s")
                % {"median": _fmt(e.get("median"), 1), "iqr": _fmt(e.get("iqr"), 2)},
                _("Answers: %(n)s") % {"n": e["n"]},
                _("Consensus: %(value)s")
                % {
                    "value": pgettext("boolean", "yes")
                    if e.get("consensus")
                    else pgettext("boolean", "no")
                },
            ]
        )

    traces = _grouped_bars(
        tree,
        list(entries),
        language,
        value=lambda c: entries[c]["weighted_mean"],
        hover=hover,
        text=lambda c: _fmt(entries[c]["weighted_mean"]),
    )
    low, high = scale
    title = _("Weighted importance by field — %(layer)s, round %(round)s") % {
        "layer": tree.name(layer, language),
        "round": document.get("round"),
    }
    return {
        "data": traces,
        "layout": _field_bars_layout(
            title,
            [_field_label(tree, c, language) for c in entries],
            xaxis=_axis(
                _("Weighted importance (scale %(low)s–%(high)s)") % {"low": low, "high": high},
                range=[0, high + 0.6],
                dtick=1,
            ),
        ),
    }


def maturity_by_field(
    document: dict[str, Any],
    tree: Tree,
    *,
    layer: str,
    language: str,
    base_year: int,
    horizon_end: int,
) -> Figure | None:
    """Expected year of maturity of each field of a layer, grouped by factor (Figures 5 and 7)."""
    entries = _layer_entries(document, tree, "maturity", layer, figure="weighted_years")
    if not entries:
        return None

    def hover(code: str) -> str:
        e = entries[code]
        return "<br>".join(
            [
                f"<b>{tree.name(code, language)}</b> ({code})",
                _("Expected year: %(year)s") % {"year": _fmt(e["expected_year"], 1)},
                _("Weighted time to maturity: %(years)s years")
                % {"years": _fmt(e["weighted_years"], 1)},
                _("Median %(median)s years, interquartile range %(iqr)s years")
                % {"median": _fmt(e.get("median"), 1), "iqr": _fmt(e.get("iqr"), 1)},
                _("Answers: %(n)s") % {"n": e["n"]},
            ]
        )

    traces = _grouped_bars(
        tree,
        list(entries),
        language,
        value=lambda c: entries[c]["weighted_years"],
        hover=hover,
        text=lambda c: _fmt(entries[c]["expected_year"], 1),
        base=base_year,
    )
    latest = max(e["expected_year"] for e in entries.values())
    end = max(horizon_end, latest)
    title = _("Expected time to maturity by field — %(layer)s, round %(round)s") % {
        "layer": tree.name(layer, language),
        "round": document.get("round"),
    }
    return {
        "data": traces,
        "layout": _field_bars_layout(
            title,
            [_field_label(tree, c, language) for c in entries],
            xaxis=_axis(
                _("Expected year of maturity (year; bars start at the base year %(year)s)")
                % {"year": base_year},
                range=[base_year, end + 2],
                dtick=1 if end - base_year <= 15 else 5,
            ),
            shapes=[
                {
                    "type": "line",
                    "xref": "x",
                    "yref": "paper",
                    "x0": horizon_end,
                    "x1": horizon_end,
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": "#5b6675", "dash": "dash", "width": 1.5},
                }
            ],
            annotations=[
                {
                    "x": horizon_end,
                    "y": 1,
                    "xref": "x",
                    "yref": "paper",
                    "yanchor": "bottom",
                    "showarrow": False,
                    "text": _("end of horizon %(year)s") % {"year": horizon_end},
                    "font": {"size": 12, "color": "#5b6675"},
                }
            ],
        ),
    }


def stage_labels() -> dict[str, str]:
    return {
        "rd": _("R&D"),
        "production": _("Production"),
        "industrialization": _("Industrialization"),
    }


def stage_shares(
    document: dict[str, Any],
    tree: Tree,
    *,
    language: str,
    disputed_from: float = 0.3,
    suitable_above: float = 0.6,
) -> Figure | None:
    """The share of experts choosing each stage, per product, with the verdict lines (Figure 8)."""
    entries = {code: e for code, e in _entries(document, "stages").items() if e.get("n")}
    if not entries:
        return None
    codes = sorted(entries, key=tree.sort_key)
    labels = [wrap(tree.name(c, language), 18) for c in codes]
    traces = []
    for index, (stage, label) in enumerate(stage_labels().items()):
        shares = [100 * entries[c]["counts"].get(stage, 0) / entries[c]["n"] for c in codes]
        traces.append(
            {
                "type": "bar",
                "name": label,
                "x": labels,
                "y": shares,
                "text": [f"{s:.0f}%" for s in shares],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertext": [
                    _("%(stage)s: %(count)s of %(n)s experts (%(share)s%%)")
                    % {
                        "stage": label,
                        "count": entries[c]["counts"].get(stage, 0),
                        "n": entries[c]["n"],
                        "share": f"{s:.0f}",
                    }
                    for c, s in zip(codes, shares, strict=True)
                ],
                "hoverinfo": "text",
                "marker": {"color": PALETTE[index]},
            }
        )
    lines = []
    notes = []
    for value, text in (
        (disputed_from, _("%(share)s%%: disputed from here")),
        (suitable_above, _("above %(share)s%%: suitable")),
    ):
        percent = 100 * float(value)
        lines.append(
            {
                "type": "line",
                "xref": "paper",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": percent,
                "y1": percent,
                "line": {"color": "#b42318", "dash": "dash", "width": 1.5},
            }
        )
        notes.append(
            {
                "xref": "paper",
                "yref": "y",
                "x": 1,
                "y": percent,
                "xanchor": "right",
                "yanchor": "bottom",
                "showarrow": False,
                "text": text % {"share": f"{percent:g}"},
                "font": {"size": 12, "color": "#b42318"},
                "bgcolor": "rgba(255,255,255,.8)",
            }
        )
    title = _("Stages the region should develop, per product — round %(round)s") % {
        "round": document.get("round")
    }
    return {
        "data": traces,
        "layout": _layout(
            title,
            height=520,
            barmode="group",
            margin={"l": 10, "r": 20, "t": 110, "b": 40},
            xaxis=_axis(_("Product"), tickangle=0),
            yaxis=_axis(_("Share of experts who chose the stage (%)"), range=[0, 112], dtick=10),
            shapes=lines,
            annotations=notes,
        ),
    }


def _rounds_matrix(
    documents: Sequence[dict[str, Any]], tree: Tree, measure: str, key: str
) -> tuple[list[str], list[int], list[list[float | None]]]:
    # Each document indexed once: looking a field up must not scan every result entry again.
    indexed = [_entries(document, measure) for document in documents]
    codes: set[str] = set()
    for entries in indexed:
        codes.update(c for c, e in entries.items() if e.get(key) is not None)
    ordered = sorted(codes, key=tree.sort_key)
    rounds = [document.get("round") for document in documents]
    z = [[entries.get(code, {}).get(key) for entries in indexed] for code in ordered]
    return ordered, rounds, z  # type: ignore[return-value]


def _heatmap(
    documents: Sequence[dict[str, Any]],
    tree: Tree,
    *,
    language: str,
    measure: str,
    key: str,
    title: str,
    colorbar: str,
    colorscale: list[list[Any]],
    zmax: float | None,
    percent: bool = False,
) -> Figure | None:
    codes, rounds, z = _rounds_matrix(documents, tree, measure, key)
    if not codes:
        return None
    if percent:
        z = [[None if v is None else 100 * v for v in row] for row in z]
    columns = [_("Round %(number)s") % {"number": n} for n in rounds]
    text = [["" if v is None else (f"{v:.0f}%" if percent else f"{v:g}") for v in row] for row in z]
    return {
        "data": [
            {
                "type": "heatmap",
                "x": columns,
                "y": [_field_label(tree, c, language) for c in codes],
                "z": z,
                "text": text,
                "texttemplate": "%{text}",
                "hovertemplate": "%{y}<br>%{x}: %{text}<extra></extra>",
                "colorscale": colorscale,
                "zmin": 0,
                **({"zmax": zmax} if zmax is not None else {}),
                "colorbar": {"title": {"text": colorbar, "side": "right"}, "thickness": 14},
                "xgap": 2,
                "ygap": 2,
            }
        ],
        "layout": _layout(
            title,
            height=_bar_height([_field_label(tree, c, language) for c in codes]),
            xaxis=_axis("", side="top"),
            yaxis=_axis("", autorange="reversed", type="category"),
        ),
    }


def consensus_iqr(
    documents: Sequence[dict[str, Any]], tree: Tree, *, language: str, measure: str = "importance"
) -> Figure | None:
    """The interquartile range of each field across rounds: smaller is closer agreement."""
    unit = _("points") if measure == "importance" else _("years")
    label = _("importance") if measure == "importance" else _("time to maturity")
    return _heatmap(
        documents,
        tree,
        language=language,
        measure=measure,
        key="iqr",
        title=_("Interquartile range of %(measure)s by field and round") % {"measure": label},
        colorbar=_("IQR (%(unit)s)") % {"unit": unit},
        colorscale=[[0, "#e9f5ec"], [0.5, "#f3c98b"], [1, "#b42318"]],
        zmax=None,
    )


def agreement_shares(
    documents: Sequence[dict[str, Any]], tree: Tree, *, language: str
) -> Figure | None:
    """The share of experts rating a field important, by round (method.md §4 agreement)."""
    return _heatmap(
        documents,
        tree,
        language=language,
        measure="importance",
        key="agreement_share",
        title=_("Agreement share by field and round (experts rating it important)"),
        colorbar=_("Agreement (%)"),
        colorscale=[[0, "#f6f7f9"], [1, "#1f4e79"]],
        zmax=100,
        percent=True,
    )


def consensus_trend(documents: Sequence[dict[str, Any]]) -> Figure | None:
    """Per round: the share of fields in consensus and, from round 2, the share stable."""
    if not documents:
        return None
    rounds = [_("Round %(number)s") % {"number": d.get("round")} for d in documents]
    series: list[tuple[str, str, list[float | None]]] = []
    for measure, label in (
        ("importance", _("Importance in consensus")),
        ("maturity", _("Maturity in consensus")),
    ):
        series.append(("consensus", label, [_share(d, measure, "consensus") for d in documents]))
    series.append(
        ("stable", _("Importance stable"), [_share(d, "importance", "stable") for d in documents])
    )
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers+text",
            "name": label,
            "x": rounds,
            "y": [None if v is None else 100 * v for v in values],
            "text": ["" if v is None else f"{100 * v:.0f}%" for v in values],
            # Labels above one line and below the next, so that close values stay readable.
            "textposition": "bottom center" if index % 2 else "top center",
            "marker": {"size": 10, "color": PALETTE[index]},
            "line": {"color": PALETTE[index], "width": 3},
            "hovertemplate": f"{label}: %{{y:.0f}}%<extra></extra>",
        }
        for index, (_key, label, values) in enumerate(series)
        if any(v is not None for v in values)
    ]
    if not traces:
        return None
    return {
        "data": traces,
        "layout": _layout(
            _("Consensus and stability across rounds"),
            height=420,
            xaxis=_axis(_("Round"), type="category"),
            yaxis=_axis(_("Share of fields (%)"), range=[-5, 112], dtick=20),
        ),
    }


def _share(document: dict[str, Any], measure: str, key: str) -> float | None:
    flags = [e.get(key) for e in _entries(document, measure).values() if e.get(key) is not None]
    return sum(1 for f in flags if f) / len(flags) if flags else None


def kendall_by_round(documents: Sequence[dict[str, Any]]) -> Figure | None:
    """Kendall's W of each round (method.md §4), with its p-value on hover."""
    points = [
        (d.get("round"), d.get("panel", {}))
        for d in documents
        if d.get("panel", {}).get("kendall_w") is not None
    ]
    if not points:
        return None
    return {
        "data": [
            {
                "type": "bar",
                "name": _("Kendall's W"),
                "x": [_("Round %(number)s") % {"number": n} for n, _p in points],
                "y": [p["kendall_w"] for _n, p in points],
                "text": [f"W = {p['kendall_w']:.3f}" for _n, p in points],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertext": [
                    _("W = %(w)s; chi-square %(chi2)s; p = %(p)s; %(m)s experts")
                    % {
                        "w": f"{p['kendall_w']:.3f}",
                        "chi2": f"{p.get('kendall_chi2') or 0:.1f}",
                        "p": f"{p.get('kendall_p') or 0:.2g}",
                        "m": p.get("kendall_experts"),
                    }
                    for _n, p in points
                ],
                "hoverinfo": "text",
                "marker": {"color": PALETTE[0]},
                "width": 0.5,
            }
        ],
        "layout": _layout(
            _("Kendall's coefficient of concordance (W) by round"),
            height=420,
            showlegend=False,
            xaxis=_axis(_("Round")),
            yaxis=_axis(_("Kendall's W (0–1)"), range=[0, 1.05]),
        ),
    }
