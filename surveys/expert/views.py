"""The expert's questionnaire behind a personal link (`/q/<token>/`): thin views.

The page saves every change at once through `answer` (JSON); `save` takes a whole section as a
plain form post, so the questionnaire also works with JavaScript off. The link is the only
credential: CSRF protection stays on (the page's forms and its script send the token).
"""

import contextlib
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from scoring import method

from ..framework import framework_load
from ..i18n import localized
from ..models import Invitation, Round
from ..questionnaire import (
    AnswerError,
    DraftAnswer,
    RoundClosedError,
    draft_progress,
    draft_save_many,
    invitation_open,
    submission_submit,
)
from .selectors import invitation_by_token, measure_label, questionnaire_build
from .throttle import throttle_unknown_tokens

MAX_BODY = 256 * 1024


def _activate_language(request: HttpRequest, invitation: Invitation | None) -> str:
    """The switch on the page (the language cookie) wins, then the expert's own language, then
    the browser's Accept-Language (already active through LocaleMiddleware)."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    language = translation.get_language() or settings.LANGUAGE_CODE
    if not (chosen and translation.check_for_language(chosen)):
        own = invitation.panelist.language if invitation is not None else None
        if own:
            with contextlib.suppress(LookupError):
                language = translation.get_supported_language_variant(own)
    translation.activate(language)
    request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
    return language


def _unavailable(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    return render(request, "expert/unavailable.html", {"reason": reason}, status=status)


def _gate(request: HttpRequest, token: str) -> tuple[Invitation | None, str, int]:
    """The invitation behind the token, or why the link opens nothing (reason, HTTP status)."""
    invitation = invitation_by_token(token)
    _activate_language(request, invitation)
    if invitation is None:
        return None, "unknown", 404
    if invitation.revoked_at is not None:
        return None, "revoked", 410
    if invitation.round.status == Round.Status.DRAFT:
        return None, "not_open", 404
    return invitation, "", 200


def _json_error(message: str, status: int, **extra: Any) -> JsonResponse:
    return JsonResponse({"saved": False, "error": message, **extra}, status=status)


ERRORS = {
    "unknown": (lambda: _("This link is not valid."), 404),
    "revoked": (lambda: _("This link has been withdrawn."), 410),
    "not_open": (lambda: _("This questionnaire is not open yet."), 409),
}


def _closed_error(status: str) -> JsonResponse:
    if status == Round.Status.CLOSED:
        return _json_error(_("This round is closed: answers can no longer be changed."), 409)
    return _json_error(_("This questionnaire is not open yet."), 409)


@never_cache
@throttle_unknown_tokens
@require_GET
def questionnaire(request: HttpRequest, token: str) -> HttpResponse:
    invitation, reason, status = _gate(request, token)
    if invitation is None:
        return _unavailable(request, reason, status)
    if invitation.round.status == Round.Status.OPEN:
        # The first opening records it and prefills the drafts (Delphi: previous answers
        # preselected); later openings change nothing.
        invitation_open(invitation=invitation)
    state = questionnaire_build(invitation=invitation, language=translation.get_language())
    if state.readonly and not state.submitted:
        return _unavailable(request, "closed", 410)
    return render(request, "expert/questionnaire.html", _context(state, token))


def _page_with_problems(
    request: HttpRequest, invitation: Invitation, token: str, problems: list[dict[str, str]]
) -> HttpResponse:
    """The questionnaire again (400), with what was refused listed above it."""
    state = questionnaire_build(invitation=invitation, language=translation.get_language())
    return render(
        request, "expert/questionnaire.html", _context(state, token, problems), status=400
    )


def _context(state: Any, token: str, problems: list[dict[str, str]] | None = None) -> dict:
    labels = {
        (leaf.code, q.measure): (leaf.name, q.label)
        for leaf in state.leaves_by_code().values()
        for q in leaf.questions
    }
    shown_problems = []
    for problem in problems or []:
        name, label = labels.get((problem["node"], problem["measure"]), ("", ""))
        shown_problems.append({**problem, "leaf": name, "label": label})
    return {
        "q": state,
        "token": token,
        "problems": shown_problems,
        "config": {
            "answerUrl": reverse("expert:answer", args=[token]),
            "submitUrl": reverse("expert:submit", args=[token]),
            "readonly": state.readonly,
            "reasonRequired": state.settings.reason_required,
            "submitted": state.submitted,
            "strings": _strings(),
        },
    }


def _strings() -> dict[str, str]:
    """The script's words, translated here so the script carries no text of its own."""
    return {
        "saving": _("Saving…"),
        "saved": _("All changes saved"),
        "retrying": _("Not saved yet: retrying…"),
        "failed": _("Not saved: %(message)s"),
        "offline": _(
            "No connection: your last change is kept and will be saved when you are back online."
        ),
        "reload": _("Your session expired: please reload the page."),
        "progress": _("%(answered)s of %(total)s fields answered"),
        "missing": _("missing: %(questions)s"),
        "skipped": _("Skipped: no answers on this field"),
        "complete": _("Answered"),
        "partial": _("Incomplete"),
        "empty": _("Not answered"),
        "submitting": _("Submitting…"),
        "submittedNow": _(
            "Thank you: your answers are submitted. You may still change them and submit "
            "again until the round closes."
        ),
        "submitFailed": _("Not submitted yet:"),
        "nothingMissing": _("Every field you started is complete."),
        "changed": _("You have changed answers since you submitted: submit again to record them."),
        "listSeparator": _(", "),
    }


