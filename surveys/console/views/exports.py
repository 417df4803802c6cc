"""Downloads: results (JSON, CSV, XLSX), raw answers (CSV, XLSX) and the study bundle."""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation

from scoring.exports import results_csv, results_xlsx
from scoring.selectors import node_names, scored_round_numbers, snapshot_document

from ..access import round_of, study_access
from ..exports import answers_csv, answers_xlsx, bundle_bytes
from .common import CSV, JSON, XLSX, download, render_study

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def _language(request: HttpRequest) -> str:
    language = request.GET.get("lang") or translation.get_language() or "en"
    return language if language in LANGUAGE_CODES else "en"


@login_required
def exports(request: HttpRequest, slug: str) -> HttpResponse:
    access = study_access(request, slug)
    scored = scored_round_numbers(study=access.study)
    return render_study(
        request,
        "console/exports.html",
        access,
        "exports",
        {
            "rounds": [
                (r, r.number in scored, r.answers_version > 0)
                for r in access.study.rounds.order_by("number")
            ],
        },
    )


@login_required
def export_results(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponse:
    access = study_access(request, slug)
    round_ = round_of(access, number)
    document = snapshot_document(round_=round_)
    if document is None:
        raise Http404("no results yet")
    stem = f"{access.study.slug}-round{number}-results"
    if fmt == "json":
        content = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        return download(content, f"{stem}.json", JSON)
    language = _language(request)
    names = node_names(study=access.study)
    if fmt == "csv":
        return download(results_csv(document, names, language), f"{stem}-{language}.csv", CSV)
    if fmt == "xlsx":
        return download(results_xlsx(document, names, language), f"{stem}-{language}.xlsx", XLSX)
    raise Http404("unknown format")


@login_required
def export_answers(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponse:
    access = study_access(request, slug)
    round_ = round_of(access, number)
    language = _language(request)
    stem = f"{access.study.slug}-round{number}-answers"
    if fmt == "csv":
        content = answers_csv(round_=round_, identities=access.is_admin, language=language)
        return download(content, f"{stem}.csv", CSV)
    if fmt == "xlsx":
        content = answers_xlsx(round_=round_, identities=access.is_admin, language=language)
        return download(content, f"{stem}.xlsx", XLSX)
    raise Http404("unknown format")


@login_required
def export_bundle(request: HttpRequest, slug: str) -> HttpResponse:
    access = study_access(request, slug)
    content = bundle_bytes(study=access.study, identities=access.is_admin)
    return download(content, f"{access.study.slug}-bundle.json", JSON)
