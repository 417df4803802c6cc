"""The audit log: what analysts and administrators do, recorded as it happens.

A middleware records every successful change (any method but GET/HEAD/OPTIONS) made by a
signed-in user in the console, the roadmap pages, the REST API and the admin, and every
download of study data (exports), with the study it concerns. Recording at the edge rather than
in each service means a new page cannot forget it.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry, Study

AUDITED_PREFIXES = ("/console/", "/roadmap/", "/api/", "/admin/")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Reads that hand out study data are audited too.
AUDITED_DOWNLOADS = {
    "console:export_results",
    "console:export_answers",
    "console:export_bundle",
    "roadmaps:export_html",
    "roadmaps:table_csv",
    "roadmaps:figure_json",
    "api:answer-list",
    "api:round-results",
}

ACTION_LABELS = {
    "console:study_new": _("created the study"),
    "console:study_import": _("imported the study from a bundle"),
    "console:settings": _("changed the study's settings"),
    "console:role_add": _("gave a user a role"),
    "console:role_remove": _("removed a user's role"),
    "console:node_add": _("added a framework node"),
    "console:node_edit": _("renamed a framework node"),
    "console:node_measures": _("changed a node's questions"),
    "console:node_move": _("moved a framework node"),
    "console:node_delete": _("deleted a framework node"),
    "console:framework_upload": _("replaced the framework from a file"),
    "console:panelist_add": _("added a panelist"),
    "console:panel_import": _("previewed a panel import"),
    "console:panel_import_confirm": _("imported panelists"),
    "console:panelist_remove": _("removed a panelist"),
    "console:round_create": _("created a round"),
    "console:round_open": _("opened a round"),
    "console:round_close": _("closed a round"),
    "console:round_remind": _("sent reminders"),
    "console:export_results": _("downloaded results"),
    "console:export_answers": _("downloaded raw answers"),
    "console:export_bundle": _("downloaded the study bundle"),
    "roadmaps:export_html": _("downloaded the roadmap"),
    "roadmaps:table_csv": _("downloaded the roadmap table"),
    "roadmaps:figure_json": _("downloaded the roadmap figure"),
    "api:answer-list": _("downloaded raw answers (API)"),
    "api:round-results": _("downloaded results (API)"),
}


def action_label(action: str) -> str:
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    if action.startswith("api:"):
        return str(_("changed data through the API"))
    if action.startswith("admin:"):
        return str(_("changed data in the administration"))
    return action


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self._audited(request, response):
            self._record(request, response)
        return response

    @staticmethod
    def _audited(request: HttpRequest, response: HttpResponse) -> bool:
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        if user is None or not user.is_authenticated or match is None:
            return False
        if not request.path.startswith(AUDITED_PREFIXES) or response.status_code >= 400:
            return False
        return request.method not in SAFE_METHODS or match.view_name in AUDITED_DOWNLOADS

    @staticmethod
    def _record(request: HttpRequest, response: HttpResponse) -> None:
        match = request.resolver_match
        assert match is not None
        slug = match.kwargs.get("slug") or match.kwargs.get("study_slug")
        study = Study.objects.filter(slug=slug).first() if slug else None
        AuditEntry.objects.create(
            user=request.user if request.user.is_authenticated else None,
            username=request.user.get_username(),
            study=study,
            action=match.view_name[:100],
            method=request.method or "",
            path=request.get_full_path()[:500],
            status=response.status_code,
        )