def _parse_json(request: HttpRequest) -> Any:
    if len(request.body) > MAX_BODY:
        raise ValueError(_("The request is too large."))
    try:
        return json.loads(request.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(_("The request is not valid JSON.")) from exc


@never_cache
@throttle_unknown_tokens
@require_POST
def answer(request: HttpRequest, token: str) -> JsonResponse:
    """Save one change as a draft: `{node, measure, value, reason?}` (value null clears), or
    `{"answers": [...]}` for several at once (skipping a field clears all its answers).

    `?progress=1` adds the expert's progress counted from the stored drafts. The page counts it
    itself from what it shows: counting reads every draft of the questionnaire, which at
    hundreds of fields costs more than the save.
    """
    invitation, reason, status = _gate(request, token)
    if invitation is None:
        message, code = ERRORS[reason]
        return _json_error(message(), code)
    try:
        payload = _parse_json(request)
    except ValueError as exc:
        return _json_error(str(exc), 400)
    batch = isinstance(payload, dict) and "answers" in payload
    items = payload["answers"] if batch else [payload]
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        return _json_error(_("Send an answer as {node, measure, value}."), 400)
    if any("node" not in i or "measure" not in i or "value" not in i for i in items):
        return _json_error(_("Each answer needs node, measure and value (null clears it)."), 400)
    round_ = invitation.round
    framework = framework_load(study=round_.study)
    try:
        draft_save_many(
            round_=round_, panelist=invitation.panelist, answers=items, framework=framework
        )
    except AnswerError as exc:
        return _json_error(str(exc), 400, problems=exc.problems)
    except RoundClosedError as exc:
        return _closed_error(str(exc))
    body: dict[str, Any] = {"saved": True}
    if request.GET.get("progress") == "1":
        body["progress"] = draft_progress(
            round_=round_, panelist=invitation.panelist, framework=framework
        )
    return JsonResponse(body)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@never_cache
@throttle_unknown_tokens
@require_POST
def submit(request: HttpRequest, token: str) -> HttpResponse:
    invitation, reason, status = _gate(request, token)
    if invitation is None:
        if _wants_json(request):
            message, code = ERRORS[reason]
            return _json_error(message(), code)
        return _unavailable(request, reason, status)
    try:
        submission = submission_submit(round_=invitation.round, panelist=invitation.panelist)
    except RoundClosedError as exc:
        if _wants_json(request):
            return _closed_error(str(exc))
        return _unavailable(request, "closed", 410)
    except AnswerError as exc:
        if _wants_json(request):
            return JsonResponse(
                {
                    "submitted": False,
                    "error": str(exc),
                    "problems": _named_problems(invitation, exc.problems),
                },
                status=400,
            )
        return _page_with_problems(request, invitation, token, exc.problems)
    if _wants_json(request):
        return JsonResponse(
            {
                "submitted": True,
                "submitted_at": timezone.localtime(submission.submitted_at).isoformat(),
            }
        )
    return HttpResponseRedirect(reverse("expert:questionnaire", args=[token]) + "#review")


def _named_problems(invitation: Invitation, problems: list[dict[str, str]]) -> list[dict]:
    """Problems with the field's name and the question's label in the expert's language."""
    framework = framework_load(study=invitation.round.study)
    named = []
    for problem in problems:
        leaf = framework.leaves.get(problem["node"])
        product = leaf is not None and "stages" in leaf.measures
        named.append(
            {
                **problem,
                "leaf": localized(leaf.name) if leaf is not None else "",
                "label": measure_label(problem["measure"], product=product)
                if problem["measure"] in method.MEASURES
                else "",
            }
        )
    return named


def _section_answers(post: Any, codes: list[str], framework: Any) -> list[DraftAnswer]:
    """A section's form fields as draft answers (the page without JavaScript)."""
    answers = []
    for code in codes:
        leaf = framework.leaves.get(code)
        if leaf is None:
            continue
        given = {m for m in leaf.measures if post.get(f"a:{code}:{m}", "").strip()}
        for measure in leaf.measures:
            name = f"a:{code}:{measure}"
            reason = post.get(f"r:{code}:{measure}")
            if measure == "stages":
                ticked = post.getlist(name)
                if ticked or given:
                    answers.append(DraftAnswer(code, measure, ticked, reason))
            elif measure == "comment":
                answers.append(DraftAnswer(code, measure, post.get(name, "") or None, reason))
            elif name in post:
                raw = post.get(name)
                value: Any = raw
                if measure in ("familiarity", "importance") and raw.lstrip("-").isdigit():
                    value = int(raw)
                answers.append(DraftAnswer(code, measure, value, reason))
    return answers


@never_cache
@throttle_unknown_tokens
@require_POST
def save(request: HttpRequest, token: str) -> HttpResponse:
    """Save a whole section posted as a form, then show the next one."""
    invitation, reason, status = _gate(request, token)
    if invitation is None:
        return _unavailable(request, reason, status)
    round_ = invitation.round
    framework = framework_load(study=round_.study)
    codes = request.POST.getlist("leaf")
    try:
        draft_save_many(
            round_=round_,
            panelist=invitation.panelist,
            answers=_section_answers(request.POST, codes, framework),
            framework=framework,
        )
    except RoundClosedError:
        return _unavailable(request, "closed", 410)
    except AnswerError as exc:
        return _page_with_problems(request, invitation, token, exc.problems)
    anchor = request.POST.get("go", "")
    suffix = f"#{anchor}" if anchor.replace("-", "").isalnum() else ""
    return HttpResponseRedirect(reverse("expert:questionnaire", args=[token]) + suffix)
