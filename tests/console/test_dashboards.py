"""The result dashboards render for the demo study in both languages, from its snapshots."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from roadmaps import charts
from scoring.selectors import snapshot_document
from surveys.console.dashboards import chart_tree, dashboard_build
from surveys.models import Answer, Submission

pytestmark = pytest.mark.django_db


def payload(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="chart-data" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


@pytest.mark.parametrize(
    ("language", "title", "field"),
    [
        ("en", "Weighted importance by field", "Brain atlas construction"),
        ("zh-hans", "各领域加权重要性", "脑图谱构建"),
    ],
)
def test_the_round_dashboard_draws_every_chart_in_the_page_language(
    scored_demo, analyst_of, language, title, field
):
    client = analyst_of(scored_demo)
    client.cookies["django_language"] = language
    response = client.get(reverse("console:results_round", args=[scored_demo.slug, 2]))

    assert response.status_code == 200
    charts_ = payload(response)["charts"]
    assert set(charts_) >= {
        "importance-T",
        "importance-P",
        "maturity-T",
        "maturity-P",
        "stages",
        "consensus-trend",
        "iqr-importance",
        "agreement",
        "kendall",
    }
    figure = charts_["importance-T"]["figure"]
    assert title in figure["layout"]["title"]["text"]
    assert any(field in label for trace in figure["data"] for label in trace["y"])
    html = response.content.decode()
    assert "vendor/plotly-cartesian.min.js" in html and "js/console.js" in html
    assert "<script>" not in html  # no inline code: data goes in through json_script


def test_every_chart_has_a_title_axis_titles_and_a_readable_font(scored_demo):
    with translation.override("en"):
        board = dashboard_build(round_=scored_demo.rounds.get(number=2), language="en")
    for chart in board.charts():
        layout = chart.figure["layout"]
        assert layout["title"]["text"], chart.id
        assert layout["font"]["size"] >= 12, chart.id
        if chart.figure["data"][0]["type"] != "heatmap":
            assert layout["xaxis"]["title"]["text"] or layout["yaxis"]["title"]["text"], chart.id


def test_the_importance_chart_shows_the_snapshots_weighted_means_grouped_by_factor(scored_demo):
    round_ = scored_demo.rounds.get(number=1)
    document = snapshot_document(round_=round_)
    tree = chart_tree(study=scored_demo)
    figure = charts.importance_by_field(document, tree, layer="T", language="en")

    expected = {
        e["node"]: e["weighted_mean"]
        for e in document["results"]
        if e["measure"] == "importance" and e["node"].startswith("T.")
    }
    drawn = {}
    for trace in figure["data"]:
        for label, value in zip(trace["y"], trace["x"], strict=True):
            drawn[label.rsplit("(", 1)[1].rstrip(")")] = value
    assert drawn == expected
    assert [trace["name"] for trace in figure["data"]] == [
        "Basic research",
        "Key technologies",
        "Core algorithms",
    ]


def test_the_stage_chart_draws_shares_with_the_studys_30_and_60_percent_lines(scored_demo):
    document = snapshot_document(round_=scored_demo.rounds.get(number=1))
    figure = charts.stage_shares(document, chart_tree(study=scored_demo), language="en")
    assert sorted(shape["y0"] for shape in figure["layout"]["shapes"]) == [30, 60]
    entry = next(e for e in document["results"] if e["measure"] == "stages")
    rd = figure["data"][0]
    assert rd["y"][0] == pytest.approx(100 * entry["counts"]["rd"] / entry["n"])


def test_the_maturity_chart_runs_bars_from_the_base_year_to_the_expected_year(scored_demo):
    document = snapshot_document(round_=scored_demo.rounds.get(number=1))
    figure = charts.maturity_by_field(
        document,
        chart_tree(study=scored_demo),
        layer="T",
        language="en",
        base_year=2023,
        horizon_end=2033,
    )
    trace = figure["data"][0]
    entry = next(
        e for e in document["results"] if e["node"] == "T.BR.1" and e["measure"] == "maturity"
    )
    assert trace["base"] == 2023
    assert trace["x"][0] + trace["base"] == pytest.approx(entry["expected_year"])


def test_kendalls_w_is_charted_for_every_scored_round(scored_demo):
    board = dashboard_build(round_=scored_demo.rounds.get(number=2), language="en")
    documents = [snapshot_document(round_=r) for r in scored_demo.rounds.order_by("number")]
    assert board.kendall.figure["data"][0]["y"] == [d["panel"]["kendall_w"] for d in documents]


def test_the_verdict_table_lists_each_fields_verdicts(scored_demo, analyst_of):
    response = analyst_of(scored_demo).get(
        reverse("console:results_round", args=[scored_demo.slug, 1])
    )
    rows = {row.code: row for row in response.context["board"].verdicts}
    assert "T.BR.1" in rows and "P.FP.1" not in rows  # final products have no verdicts
    assert rows["T.BR.1"].entries["investment"]["verdict"] in ("yes", "no", "disputed")


def test_comments_and_reasons_appear_under_pseudonyms_never_names(scored_demo, analyst_of):
    answer = (
        Answer.objects.filter(
            submission__round__study=scored_demo,
            submission__round__number=2,
            draft=False,
            measure=1,
        )
        .select_related("submission__panelist")
        .first()
    )
    answer.reason = "Changed my mind after the panel's median."
    answer.save()
    html = (
        analyst_of(scored_demo)
        .get(reverse("console:results_round", args=[scored_demo.slug, 2]))
        .content.decode()
    )
    assert "Changed my mind after the panel&#x27;s median." in html
    assert answer.submission.panelist.pseudonym in html
    assert "Demo Expert" not in html
    comments = Answer.objects.filter(
        submission__round__study=scored_demo,
        submission__round__number=2,
        measure=6,
        draft=False,
    )
    assert comments.exists() and str(comments.first().value)[:20] in html


def test_a_round_without_a_snapshot_says_so_instead_of_computing(small_study, analyst_of):
    Submission.objects.filter(round__study=small_study).delete()
    response = analyst_of(small_study).get(
        reverse("console:results_round", args=[small_study.slug, 1])
    )
    assert response.status_code == 200
    assert "no results yet" in response.content.decode()


def test_the_results_page_opens_on_the_latest_scored_round(scored_demo, viewer_of):
    response = viewer_of(scored_demo).get(reverse("console:results", args=[scored_demo.slug]))
    assert response["Location"] == reverse("console:results_round", args=[scored_demo.slug, 2])
