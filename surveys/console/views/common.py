"""What every console page shares: the study's sub-navigation and file responses."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..access import Access

SECTIONS = (
    ("overview", _("Overview")),
    ("framework", _("Framework")),
    ("panel", _("Panel")),
    ("rounds", _("Rounds")),
    ("results", _("Results")),
    ("exports", _("Exports")),
    ("roadmap", _("Roadmap")),
    ("settings", _("Settings")),
    ("audit", _("Audit log")),
)


def render_study(
    request: HttpRequest,
    template: str,
    access: Access,
    section: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    slug = access.study.slug
    # The roadmap pages belong to the roadmaps app, at /roadmap/<slug>/.
    links = [
        (
            key,
            label,
            f"/roadmap/{slug}/" if key == "roadmap" else reverse(f"console:{key}", args=[slug]),
        )
        for key, label in SECTIONS
        if key != "audit" or access.can_change
    ]
    return render(
        request,
        template,
        {
            "access": access,
            "study": access.study,
            "section": section,
            "sections": links,
            **(context or {}),
        },
        status=status,
    )


def download(content: bytes | str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
JSON = "application/json; charset=utf-8"
