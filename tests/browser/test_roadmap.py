"""The roadmap page in Chromium: drawing, filters, comparison, downloads, print, offline export."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from scoring.recompute import round_recompute
from surveys.models import Round, StudyRole
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db(transaction=True)
LOAD_TIMEOUT = 60_000

# How many points Plotly drew in the field traces (the points of the SVG, not the data).
DRAWN_FIELDS = """() => {
  const graph = document.getElementById('roadmap');
  return graph._fullData
    .filter((trace) => trace.meta && trace.meta.role === 'field' && trace.visible === true)
    .map((trace) => graph.querySelectorAll('g.trace' + trace.uid + ' path.point').length)
    .reduce((sum, count) => sum + count, 0);
}"""


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Static URLs without the collected manifest: the tests do not run collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def study(demo_study):
    for round_ in Round.objects.filter(study=demo_study, answers_version__gt=0):
        round_recompute(round_id=round_.pk)
    return demo_study


def sign_in(page, live_server, study) -> None:
    user = UserFactory()
    grant(user, study, StudyRole.Role.ANALYST)
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def open_roadmap(page, live_server, study, query: str = "") -> dict:
    sign_in(page, live_server, study)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # plotly.js is 4.8 MB of script: allow a slow, busy machine time to evaluate it.
    page.goto(f"/roadmap/{study.slug}/round/2/{query}", timeout=LOAD_TIMEOUT)
    page.wait_for_selector("#roadmap[data-ready='true']", timeout=LOAD_TIMEOUT)
    assert errors == []
    return json.loads(page.locator("#roadmap-data").text_content())


def field_rows(payload: dict) -> list[list]:
    return [
        row
        for trace in payload["figure"]["data"]
        if trace["meta"]["role"] == "field"
        for row in trace["customdata"]
    ]


def set_range(page, selector: str, value: float) -> None:
    page.eval_on_selector(
        selector,
        "(input, value) => { input.value = value; input.dispatchEvent(new Event('input')); }",
        value,
    )


def test_the_roadmap_draws_every_field(page, live_server, study):
    payload = open_roadmap(page, live_server, study)
    assert len(field_rows(payload)) == 25
    assert page.evaluate(DRAWN_FIELDS) == 25
    assert page.locator("#roadmap-count").text_content() == "Showing 25 of 25 fields"
    # The milestones of the environment layer are drawn with their labels.
    assert page.locator("#roadmap text", has_text="China Brain Project").count() == 1


def test_the_importance_filter_hides_the_less_important_fields(page, live_server, study):
    rows = field_rows(open_roadmap(page, live_server, study))
    set_range(page, "#filter-importance", 4)
    kept = [r for r in rows if r[2] is not None and r[2] >= 4]
    assert 0 < len(kept) < 25
    assert page.evaluate(DRAWN_FIELDS) == len(kept)
    assert page.locator("#roadmap-count").text_content() == f"Showing {len(kept)} of 25 fields"


def test_the_layer_filter_zooms_on_one_swimlane(page, live_server, study):
    payload = open_roadmap(page, live_server, study)
    page.select_option("#filter-layer", "P")
    assert page.evaluate(DRAWN_FIELDS) == len([r for r in field_rows(payload) if r[3] == "P"])
    first, last = payload["figure"]["layout"]["meta"]["layers"]["P"]
    y_range = page.evaluate("() => document.getElementById('roadmap').layout.yaxis.range")
    assert y_range == [last + 0.5, first - 0.5]


def test_the_verdict_filter_keeps_one_verdict(page, live_server, study):
    rows = field_rows(open_roadmap(page, live_server, study))
    page.select_option("#filter-verdict", "yes")
    assert page.evaluate(DRAWN_FIELDS) == len([r for r in rows if r[4] == "yes"])
    page.click("#filter-reset")
    assert page.evaluate(DRAWN_FIELDS) == 25


def test_comparison_mode_draws_arrows_from_the_previous_round(page, live_server, study):
    open_roadmap(page, live_server, study)
    visible = """() => document.getElementById('roadmap').data
        .filter((t) => t.meta.role === 'compare').map((t) => t.visible)"""
    assert page.evaluate(visible) == [False]
    page.check("#roadmap-compare")
    assert page.evaluate(visible) == [True]
    assert "compare=1" in page.url
    assert page.locator("#roadmap g.trace path.point").count() > 25


def test_the_image_buttons_download_png_and_svg(page, live_server, study):
    open_roadmap(page, live_server, study)
    for label, extension in (("Image (PNG)", "png"), ("Image (SVG)", "svg")):
        with page.expect_download() as download:
            page.get_by_role("button", name=label).click()
        assert download.value.suggested_filename == f"{study.slug}-roadmap-round2.{extension}"


def test_the_print_layout_is_one_landscape_page(page, live_server, study):
    open_roadmap(page, live_server, study)
    page.emulate_media(media="print")
    # Printing fires beforeprint, which fits the figure to the page, and afterprint, which
    # gives the screen its layout back.
    pdf = page.pdf(format="A4", landscape=True, print_background=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    assert page.evaluate("() => document.getElementById('roadmap').style.zoom") == ""


def test_the_standalone_html_opens_offline_and_draws_every_field(
    page, browser, live_server, study, tmp_path
):
    open_roadmap(page, live_server, study)
    response = page.request.get(f"/roadmap/{study.slug}/round/2/export.html")
    assert response.ok
    path = tmp_path / "roadmap.html"
    path.write_bytes(response.body())

    offline = browser.new_context(offline=True)
    requested: list[str] = []
    offline.on("request", lambda request: requested.append(request.url))
    try:
        sheet = offline.new_page()
        sheet.goto(path.as_uri(), timeout=LOAD_TIMEOUT)
        sheet.wait_for_selector("#roadmap .scatterlayer", timeout=LOAD_TIMEOUT)
        assert sheet.evaluate(DRAWN_FIELDS) == 25
        assert [url for url in requested if not url.startswith("file:")] == []
        assert sheet.locator("table tbody tr").count() == 25
    finally:
        offline.close()


def test_the_roadmap_scrolls_sideways_on_a_phone(phone_page, live_server, study):
    open_roadmap(phone_page, live_server, study)
    assert phone_page.evaluate(DRAWN_FIELDS) == 25
    scroll = phone_page.locator(".roadmap-scroll")
    assert scroll.evaluate("(box) => box.scrollWidth > box.clientWidth")
    # The page itself does not scroll sideways: only the figure's box does.
    assert phone_page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth + 1"
    )
