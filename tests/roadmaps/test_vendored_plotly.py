"""The pages' plotly.js bundle is the one the pinned plotly package writes its figures for."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from plotly.offline import get_plotlyjs_version

from surveys.models import StudyRole
from tests.factories import UserFactory, grant

BUNDLE = Path(settings.BASE_DIR) / "static" / "vendor" / "plotly-cartesian.min.js"


def test_the_vendored_bundle_is_the_plotly_js_of_the_pinned_plotly_package():
    head = BUNDLE.read_text(encoding="utf-8")[:300]
    found = re.search(r"plotly\.js \(cartesian - minified\) v(\S+)", head)
    assert found, "static/vendor/plotly-cartesian.min.js has no plotly.js version banner"
    assert found.group(1) == get_plotlyjs_version(), (
        "update static/vendor/plotly-cartesian.min.js to the plotly package's plotly.js "
        "(static/vendor/README.md says how)"
    )


def embedded_json(html: str, element_id: str) -> Any:
    start = html.index(f'<script id="{element_id}" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def trace_types(value: Any) -> set[str]:
    """The trace types of every Plotly figure (`{"data": [...], "layout": ...}`) in a payload."""
    found: set[str] = set()
    if isinstance(value, dict):
        if isinstance(value.get("data"), list) and "layout" in value:
            found |= {trace.get("type", "scatter") for trace in value["data"]}
        for item in value.values():
            found |= trace_types(item)
    elif isinstance(value, list):
        for item in value:
            found |= trace_types(item)
    return found


@pytest.mark.django_db
def test_every_trace_the_pages_draw_is_in_the_bundle(client, scored_demo):
    user = UserFactory()
    grant(user, scored_demo, StudyRole.Role.ANALYST)
    client.force_login(user)
    roadmap = client.get(
        reverse("roadmaps:round", args=[scored_demo.slug, 2]) + "?compare=1"
    ).content.decode()
    dashboard = client.get(f"/console/studies/{scored_demo.slug}/results/2/").content.decode()
    drawn = trace_types(embedded_json(roadmap, "roadmap-data")) | trace_types(
        embedded_json(dashboard, "chart-data")
    )
    assert {"scatter", "bar", "heatmap"} <= drawn  # the pages were read
    # The bundle registers each trace module under its name.
    registered = set(re.findall(r'moduleType:"trace",name:"(\w+)"', BUNDLE.read_text("utf-8")))
    assert drawn <= registered, drawn - registered
