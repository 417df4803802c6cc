"""Rounds: creating, opening and closing them, the panel table, reminders."""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from ...models import Round
from ...services import invitation_link
from .. import services
from ..access import round_of, study_access
from ..selectors import panel_rows, round_progress
from ..services import ConsoleError
from .common import render_study


@login_required
def rounds(request: HttpRequest, slug: str) -> HttpResponse:
    access = study_access(request, slug)
    items = [
        (round_, round_progress(round_=round_) if round_.status != Round.Status.DRAFT else None)
        for round_ in access.study.rounds.order_by("number")
    ]
    return render_study(
        request,
        "console/rounds.html",
        access,
        "rounds",
        {
            "items": items,
            "has_draft": any(r.status == Round.Status.DRAFT for r, _p in items),
        },
    )


@login_required
@require_POST
def round_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = study_access(request, slug, change=True)
    try:
        round_ = services.round_create(study=access.study)
    except ConsoleError as exc:
        messages.error(request, str(exc))
        return redirect("console:rounds", slug=slug)
    messages.success(
        request,
        _("Round %(number)s is created as a draft. Open it when the panel is ready.")
        % {"number": round_.number},
    )
    return redirect("console:round", slug=slug, number=round_.number)


@login_required
def round_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    access = study_access(request, slug)
    round_ = round_of(access, number)
    rows = panel_rows(round_=round_)
    site = settings.SITE_URL.rstrip("/")
    links = {}
    if access.can_change and round_.status == Round.Status.OPEN:
        links = {
            row.panelist.pk: site + invitation_link(invitation=row.invitation)
            for row in rows
            if row.invitation is not None
        }
    return render_study(
        request,
        "console/round.html",
        access,
        "rounds",
        {
            "round": round_,
            "rows": [(row, links.get(row.panelist.pk)) for row in rows],
            "progress": round_progress(round_=round_, rows=rows),
            "without_email": [row for row in rows if not row.has_email],
            "js_labels": {
                "rate": _("%(submitted)s of %(invited)s submitted (%(percent)s%%)"),
                "states": {
                    "invited": pgettext("panelist state", "invited"),
                    "opened": pgettext("panelist state", "opened"),
                    "draft": pgettext("panelist state", "draft"),
                    "submitted": pgettext("panelist state", "submitted"),
                },
            },
        },
    )


@login_required
def round_progress_json(request: HttpRequest, slug: str, number: int) -> JsonResponse:
    """The response rate and each panelist's state, polled by the round page."""
    access = study_access(request, slug)
    round_ = round_of(access, number)
    rows = panel_rows(round_=round_)
    progress = round_progress(round_=round_, rows=rows)
    response = JsonResponse(
        {
            "round": round_.number,
            "status": round_.status,
            **progress.to_json(),
            "states": {row.panelist.pseudonym: row.state for row in rows},
        }
    )
    response["Cache-Control"] = "no-store"
    return response


def _round_changed(
    request: HttpRequest, slug: str, round_: Round, change: Callable[..., Round], done: str
) -> HttpResponse:
    """Open or close the round, say how it went, and show the round."""
    try:
        change(round_=round_)
    except ConsoleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("console:round", slug=slug, number=round_.number)


@login_required
def round_open(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """GET: what opening will do (e-mails to send, links to share); POST: open the round."""
    access = study_access(request, slug, change=True)
    round_ = round_of(access, number)
    if request.method == "POST":
        done = _("Round %(number)s is open. The invitations are being sent.")
        return _round_changed(
            request, slug, round_, services.round_start, done % {"number": number}
        )
    panelists = list(access.study.panelists.order_by("pseudonym"))
    return render_study(
        request,
        "console/round_open.html",
        access,
        "rounds",
        {
            "round": round_,
            "with_email": [p for p in panelists if p.email],
            "without_email": [p for p in panelists if not p.email],
            "open_round": access.study.rounds.filter(status=Round.Status.OPEN).first(),
        },
    )


@login_required
def round_close(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """GET: what closing means (late answers refused); POST: close the round."""
    access = study_access(request, slug, change=True)
    round_ = round_of(access, number)
    if request.method == "POST":
        done = _("Round %(number)s is closed. The results are being recomputed.")
        return _round_changed(
            request, slug, round_, services.round_finish, done % {"number": number}
        )
    rows = panel_rows(round_=round_)
    return render_study(
        request,
        "console/round_close.html",
        access,
        "rounds",
        {
            "round": round_,
            "progress": round_progress(round_=round_, rows=rows),
            "drafts": [row for row in rows if row.state == "draft"],
        },
    )


@login_required
@require_POST
def round_remind(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    access = study_access(request, slug, change=True)
    round_ = round_of(access, number)
    try:
        services.reminders_schedule(round_=round_)
    except ConsoleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _(
                "Reminders are being sent to the panelists with an e-mail address who have not "
                "submitted (not twice within 10 minutes)."
            ),
        )
    return redirect("console:round", slug=slug, number=number)
