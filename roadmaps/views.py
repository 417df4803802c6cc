"""The roadmap pages, their exports and the milestone editor (thin: parse, load, render)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from surveys.i18n import localized
from surveys.models import Milestone, Study
from surveys.permissions import role_of

from . import exports, figures
from .forms import MilestoneForm
from .selectors import Roadmap, roadmap_figure_build, roadmap_load, roadmap_title
from .services import MilestoneError, milestone_create, milestone_delete, milestone_update


def _study(request: HttpRequest, slug: str, *, change: bool = False) -> tuple[Study, str]:
    """The study and the user's role; 404 for a study the user may not see (no leak)."""
    study = get_object_or_404(Study, slug=slug)
    role = role_of(request.user, study)
    if role is None:
        raise Http404
    if change and role not in ("admin", "analyst"):
        raise PermissionDenied
    return study, role


def _language() -> str:
    return translation.get_language() or "en"


def _roadmap(study: Study, number: int) -> Roadmap:
    roadmap = roadmap_load(study=study, number=number)
    if roadmap is None:
        raise Http404
    return roadmap


@login_required
def study_roadmap(request: HttpRequest, slug: str) -> HttpResponse:
    """The latest round's roadmap; `?round=N` (the round selector) goes to that round's page."""
    study, role = _study(request, slug)
    if request.GET.get("round", "").isdigit():
        target = reverse("roadmaps:round", args=[slug, int(request.GET["round"])])
        if request.GET.get("compare") == "1":
            target += "?" + urlencode({"compare": "1"})
        return redirect(target)
    return _render_roadmap(request, study, role, roadmap_load(study=study))


