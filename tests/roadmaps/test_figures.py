"""The roadmap figure, built from small hand-made snapshots: no database, no request."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go
import pytest

from roadmaps import figures

HORIZON = (2024, 2034)
BASE = 2024

NODES: list[dict[str, Any]] = [
    {
        "code": "T",
        "name": {"en": "Technology", "zh-hans": "技术层"},
        "parent": None,
        "layer": "T",
        "measures": ["familiarity", "importance", "maturity", "regional_advantage"],
    },
    {
        "code": "T.A",
        "name": {"en": "Algorithms", "zh-hans": "算法"},
        "parent": "T",
        "layer": "T",
        "measures": ["familiarity", "importance", "maturity", "regional_advantage"],
    },
    {
        "code": "T.A.1",
        "name": {"en": "Soon", "zh-hans": "很快"},
        "parent": "T.A",
        "layer": "T",
        "measures": ["familiarity", "importance", "maturity", "regional_advantage"],
    },
    {
        "code": "T.A.2",
        "name": "Later",
        "parent": "T.A",
        "layer": "T",
        "measures": ["familiarity", "importance", "maturity", "regional_advantage"],
    },
    {
        "code": "T.A.3",
        "name": "Disputed one",
        "parent": "T.A",
        "layer": "T",
        "measures": ["familiarity", "importance", "maturity", "regional_advantage"],
    },
    {
        "code": "T.A.4",
        "name": "Unanswered",
        "parent": "T.A",
        "layer": "T",
        "measures": ["familiarity", "importance", "maturity", "regional_advantage"],
    },
    {
        "code": "P",
        "name": "Products",
        "parent": None,
        "layer": "P",
        "measures": ["familiarity", "importance", "maturity", "stages"],
    },
    {
        "code": "P.1",
        "name": "Robot",
        "parent": "P",
        "layer": "P",
        "measures": ["familiarity", "importance", "maturity", "stages"],
    },
    {
        "code": "P.2",
        "name": "Headset",
        "parent": "P",
        "layer": "P",
        "measures": ["familiarity", "importance", "maturity", "stages"],
    },
    {"code": "E", "name": "Environment", "parent": None, "layer": "E", "measures": ["comment"]},
    {
        "code": "E.PO",
        "name": {"en": "Policy", "zh-hans": "政策环境"},
        "parent": "E",
        "layer": "E",
        "measures": ["comment"],
    },
]


def importance(node: str, mean: float | None, *, consensus: bool = True, n: int = 4) -> dict:
    return {
        "node": node,
        "measure": "importance",
        "n": n,
        "weighted_mean": mean,
        "consensus": consensus,
    }


def maturity(
    node: str,
    year: float | None,
    *,
    q1: float = 5.0,
    q3: float = 10.0,
    n: int = 4,
    unpredictable: int = 0,
    consensus: bool = True,
    changed_share: float | None = None,
) -> dict:
    counts = {
        "achieved": 0,
        "short": n - unpredictable,
        "medium": 0,
        "long": 0,
        "unpredictable": unpredictable,
    }
    return {
        "node": node,
        "measure": "maturity",
        "n": n,
        "expected_year": year,
        "weighted_years": None if year is None else year - BASE,
        "q1": q1,
        "q3": q3,
        "iqr": q3 - q1,
        "consensus": consensus,
        "counts": counts,
        "changed_share": changed_share,
    }


def advantage(node: str, verdict: str) -> dict:
    return {
        "node": node,
        "measure": "regional_advantage",
        "n": 4,
        "verdict": verdict,
        "counts": {"yes": 0, "no": 0, "unsure": 0},
    }


def stages(node: str, **verdicts: str) -> dict:
    return {"node": node, "measure": "stages", "n": 4, "counts": {}, "verdicts": verdicts}


def document(*entries: dict, number: int = 2) -> dict:
    return {"format": "delphi-results/1", "study": "s", "round": number, "results": list(entries)}


ROUND = document(
    importance("T.A.1", 4.5),
    maturity("T.A.1", 2027.5, q1=2.0, q3=5.0),
    advantage("T.A.1", "yes"),
    importance("T.A.2", 2.0),
    maturity("T.A.2", 2041.25, q1=10.0, q3=30.0, unpredictable=3, consensus=False),
    advantage("T.A.2", "no"),
    importance("T.A.3", 3.0, consensus=False),
    maturity("T.A.3", 2030.0),
    advantage("T.A.3", "disputed"),
    importance("P.1", 4.0),
    maturity("P.1", 2029.0),
    stages("P.1", rd="suitable", production="suitable", industrialization="suitable"),
    maturity("P.2", 2031.0),
    stages("P.2", rd="disputed", production="unsuitable", industrialization="unsuitable"),
)
MILESTONES = [
    {"node": "E.PO", "year": 2028, "label": {"en": "A data law", "zh-hans": "数据法"}},
    {"node": "E.PO", "year": 2019, "label": "An old plan"},
]


def build(doc: dict = ROUND, **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "document": doc,
        "nodes": NODES,
        "milestones": MILESTONES,
        "horizon": HORIZON,
        "base_year": BASE,
        "language": "en",
        "current_year": 2026,
        "importance_range": (1, 5),
    }
    arguments.update(overrides)
    return figures.roadmap_figure(**arguments)


def traces(figure: dict, role: str) -> list[dict]:
    return [t for t in figure["data"] if t["meta"]["role"] == role]


def points(figure: dict) -> dict[str, dict[str, Any]]:
    """Every field point by code: its trace and index."""
    found = {}
    for trace in traces(figure, "field"):
        for index, row in enumerate(trace["customdata"]):
            found[row[0]] = {"trace": trace, "index": index, "customdata": row}
    return found


def attribute(point: dict, path: str) -> Any:
    value: Any = point["trace"]
    for key in path.split("."):
        value = value[key]
    return value[point["index"]]


# --- Positions ---------------------------------------------------------------------------------


def test_every_leaf_with_a_maturity_result_is_one_point_and_no_other_leaf_is():
    assert sorted(points(build())) == ["P.1", "P.2", "T.A.1", "T.A.2", "T.A.3"]


def test_a_field_sits_at_its_expected_year_on_its_own_row():
    figure = build()
    point = points(figure)["T.A.1"]
    assert attribute(point, "x") == 2027.5
    assert point["customdata"][1] == 2027.5
    row = figure["layout"]["meta"]["node_rows"]["T.A.1"]
    assert attribute(point, "y") == row
    assert figure["layout"]["yaxis"]["ticktext"][row] == "Soon"


def test_a_field_beyond_the_horizon_sits_at_its_end_and_keeps_its_year_in_customdata():
    figure = build()
    point = points(figure)["T.A.2"]
    assert attribute(point, "x") == HORIZON[1]
    assert point["customdata"][1] == 2041.25
    [beyond] = traces(figure, "beyond")
    assert beyond["meta"]["codes"] == ["T.A.2"]
    assert beyond["text"] == ["2041"]
    assert beyond["x"][0] > HORIZON[1]
    assert beyond["marker"]["symbol"] == "arrow-bar-right"


def test_a_field_at_exactly_the_horizons_end_is_not_beyond_it():
    doc = document(maturity("T.A.1", 2034.0), importance("T.A.1", 3.0))
    figure = build(doc)
    assert attribute(points(figure)["T.A.1"], "x") == 2034.0
    assert traces(figure, "beyond")[0]["meta"]["codes"] == []


def test_the_quartile_bar_runs_from_base_year_plus_q1_to_base_year_plus_q3_within_the_horizon():
    figure = build()
    [iqr] = traces(figure, "iqr")
    segments = {
        iqr["meta"]["codes"][i]: (iqr["x"][i], iqr["x"][i + 1]) for i in range(0, len(iqr["x"]), 3)
    }
    assert segments["T.A.1"] == (2026.0, 2029.0)
    assert segments["T.A.2"] == (2034, 2034)  # 2034 to 2054, clipped to the horizon
    assert all(iqr["x"][i] is None for i in range(2, len(iqr["x"]), 3))


def test_a_maturity_result_without_expected_year_is_drawn_hollow_and_flagged_not_hidden():
    doc = document(importance("T.A.1", 3.0), maturity("T.A.1", None, n=0))
    figure = build(doc)
    point = points(figure)["T.A.1"]
    assert point["customdata"][1] is None
    assert attribute(point, "x") == HORIZON[1]
    assert attribute(point, "marker.symbol").endswith("-open")
    assert traces(figure, "beyond")[0]["text"] == ["?"]


# --- Colours, symbols, hollow markers ----------------------------------------------------------


def test_colour_is_the_weighted_importance_on_one_scale_with_a_colour_bar():
    figure = build()
    found = points(figure)
    assert attribute(found["T.A.1"], "marker.color") == 4.5
    assert attribute(found["T.A.2"], "marker.color") == 2.0
    marker = found["T.A.1"]["trace"]["marker"]
    assert (marker["cmin"], marker["cmax"]) == (1, 5)
    assert marker["showscale"] is True
    assert marker["colorbar"]["title"]["text"] == "Weighted importance"


def test_the_colour_scale_follows_the_studys_importance_scale():
    marker = points(build(importance_range=(0, 10)))["T.A.1"]["trace"]["marker"]
    assert (marker["cmin"], marker["cmax"]) == (0, 10)


def test_a_field_without_importance_is_drawn_grey_in_a_field_trace_of_its_own():
    figure = build()
    point = points(figure)["P.2"]
    assert point["trace"]["name"] == "Fields without importance"
    assert attribute(point, "marker.color") == figures.NO_IMPORTANCE_COLOR
    assert point["customdata"][2] is None


def test_the_symbol_is_the_regional_advantage_verdict():
    found = points(build())
    assert attribute(found["T.A.1"], "marker.symbol") == "triangle-up"
    assert attribute(found["T.A.2"], "marker.symbol") == "triangle-down-open"
    assert attribute(found["T.A.3"], "marker.symbol") == "diamond-open"


def test_a_products_symbol_is_the_furthest_stage_judged_suitable():
    found = points(build())
    assert attribute(found["P.1"], "marker.symbol") == "star"
    assert found["P.1"]["customdata"][4] == "stage:industrialization"
    assert attribute(found["P.2"], "marker.symbol") == "cross"
    assert found["P.2"]["customdata"][4] == "stage:none"


def test_a_product_suitable_for_rd_only_is_a_square():
    doc = document(maturity("P.1", 2029.0), stages("P.1", rd="suitable", production="disputed"))
    assert attribute(points(build(doc))["P.1"], "marker.symbol") == "square"


def test_a_field_without_consensus_on_importance_or_maturity_is_hollow():
    found = points(build())
    assert not attribute(found["T.A.1"], "marker.symbol").endswith("-open")
    assert attribute(found["T.A.2"], "marker.symbol").endswith("-open")  # maturity
    assert attribute(found["T.A.3"], "marker.symbol").endswith("-open")  # importance
    assert found["T.A.3"]["customdata"][6] is False


# --- Unpredictable -----------------------------------------------------------------------------


def test_a_field_most_experts_call_unpredictable_is_ringed_not_hidden():
    figure = build()
    [ring] = traces(figure, "unpredictable")
    assert ring["meta"]["codes"] == ["T.A.2"]
    assert ring["x"] == [HORIZON[1]]
    assert points(figure)["T.A.2"]["customdata"][5] is True


def test_exactly_half_unpredictable_is_not_most():
    assert not figures.is_mostly_unpredictable({"n": 4, "counts": {"unpredictable": 2}})
    assert figures.is_mostly_unpredictable({"n": 5, "counts": {"unpredictable": 3}})
    assert not figures.is_mostly_unpredictable({"n": 0, "counts": {"unpredictable": 0}})


# --- Hover -------------------------------------------------------------------------------------


def test_hover_shows_importance_year_quartiles_n_verdicts_and_consensus():
    point = points(build())["T.A.2"]
    text = attribute(point, "hovertext")
    assert "Later" in text and "T.A.2" in text
    assert "Weighted importance: 2.00 (n = 4, consensus: yes)" in text
    assert "Expected year: 2041.2 (quartiles 2034.0–2054.0)" in text
    assert "Maturity answers: n = 4, consensus: no" in text
    assert "Regional advantage: No" in text
    assert "Beyond the horizon (2034)" in text
    assert "Most experts call it unpredictable (3 of 4)" in text


def test_hover_lists_a_products_stage_verdicts():
    text = attribute(points(build())["P.2"], "hovertext")
    assert "Stages: R&D Disputed, Production Unsuitable, Industrialization Unsuitable" in text


def test_the_title_is_escaped():
    figure = build(title="<i>R&D</i>")
    assert figure["layout"]["title"]["text"] == "&lt;i&gt;R&amp;D&lt;/i&gt;"


def test_names_are_escaped_in_hover_and_tick_labels():
    nodes = [dict(n) for n in NODES]
    nodes[2]["name"] = "<b>bold</b> & co"
    figure = build(nodes=nodes)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in attribute(points(figure)["T.A.1"], "hovertext")
    row = figure["layout"]["meta"]["node_rows"]["T.A.1"]
    assert figure["layout"]["yaxis"]["ticktext"][row] == "&lt;b&gt;bold&lt;/b&gt; &amp; co"


# --- Rows, names, language ---------------------------------------------------------------------


def test_rows_follow_the_tree_with_layers_and_factors_in_bold_and_a_row_per_milestone():
    figure = build()
    labels = figure["layout"]["yaxis"]["ticktext"]
    assert labels == [
        "<b>Technology</b>",
        "<b>Algorithms</b>",
        "Soon",
        "Later",
        "Disputed one",
        "Unanswered",
        "<b>Products</b>",
        "Robot",
        "Headset",
        "<b>Environment</b>",
        "Policy",
        "",
        "",
    ]
    assert figure["layout"]["meta"]["layers"] == {"T": [0, 5], "P": [6, 8], "E": [9, 12]}


def test_names_are_in_the_pages_language():
    figure = build(language="zh-hans")
    labels = figure["layout"]["yaxis"]["ticktext"]
    assert "很快" in labels and "<b>技术层</b>" in labels
    assert figure["layout"]["xaxis"]["title"]["text"] == "预计成熟年份"


def test_long_names_are_cut_on_the_axis_and_whole_on_hover():
    nodes = [dict(n) for n in NODES]
    nodes[2]["name"] = "A very long field name that goes on and on well past the label width"
    figure = build(nodes=nodes)
    row = figure["layout"]["meta"]["node_rows"]["T.A.1"]
    label = figure["layout"]["yaxis"]["ticktext"][row]
    assert label.endswith("…") and len(label) <= figures.LABEL_WIDTH
    assert nodes[2]["name"] in attribute(points(figure)["T.A.1"], "hovertext")


def test_a_wide_character_counts_two_columns_when_cutting():
    assert figures.truncate("脑" * 30, 10) == "脑" * 4 + "…"
    assert figures.truncate("short", 10) == "short"


def test_a_tall_study_gets_a_tall_figure():
    few = build()["layout"]["height"]
    nodes = NODES + [
        {
            "code": f"T.A.x{i}",
            "name": f"Extra {i}",
            "parent": "T.A",
            "layer": "T",
            "measures": ["maturity"],
        }
        for i in range(100)
    ]
    many = build(nodes=nodes)["layout"]["height"]
    assert many - few == 100 * figures.ROW_HEIGHT


def test_layers_are_shaded_swimlanes_over_their_rows():
    shapes = [s for s in build()["layout"]["shapes"] if s.get("name", "").startswith("layer ")]
    assert [(s["y0"], s["y1"]) for s in shapes] == [(-0.5, 5.5), (5.5, 8.5), (8.5, 12.5)]
    assert len({s["fillcolor"] for s in shapes}) == 3


# --- Current year, milestones ------------------------------------------------------------------


def test_a_line_marks_the_current_year_inside_the_horizon():
    lines = [s for s in build()["layout"]["shapes"] if s.get("name") == "current year"]
    assert [(s["x0"], s["x1"]) for s in lines] == [(2026, 2026)]


def test_no_current_year_line_outside_the_horizon():
    layout = build(current_year=2040)["layout"]
    assert not [s for s in layout["shapes"] if s.get("name") == "current year"]


def test_milestones_sit_at_their_years_on_rows_under_their_node_with_labels():
    figure = build()
    [trace] = traces(figure, "milestone")
    policy_row = figure["layout"]["meta"]["node_rows"]["E.PO"]
    assert trace["y"] == [policy_row + 1, policy_row + 2]  # sorted by year
    assert trace["meta"]["codes"] == ["E.PO", "E.PO"]
    assert trace["text"][1] == "2028 · A data law"
    assert trace["x"][1] == 2028
    assert "customdata" not in trace


def test_a_milestone_before_the_horizon_sits_at_its_start_with_its_year_in_the_label():
    [trace] = traces(build(), "milestone")
    assert trace["x"][0] == HORIZON[0]
    assert trace["text"][0] == "2019 · An old plan"
    assert trace["marker"]["symbol"][0] == "arrow-bar-left"


def test_milestone_labels_are_in_the_pages_language():
    [trace] = traces(build(language="zh-hans"), "milestone")
    assert trace["text"][1] == "2028 · 数据法"


# --- Comparison --------------------------------------------------------------------------------


PREVIOUS = document(
    importance("T.A.1", 4.0),
    maturity("T.A.1", 2030.0),
    importance("T.A.3", 3.0),
    maturity("T.A.3", 2030.0),
    maturity("P.1", 2036.0),
    number=1,
)


def test_comparison_draws_an_arrow_from_the_previous_position_to_this_one():
    figure = build(previous=PREVIOUS, compare=True)
    [arrows] = traces(figure, "compare")
    assert arrows["visible"] is True
    segments = {
        arrows["meta"]["codes"][i]: (arrows["x"][i], arrows["x"][i + 1])
        for i in range(0, len(arrows["x"]), 3)
    }
    assert segments == {
        "T.A.1": (2030.0, 2027.5),
        "T.A.3": (2030.0, 2030.0),
        "P.1": (2034.0, 2029.0),  # from beyond the horizon (2036), drawn from its end
    }
    assert arrows["marker"]["angleref"] == "previous"
    heads = {
        arrows["meta"]["codes"][i]: arrows["marker"]["symbol"][i + 1]
        for i in range(0, len(arrows["x"]), 3)
    }
    assert heads == {"T.A.1": "arrow", "T.A.3": "circle", "P.1": "arrow"}
    assert arrows["name"] == "Change since round 1"


def test_comparison_arrows_are_drawn_just_above_the_fields_row():
    figure = build(previous=PREVIOUS, compare=True)
    [arrows] = traces(figure, "compare")
    row = figure["layout"]["meta"]["node_rows"]["T.A.1"]
    assert -0.5 < arrows["y"][0] - row < 0


def test_comparison_arrows_are_hidden_until_asked_for():
    [arrows] = traces(build(previous=PREVIOUS), "compare")
    assert arrows["visible"] is False


def test_without_a_previous_round_there_is_nothing_to_compare():
    figure = build(compare=True)
    assert traces(figure, "compare") == []
    assert figure["layout"]["meta"]["compare"] is False


# --- Structure for readers of the JSON ----------------------------------------------------------


def test_only_field_traces_carry_customdata_and_each_point_starts_with_a_leaf_code():
    figure = build(previous=PREVIOUS, compare=True)
    leaves = {"T.A.1", "T.A.2", "T.A.3", "T.A.4", "P.1", "P.2", "E.PO"}
    for trace in figure["data"]:
        if trace["meta"]["role"] == "field":
            assert all(row[0] in leaves for row in trace["customdata"])
            assert trace["meta"]["columns"][:2] == ["code", "expected_year"]
        else:
            assert "customdata" not in trace


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_figure_is_valid_for_plotly(language: str):
    go.Figure(build(previous=PREVIOUS, compare=True, language=language, title="A study"))


def test_an_empty_snapshot_draws_the_framework_without_points():
    figure = build(document(), milestones=[])
    assert points(figure) == {}
    go.Figure(figure)


# --- The table ---------------------------------------------------------------------------------


def test_the_table_is_sorted_by_expected_year():
    headers, rows = figures.roadmap_table(
        document=ROUND, nodes=NODES, base_year=BASE, language="en"
    )
    assert headers[:5] == ["Code", "Field", "Layer", "Factor", "Expected year"]
    assert [row[0] for row in rows] == ["T.A.1", "P.1", "T.A.3", "P.2", "T.A.2"]
    first = rows[0]
    assert first[4:8] == [2027.5, 2026.0, 2029.0, 4.5]
    assert first[8] == "Yes"


def test_fields_without_expected_year_come_last_in_the_table():
    doc = document(maturity("T.A.1", None, n=0), maturity("T.A.2", 2040.0))
    _headers, rows = figures.roadmap_table(document=doc, nodes=NODES, base_year=BASE, language="en")
    assert [row[0] for row in rows] == ["T.A.2", "T.A.1"]
    assert rows[1][4] is None


def test_the_label_margin_fits_the_widest_label_counting_cjk_characters_twice():
    def row(kind: str, name: str) -> figures.Row:
        return figures.Row(kind=kind, code="X", layer="X", label=name, full=name)

    latin = row("leaf", "a" * 20)  # 20 columns
    chinese = row("leaf", "脑" * 15)  # 30 columns
    assert figures.label_margin([latin]) == math.ceil(20 * 6.4) + 12
    assert figures.label_margin([latin, chinese]) == math.ceil(30 * 6.4) + 12
    # Bold group labels are wider; names past the cut count only what is shown.
    assert figures.label_margin([row("layer", "a" * 20)]) > figures.label_margin([latin])
    long_name = row("leaf", "b" * 200)
    assert figures.label_margin([long_name]) == math.ceil(figures.LABEL_WIDTH * 6.4) + 12
    assert figures.label_margin([]) == 12


def test_the_roadmap_starts_with_a_margin_wide_enough_for_its_labels():
    figure = build()
    layout = figure["layout"]
    rows = figures.plan_rows(nodes=NODES, milestones=MILESTONES, language="en").rows
    assert layout["margin"]["l"] == figures.label_margin(rows) > 12
    assert layout["yaxis"]["automargin"] is True  # a wider label still gets room
    # Labels are not measured again to hide overflowing ones (the margin holds them).
    assert layout["yaxis"]["ticklabeloverflow"] == "allow"
