"""Token authentication with a brake on guessing.

DRF checks throttles after authentication, so its throttles never see a request whose token is
wrong. Here the failures themselves are counted per client address (the `bad_token` rate of
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]); once a client has used them up, every token it sends is
refused with 429 until the window passes, valid or not, so that answers cannot tell a guesser which
guess was right.
"""

import re

from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.throttling import SimpleRateThrottle

from .keys import api_key_user

# Keys are 40 hexadecimal digits (surveys.api.keys); anything else is refused before it reaches
# the database.
TOKEN_RE = re.compile(r"[0-9a-f]{40}")


class BadTokenThrottle(SimpleRateThrottle):
    """Failed token authentications of one client address within the rate's window."""

    scope = "bad_token"

    def get_cache_key(self, request: HttpRequest, view: object) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def exhausted(self, request: HttpRequest) -> bool:
        """Whether the client has no failures left, without counting this request."""
        self.key = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) >= self.num_requests

    def failure_record(self, request: HttpRequest) -> None:
        self.exhausted(request)
        self.throttle_success()  # DRF's bookkeeping: prepend now, store the history


class ThrottledTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, the key looked up by its digest (`surveys.api.keys`), refused
    with 429 after repeated failures."""

    def authenticate(self, request: HttpRequest):  # type: ignore[override]
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != self.keyword.lower().encode():
            return None  # no token offered: another scheme (the session) may apply
        throttle = BadTokenThrottle()
        if throttle.exhausted(request):
            raise exceptions.Throttled(
                wait=throttle.wait(), detail="Too many failed token authentications."
            )
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle.failure_record(request)
            raise

    def authenticate_credentials(self, key: str):  # type: ignore[override]
        user = api_key_user(key) if TOKEN_RE.fullmatch(key) else None
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return user, None
