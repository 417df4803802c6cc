"""A round's result dashboards, read from its snapshot (and those of the rounds before it)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation

from scoring.selectors import latest_scored_round, scored_round_numbers

from ...models import Round
from ..access import round_of, study_access
from ..dashboards import chart_payload, dashboard_build
from ..selectors import remarks
from .common import render_study


@login_required
def results(request: HttpRequest, slug: str) -> HttpResponse:
    """The latest round with results; a page saying there are none yet otherwise."""
    access = study_access(request, slug)
    round_ = latest_scored_round(study=access.study)
    if round_ is not None:
        return redirect("console:results_round", slug=slug, number=round_.number)
    return render_study(request, "console/results_empty.html", access, "results")


@login_required
def results_round(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    access = study_access(request, slug)
    round_ = round_of(access, number)
    language = translation.get_language() or "en"
    board = dashboard_build(round_=round_, language=language)
    scored = scored_round_numbers(study=access.study)
    return render_study(
        request,
        "console/results.html",
        access,
        "results",
        {
            "round": round_,
            "board": board,
            "payload": chart_payload(board),
            "remarks": remarks(round_=round_, identities=access.identities),
            "round_choices": [
                (r.number, r.number in scored) for r in access.study.rounds.order_by("number")
            ],
            "is_open": round_.status == Round.Status.OPEN,
        },
    )
