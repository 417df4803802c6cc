"""The study's audit log, for its analysts and the administrators."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse

from ...audit import action_label
from ...models import AuditEntry
from ..access import study_access
from .common import render_study

PAGE_SIZE = 50


@login_required
def audit_log(request: HttpRequest, slug: str) -> HttpResponse:
    # Who did what is for those who may change the study, not for viewers.
    access = study_access(request, slug, change=True)
    entries = AuditEntry.objects.filter(study=access.study).only(
        "at", "username", "action", "method", "path", "status"
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(entry, action_label(entry.action)) for entry in page]
    return render_study(
        request, "console/audit.html", access, "audit", {"page": page, "rows": rows}
    )
