"""The panel: adding panelists one by one, or importing a file after a preview."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ...demo.simulate import AFFILIATIONS, PANEL_SIZE
from ...models import Panelist, Round, Submission
from .. import services
from ..access import study_access
from ..forms import PanelistForm, UploadForm
from ..panel_import import PreviewRow, parse_panel_file, preview_rows
from ..services import ConsoleError
from .common import CSV, XLSX, download, render_study

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def demo_panel() -> list[tuple[str, str, str, str]]:
    """The demo study's panel (surveys.demo), as rows of the import file."""
    return [
        (
            f"Demo Expert {i + 1:02d}",
            f"expert{i + 1:02d}@example.org",
            AFFILIATIONS[i % len(AFFILIATIONS)],
            "zh-hans" if i % 3 else "en",
        )
        for i in range(PANEL_SIZE)
    ]


def _session_key(study_id: int) -> str:
    return f"console-panel-import:{study_id}"


@login_required
def panel(request: HttpRequest, slug: str) -> HttpResponse:
    access = study_access(request, slug)
    panelists = list(
        Panelist.objects.filter(study=access.study)
        .order_by("pseudonym")
        .annotate(has_answered=Exists(Submission.objects.filter(panelist=OuterRef("pk"))))
    )
    return render_study(
        request,
        "console/panel.html",
        access,
        "panel",
        {
            "panelists": panelists,
            "form": PanelistForm(),
            "upload": UploadForm(),
            "open_round": access.study.rounds.filter(status=Round.Status.OPEN).first(),
        },
    )


@login_required
@require_POST
def panelist_add(request: HttpRequest, slug: str) -> HttpResponse:
    access = study_access(request, slug, change=True)
    form = PanelistForm(request.POST)
    if form.is_valid():
        try:
            panelist = services.panelist_add(study=access.study, person=form.person())
        except ConsoleError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("The panelist is added as %(pseudonym)s.") % {"pseudonym": panelist.pseudonym},
            )
            return redirect("console:panel", slug=slug)
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(
            request,
            f"{label}: {' '.join(str(e) for e in errors)}"
            if label
            else " ".join(str(e) for e in errors),
        )
    return redirect("console:panel", slug=slug)


@login_required
@require_POST
def panelist_remove(request: HttpRequest, slug: str, panelist_id: int) -> HttpResponse:
    access = study_access(request, slug, change=True)
    panelist = get_object_or_404(Panelist, pk=panelist_id, study=access.study)
    try:
        services.panelist_remove(panelist=panelist)
    except ConsoleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("%(pseudonym)s is removed.") % {"pseudonym": panelist.pseudonym}
        )
    return redirect("console:panel", slug=slug)


@login_required
def panel_import(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload a file and see every row with its problems; nothing is saved yet."""
    access = study_access(request, slug, change=True)
    rows: list[PreviewRow] | None = None
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            if file.size > MAX_UPLOAD_BYTES:
                raise ConsoleError(_("The file is larger than 5 MB."))
            parsed = parse_panel_file(name=file.name, content=file.read())
            rows = preview_rows(parsed, existing=services.existing_keys(study=access.study))
        except ConsoleError as exc:
            form.add_error("file", str(exc))
        else:
            request.session[_session_key(access.study.pk)] = [row.to_json() for row in rows]
    good = [row for row in rows or [] if not row.problems]
    return render_study(
        request,
        "console/panel_import.html",
        access,
        "panel",
        {
            "form": form,
            "rows": rows,
            "good": len(good),
            "bad": len(rows or []) - len(good),
        },
        status=400 if request.method == "POST" and rows is None else 200,
    )


@login_required
@require_POST
def panel_import_confirm(request: HttpRequest, slug: str) -> HttpResponse:
    access = study_access(request, slug, change=True)
    stored = request.session.get(_session_key(access.study.pk))
    if not stored:
        messages.error(request, _("The preview has expired: upload the file again."))
        return redirect("console:panel_import", slug=slug)
    rows = [PreviewRow(**row) for row in stored]
    good = [row for row in rows if not row.problems]
    if not good:
        messages.error(request, _("No row can be imported."))
        return redirect("console:panel_import", slug=slug)
    try:
        created = services.panel_import(study=access.study, people=good)
    except ConsoleError as exc:
        messages.error(
            request,
            _("Nothing was imported: the panel changed since the preview. %(problem)s")
            % {"problem": str(exc)},
        )
        return redirect("console:panel_import", slug=slug)
    del request.session[_session_key(access.study.pk)]
    skipped = len(rows) - len(good)
    messages.success(
        request,
        _("%(count)s panelists are imported (%(first)s to %(last)s); %(skipped)s rows skipped.")
        % {
            "count": len(created),
            "first": created[0].pseudonym,
            "last": created[-1].pseudonym,
            "skipped": skipped,
        },
    )
    return redirect("console:panel", slug=slug)


@login_required
def panel_template(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """A file to fill in: the column titles, with the demo panel as example rows."""
    access = study_access(request, slug)
    headers = ["name", "email", "affiliation", "language"]
    filename = f"{access.study.slug}-panel-template.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerows(demo_panel())
        return download("\ufeff" + buffer.getvalue(), filename, CSV)
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "panel"
        sheet.append(headers)
        for row in demo_panel():
            sheet.append(list(row))
        for letter, width in zip("ABCD", (24, 32, 44, 12), strict=True):
            sheet.column_dimensions[letter].width = width
        buffer_bytes = io.BytesIO()
        workbook.save(buffer_bytes)
        return download(buffer_bytes.getvalue(), filename, XLSX)
    raise Http404("unknown format")