@login_required
def round_roadmap(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    study, role = _study(request, slug)
    return _render_roadmap(request, study, role, _roadmap(study, number))


def _render_roadmap(
    request: HttpRequest, study: Study, role: str, roadmap: Roadmap | None
) -> HttpResponse:
    language = _language()
    context: dict[str, Any] = {
        "study": study,
        "study_title": study.display_title(language),
        "roadmap": roadmap,
        "can_change": role in ("admin", "analyst"),
    }
    if roadmap is None:
        return render(request, "roadmaps/roadmap.html", context)
    compare = request.GET.get("compare") == "1" and roadmap.previous is not None
    figure = roadmap_figure_build(
        roadmap, language=language, current_year=timezone.now().year, compare=compare
    )
    headers, rows = exports.table(roadmap, language)
    field_traces = [t for t in figure["data"] if t["meta"]["role"] == "field"]
    keys = {row[4] for trace in field_traces for row in trace["customdata"]}
    verdict_keys = [
        *figures.ADVANTAGE_SYMBOLS,
        *(f"stage:{s}" for s in reversed(figures.STAGE_ORDER)),
        "stage:none",
        "none",
    ]
    low, high = study.method_settings.importance_scale
    with translation.override(language):
        verdicts = [(key, figures.verdict_key_label(key)) for key in verdict_keys if key in keys]
    context.update(
        compare=compare,
        headers=headers,
        table_body=exports.table_body_html(rows),
        field_count=len(rows),
        layers=[
            (node["code"], localized(node["name"], language))
            for node in roadmap.nodes
            if node["parent"] is None
        ],
        verdicts=verdicts,
        importance_low=low,
        importance_high=high,
        payload={
            "figure": figure,
            "config": exports.plot_config(exports.export_filename(roadmap)),
            "filename": exports.export_filename(roadmap),
            "compare": compare,
            "importance": [low, high],
            "labels": {
                "svg": _("Download as SVG"),
                "count": _("Showing %(shown)s of %(total)s fields"),
            },
        },
        computed_at=parse_datetime(roadmap.document.get("computed_at") or ""),
    )
    return render(request, "roadmaps/roadmap.html", context)


@login_required
def export_html(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    study, _role = _study(request, slug)
    roadmap = _roadmap(study, number)
    language = _language()
    compare = request.GET.get("compare") == "1"
    figure = roadmap_figure_build(
        roadmap,
        language=language,
        current_year=timezone.now().year,
        compare=compare,
        title=roadmap_title(roadmap, language),
    )
    response = HttpResponse(
        exports.standalone_html(roadmap, figure, language), content_type="text/html; charset=utf-8"
    )
    # A file to keep and open offline; served as a download so that no inline script runs here.
    response["Content-Disposition"] = (
        f'attachment; filename="{exports.export_filename(roadmap)}.html"'
    )
    return response


@login_required
def figure_json(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    study, _role = _study(request, slug)
    roadmap = _roadmap(study, number)
    language = _language()
    figure = roadmap_figure_build(
        roadmap,
        language=language,
        current_year=timezone.now().year,
        compare=request.GET.get("compare") == "1",
        title=roadmap_title(roadmap, language),
    )
    return HttpResponse(exports.figure_json(figure), content_type="application/json")


@login_required
def table_csv(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    study, _role = _study(request, slug)
    roadmap = _roadmap(study, number)
    response = HttpResponse(
        exports.table_csv(roadmap, _language()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{exports.export_filename(roadmap)}-table.csv"'
    )
    return response


# --- Milestones -------------------------------------------------------------------------------


@login_required
def milestone_list(request: HttpRequest, slug: str) -> HttpResponse:
    study, role = _study(request, slug)
    milestones = (
        Milestone.objects.filter(study=study)
        .select_related("node")
        .order_by("year", "position", "pk")
    )
    return render(
        request,
        "roadmaps/milestones.html",
        {
            "study": study,
            "study_title": study.display_title(),
            "milestones": [
                {
                    "pk": m.pk,
                    "year": m.year,
                    "node": m.node,
                    "label": localized(m.label),
                    "label_en": localized(m.label, "en"),
                    "label_zh": localized(m.label, "zh-hans"),
                }
                for m in milestones
            ],
            "can_change": role in ("admin", "analyst"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def milestone_add(request: HttpRequest, slug: str) -> HttpResponse:
    study, _role = _study(request, slug, change=True)
    return _milestone_form(request, study, None)


@login_required
@require_http_methods(["GET", "POST"])
def milestone_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    study, _role = _study(request, slug, change=True)
    return _milestone_form(request, study, get_object_or_404(Milestone, pk=pk, study=study))


def _milestone_form(
    request: HttpRequest, study: Study, milestone: Milestone | None
) -> HttpResponse:
    """The form that adds a milestone (`milestone` None) or changes one."""
    form = MilestoneForm(request.POST or None, study=study, milestone=milestone)
    if request.method == "POST" and form.is_valid():
        fields = {
            "node": form.cleaned_data["node"],
            "year": form.cleaned_data["year"],
            "label": form.label,
        }
        try:
            if milestone is None:
                milestone_create(study=study, **fields)
            else:
                milestone_update(milestone=milestone, **fields)
        except MilestoneError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Milestone added.") if milestone is None else _("Milestone saved.")
            )
            return redirect("roadmaps:milestones", slug=study.slug)
    return render(
        request,
        "roadmaps/milestone_form.html",
        {
            "study": study,
            "study_title": study.display_title(),
            "form": form,
            "adding": milestone is None,
            "milestone": milestone,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def milestone_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    study, _role = _study(request, slug, change=True)
    milestone = get_object_or_404(Milestone, pk=pk, study=study)
    if request.method == "POST":
        milestone_delete(milestone=milestone)
        messages.success(request, _("Milestone deleted."))
        return redirect("roadmaps:milestones", slug=slug)
    return render(
        request,
        "roadmaps/milestone_confirm_delete.html",
        {
            "study": study,
            "study_title": study.display_title(),
            "milestone": milestone,
            "label": localized(milestone.label),
        },
    )
