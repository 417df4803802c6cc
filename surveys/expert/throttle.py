"""Throttling guesses of questionnaire links: unknown tokens counted per client address.

A token carries 256 bits, so guessing one is hopeless; the counter keeps a script from trying
anyway, and from filling the logs. After `QUESTIONNAIRE_BAD_TOKEN_LIMIT` unknown tokens (20)
within a minute, every `/q/` request from that address gets 429 until the minute is over, valid
links included: answering those would tell a guesser which of its tokens exist.

Only failures cost anything: the token is looked up again only when the view answered 404. The
counter lives in the cache (Redis in the service mode); when the cache is down the questionnaire
stays open, unthrottled, rather than refusing experts.
"""

import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from roadmap_site.security import client_ip, wants_json

from .selectors import invitation_by_token

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


def counter_key(address: str) -> str:
    return f"q-unknown-tokens:{address}"


def limit() -> int:
    return int(getattr(settings, "QUESTIONNAIRE_BAD_TOKEN_LIMIT", 20))


def unknown_tokens(address: str) -> int:
    try:
        return int(cache.get(counter_key(address)) or 0)
    except Exception:  # the cache is down: count nothing rather than lock experts out
        logger.warning("questionnaire throttle: cache unavailable", exc_info=True)
        return 0


def count_unknown_token(address: str) -> None:
    key = counter_key(address)
    try:
        # The window opens with the first failure and closes a minute later (incr keeps the
        # expiry that add set).
        if not cache.add(key, 1, timeout=WINDOW_SECONDS):
            cache.incr(key)
    except ValueError:  # expired between add and incr: this failure opens a new window
        cache.add(key, 1, timeout=WINDOW_SECONDS)
    except Exception:
        logger.warning("questionnaire throttle: cache unavailable", exc_info=True)


def throttled_response(request: HttpRequest) -> HttpResponse:
    if wants_json(request):
        response: HttpResponse = JsonResponse(
            {
                "saved": False,
                "error": _("Too many unknown links from your network: please wait a minute."),
            },
            status=429,
        )
    else:
        response = render(request, "security/throttled.html", status=429)
    response["Retry-After"] = str(WINDOW_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def throttle_unknown_tokens(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Decorate a `/q/<token>/…` view: count its unknown tokens, answer 429 past the limit."""

    @wraps(view)
    def wrapped(request: HttpRequest, token: str, *args: object, **kwargs: object) -> HttpResponse:
        address = client_ip(request) or "unknown"
        if unknown_tokens(address) >= limit():
            return throttled_response(request)
        response = view(request, token, *args, **kwargs)
        # 404 also answers a link of a round not open yet: only a token that opens no
        # invitation at all counts as a guess.
        if response.status_code == 404 and invitation_by_token(token) is None:
            count_unknown_token(address)
        return response

    return wrapped
