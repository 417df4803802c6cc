"""The roadmap pages: who sees them, what they hold, how fast they are built."""

import json
import time

import pytest
from django.urls import reverse

from surveys.models import Milestone, StudyRole
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


def page_payload(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="roadmap-data" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def field_points(figure: dict) -> dict:
    return {
        row[0]: (trace["x"][i], row[1])
        for trace in figure["data"]
        if trace["meta"]["role"] == "field"
        for i, row in enumerate(trace["customdata"])
    }


@pytest.fixture
def analyst(scored_demo):
    user = UserFactory()
    grant(user, scored_demo, StudyRole.Role.ANALYST)
    return user


@pytest.fixture
def viewer(scored_demo):
    user = UserFactory()
    grant(user, scored_demo, StudyRole.Role.VIEWER)
    return user


def url(name: str, *args) -> str:
    return reverse(f"roadmaps:{name}", args=args)


# --- Who sees it -------------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in(client, scored_demo):
    response = client.get(url("study", scored_demo.slug))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_user_without_a_role_in_the_study_gets_not_found(client, scored_demo):
    client.force_login(UserFactory())
    assert client.get(url("study", scored_demo.slug)).status_code == 404
    assert client.get(url("export_html", scored_demo.slug, 2)).status_code == 404
    assert client.get(url("table_csv", scored_demo.slug, 2)).status_code == 404


def test_a_viewer_sees_the_latest_rounds_roadmap(client, scored_demo, viewer):
    client.force_login(viewer)
    response = client.get(url("study", scored_demo.slug))
    assert response.status_code == 200
    payload = page_payload(response)
    assert len(field_points(payload["figure"])) == 25
    assert "Round 2" in response.content.decode()


def test_the_round_selector_leads_to_the_chosen_rounds_page(client, scored_demo, viewer):
    client.force_login(viewer)
    response = client.get(url("study", scored_demo.slug), {"round": "1", "compare": "1"})
    assert response.status_code == 302
    assert response["Location"] == url("round", scored_demo.slug, 1) + "?compare=1"


def test_a_round_without_results_is_not_found(client, scored_demo, viewer):
    client.force_login(viewer)
    assert client.get(url("round", scored_demo.slug, 9)).status_code == 404


def test_a_study_without_results_says_so(client, small_study):
    user = UserFactory()
    grant(user, small_study, StudyRole.Role.VIEWER)
    client.force_login(user)
    response = client.get(url("study", small_study.slug))
    assert response.status_code == 200
    assert "no results to draw yet" in response.content.decode()
    assert "roadmap-data" not in response.content.decode()


# --- What the page holds -----------------------------------------------------------------------


def test_the_page_loads_plotly_from_static_files_and_keeps_code_out_of_the_page(
    client, analyst, scored_demo
):
    client.force_login(analyst)
    html = client.get(url("round", scored_demo.slug, 2)).content.decode()
    assert '<script src="/static/vendor/plotly-cartesian.min.js">' in html
    assert '<script src="/static/js/roadmap.js">' in html
    # Only the data script: no inline code (a content security policy will forbid it).
    scripts = html.split("<script")[1:]
    assert all(s.startswith(" src=") or 'type="application/json"' in s[:80] for s in scripts)
    assert "Plotly.newPlot" not in html


def test_field_positions_on_the_page_match_the_snapshot(client, analyst, scored_demo):
    from scoring.selectors import snapshot_document

    client.force_login(analyst)
    figure = page_payload(client.get(url("round", scored_demo.slug, 2)))["figure"]
    document = snapshot_document(round_=scored_demo.rounds.get(number=2))
    expected = {
        e["node"]: e["expected_year"] for e in document["results"] if e["measure"] == "maturity"
    }
    found = field_points(figure)
    assert {code: year for code, (_x, year) in found.items()} == expected
    for x, year in found.values():
        assert x == min(year, scored_demo.horizon_end)


def test_comparison_mode_shows_the_arrows_from_the_previous_round(client, analyst, scored_demo):
    client.force_login(analyst)
    plain = page_payload(client.get(url("round", scored_demo.slug, 2)))["figure"]
    compared = page_payload(client.get(url("round", scored_demo.slug, 2), {"compare": "1"}))
    [arrows] = [t for t in compared["figure"]["data"] if t["meta"]["role"] == "compare"]
    assert arrows["visible"] is True
    assert len(arrows["x"]) == 3 * 25
    assert [t["visible"] for t in plain["data"] if t["meta"]["role"] == "compare"] == [False]


def test_round_one_has_nothing_to_compare_with(client, analyst, scored_demo):
    client.force_login(analyst)
    response = client.get(url("round", scored_demo.slug, 1), {"compare": "1"})
    assert not [
        t for t in page_payload(response)["figure"]["data"] if t["meta"]["role"] == "compare"
    ]
    assert 'id="roadmap-compare"' not in response.content.decode()


def test_the_page_is_in_chinese_for_a_chinese_reader(client, analyst, scored_demo):
    client.force_login(analyst)
    response = client.get(url("round", scored_demo.slug, 2), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert "路线图表格" in html
    labels = page_payload(response)["figure"]["layout"]["yaxis"]["ticktext"]
    assert "脑图谱构建" in labels


def test_milestones_of_the_environment_layer_are_on_the_page(client, analyst, scored_demo):
    client.force_login(analyst)
    figure = page_payload(client.get(url("round", scored_demo.slug, 2)))["figure"]
    [trace] = [t for t in figure["data"] if t["meta"]["role"] == "milestone"]
    assert len(trace["x"]) == Milestone.objects.filter(study=scored_demo).count() == 6
    assert set(trace["meta"]["codes"]) == {"E.PO", "E.MK"}


# --- Exports -----------------------------------------------------------------------------------


def test_the_standalone_html_inlines_plotly_and_is_a_download(client, analyst, scored_demo):
    client.force_login(analyst)
    response = client.get(url("export_html", scored_demo.slug, 2))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    html = response.content.decode()
    assert "<script src=" not in html  # nothing to fetch: it opens offline
    assert "Plotly.newPlot" in html and len(html) > 3_000_000
    assert "Brain atlas construction" in html


def test_the_figure_json_names_every_field_with_its_year(client, analyst, scored_demo):
    client.force_login(analyst)
    response = client.get(url("figure_json", scored_demo.slug, 1))
    assert response["Content-Type"] == "application/json"
    figure = json.loads(response.content)
    assert len(field_points(figure)) == 25
    assert "round 1" in figure["layout"]["title"]["text"]


def test_the_table_csv_is_sorted_by_expected_year(client, analyst, scored_demo):
    client.force_login(analyst)
    response = client.get(url("table_csv", scored_demo.slug, 2))
    assert response["Content-Disposition"].endswith('-table.csv"')
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Code,Field,Layer,Factor,Expected year")
    years = [float(line.split(",")[-12]) for line in lines[1:] if line]
    assert len(years) == 25
    assert years == sorted(years)


def test_the_table_csv_cannot_carry_a_formula(client, analyst, scored_demo):
    node = scored_demo.nodes.get(code="T.BR.1")
    node.name = {"en": '=HYPERLINK("http://x")', "zh-hans": "x"}
    node.save()
    client.force_login(analyst)
    text = client.get(url("table_csv", scored_demo.slug, 2)).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text and ',"=HYPERLINK' not in text


# --- Speed -------------------------------------------------------------------------------------


def test_a_300_field_roadmap_takes_a_constant_number_of_queries(
    client, large_study, django_assert_max_num_queries
):
    user = UserFactory()
    grant(user, large_study, StudyRole.Role.VIEWER)
    client.force_login(user)
    with django_assert_max_num_queries(10):
        response = client.get(url("round", large_study.slug, 2), {"compare": "1"})
    assert len(field_points(page_payload(response)["figure"])) == 300


def test_a_300_field_roadmap_page_is_served_well_under_a_second(client, large_study):
    user = UserFactory()
    grant(user, large_study, StudyRole.Role.VIEWER)
    client.force_login(user)
    client.get(url("round", large_study.slug, 2))  # templates and translations loaded once
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        response = client.get(url("round", large_study.slug, 2), {"compare": "1"})
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    assert min(timings) < 0.6, timings
