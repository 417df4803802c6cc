"""Errors of the API: one JSON shape for every refusal, so a client can branch on `code`.

Every error answers `{"detail": "<what is wrong>", "code": "<machine word>"}`; a 400 for invalid
input adds `errors`, the problems by field (`{"horizon": ["must not end before it starts"]}`).
"""

from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class Conflict(exceptions.APIException):
    """The request is valid but the study's state forbids it (opening a second round, …)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the study."
    default_code = "conflict"


class ErrorSerializer(serializers.Serializer):
    """Documents the error body (used in the OpenAPI schema only)."""

    detail = serializers.CharField(help_text="What is wrong, in one sentence.")
    code = serializers.CharField(help_text="A machine-readable word: not_found, invalid, …")
    errors = serializers.DictField(
        required=False,
        help_text="For invalid input: the problems by field name.",
    )


def _code_of(exc: Exception) -> str:
    if isinstance(exc, Http404):
        return "not_found"
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        if isinstance(codes, str):
            return codes
    return getattr(exc, "default_code", "error")


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with the body reshaped to `{"detail", "code"[, "errors"]}`."""
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API error: let Django answer 500 and log it
    if isinstance(exc, exceptions.ValidationError):
        problems = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {
            "detail": _summary(problems),
            "code": "invalid",
            "errors": problems,
        }
    else:
        data = response.data if isinstance(response.data, dict) else {}
        response.data = {"detail": str(data.get("detail", exc)), "code": _code_of(exc)}
    return response


def _summary(problems: dict[str, Any]) -> str:
    """The first problem as a sentence: `horizon: must not end before it starts`."""
    for field, messages in problems.items():
        first = messages
        while isinstance(first, list | dict) and first:
            first = first[0] if isinstance(first, list) else next(iter(first.values()))
        if field == "non_field_errors":
            return str(first)
        return f"{field}: {first}"
    return "The request is invalid."


def api_not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Unknown addresses under /api/ answer JSON like the rest of the API, not an HTML page."""
    return JsonResponse(
        {"detail": f"No API endpoint at {request.path}.", "code": "not_found"}, status=404
    )
