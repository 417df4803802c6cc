"""Security headers, the client address used for throttling, and the sign-in lockout backend.

The content security policy allows scripts from the site only: every page keeps its code in
static files and passes data with `json_script`, so an injected `<script>` or event handler
attribute never runs even where escaping were to fail.
"""

import ipaddress
from collections.abc import Callable
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# Styles: the site's own style sheets, plus exactly what plotly.js (the charts) needs, as the
# browser reports it (tests/browser/test_security_csp.py fails on any violation):
# - `style` attributes: plotly.js and d3 set them on the chart's SVG and HTML elements, and the
#   Swagger UI does too. `style-src-attr 'unsafe-inline'` allows attributes only; an injected
#   attribute can restyle an element but not run code or load anything (img-src, font-src).
# - one empty <style id="plotly.js-style-global"> that plotly.js fills through the CSSOM
#   (insertRule, which a policy does not restrict): allowed by the hash of the empty text.
# Every other <style> element stays refused. `style-src` is the fallback of browsers that do
# not know the -elem and -attr directives (before 2022): without 'unsafe-inline' there, they
# would draw the charts unstyled.
PLOTLY_STYLE_HASHES = (
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # "" (plotly.js-style-global)
)
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "style-src-elem 'self' " + " ".join(PLOTLY_STYLE_HASHES),
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)

# The site uses none of these browser features; denying them keeps an injected frame or script
# from asking for them in the site's name.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


def is_download(response: HttpResponse) -> bool:
    """A file to save (the standalone roadmap, exports), which the browser does not render."""
    return response.get("Content-Disposition", "").lower().startswith("attachment")


class SecurityHeadersMiddleware:
    """Content-Security-Policy, Permissions-Policy and Cross-Origin-Opener-Policy on responses.

    A download is left without the policy: the standalone roadmap export inlines plotly.js so
    that it opens offline, and it is saved, never shown under the site's origin. A view that sets
    its own policy keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY)
        if policy and not is_download(response):
            response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault(
            "Permissions-Policy", getattr(settings, "PERMISSIONS_POLICY", PERMISSIONS_POLICY)
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "") or (
        request.content_type == "application/json"
    )


class RequestSizeLimitMiddleware:
    """Refuse an oversized request before a view reads it, with a message people can read.

    Django refuses a form or JSON body over `DATA_UPLOAD_MAX_MEMORY_SIZE` only when a view reads
    it, with a bare "Bad Request"; file uploads it does not limit at all (they go to a
    temporary file, whatever their size). Here the declared length decides at once: bodies over
    `DATA_UPLOAD_MAX_MEMORY_SIZE`, uploads (multipart) over `MAX_UPLOAD_BYTES`, get 413, as
    does an upload form whose text fields alone exceed `DATA_UPLOAD_MAX_MEMORY_SIZE`.
    The views keep their own, smaller limits with their own messages (a bundle, a panel file).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.content_type == "multipart/form-data"
        allowed = (
            getattr(settings, "MAX_UPLOAD_BYTES", 64 * 1024 * 1024)
            if multipart
            else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if allowed is not None and length > allowed:
            return too_large_response(request, allowed)
        if multipart and request.method == "POST":
            # The fields of an upload form count against DATA_UPLOAD_MAX_MEMORY_SIZE only once
            # parsed; parsed here, an oversized one gets the message below, not a bare 400.
            try:
                request.POST  # noqa: B018
            except RequestDataTooBig:
                return too_large_response(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return self.get_response(request)


def megabytes(size: int) -> str:
    """2621440 → "2.5", 67108864 → "64"."""
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def too_large_response(request: HttpRequest, allowed: int) -> HttpResponse:
    message = _("The request is too large: at most %(size)s MB can be sent at once.") % {
        "size": megabytes(allowed)
    }
    response: HttpResponse
    if wants_json(request):
        response = JsonResponse({"saved": False, "error": message}, status=413)
    else:
        response = render(request, "security/too_large.html", {"message": message}, status=413)
    return response


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the throttles count it (sign-in lockout, questionnaire tokens).

    REMOTE_ADDR alone unless the site declares reverse proxies (`NUM_PROXIES`, as the API's
    throttling does): then the address the nearest trusted proxy saw. Trusting a client's own
    X-Forwarded-For would let it pick a new identity with every request. None when there is no
    valid address (a request made in-process, such as the test client's `force_login`).
    """
    proxies = int(getattr(settings, "REST_FRAMEWORK", {}).get("NUM_PROXIES") or 0)
    address = request.META.get("REMOTE_ADDR", "")
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if forwarded:
            address = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


class SignInLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check for the sign-in form and the admin.

    A sign-in without a request (the test client's `login`, a shell) has no address to count
    and is not a guess over the network; axes itself would refuse it outright.
    """

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page a locked-out sign-in gets (429): what happened and when to try again."""
    cooloff = settings.AXES_COOLOFF_TIME
    minutes = max(1, round(cooloff.total_seconds() / 60)) if cooloff else None
    response = render(
        request,
        "security/lockout.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes},
        status=429,
    )
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    return response
