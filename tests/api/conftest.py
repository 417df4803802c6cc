"""Personas for the API: who calls, and with which credentials."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client

from scoring.recompute import round_recompute
from surveys import tokens
from surveys.api.authentication import BadTokenThrottle
from surveys.api.keys import api_key_issue
from surveys.models import Invitation, Study

from ..factories import StudyFactory, UserFactory, grant

PERSONAS = ("anonymous", "expert", "viewer", "analyst", "other_analyst", "admin")


@dataclass
class Caller:
    """A client with its credentials; JSON bodies in, responses out."""

    client: Client
    headers: dict[str, str] = field(default_factory=dict)

    def get(self, url: str, **params: Any):
        return self.client.get(url, params, headers=self.headers)

    def post(self, url: str, data: Any = None):
        return self._send("post", url, data)

    def patch(self, url: str, data: Any = None):
        return self._send("patch", url, data)

    def _send(self, method: str, url: str, data: Any):
        body = json.dumps({} if data is None else data)
        send = getattr(self.client, method)
        return send(url, body, content_type="application/json", headers=self.headers)


def token_caller(user: Any) -> Caller:
    return Caller(Client(), {"Authorization": f"Token {api_key_issue(user=user)}"})


def expert_token(study: Study) -> str:
    """The personal questionnaire token of the study's first panelist in its latest round."""
    invitation = (
        Invitation.objects.filter(round__study=study)
        .order_by("-round__number", "panelist__pseudonym")
        .first()
    )
    assert invitation is not None
    return tokens.token_for(invitation.token_salt)


@pytest.fixture(autouse=True)
def throttle_cache(monkeypatch: pytest.MonkeyPatch):
    """Each test starts with no failed token authentication on record.

    The failures are counted in the default cache, which is the shared Redis in the service mode;
    the tests count them in a private in-memory cache instead.
    """
    cache = LocMemCache("api-tests-throttle", {})
    cache.clear()
    monkeypatch.setattr(BadTokenThrottle, "cache", cache)
    yield cache
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Personas are created by the dozen; a slow hash proves nothing about the API."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def plain_static_files(settings) -> None:
    """Static URLs without a collected manifest (CI runs no collectstatic before the tests)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def study(small_study: Study) -> Study:
    """The small study (round 1 open, two experts who submitted), with results computed."""
    round_recompute(round_id=small_study.rounds.get(number=1).pk)
    return small_study


@pytest.fixture
def caller(study: Study) -> Callable[[str], Caller]:
    """caller(persona): a client acting as that persona towards `study`."""

    def make(persona: str) -> Caller:
        if persona == "anonymous":
            return Caller(Client())
        if persona == "expert":
            # An expert has a personal link and nothing else; the client has opened it, so it
            # carries whatever the questionnaire pages keep in the session.
            client = Client()
            client.get(f"/q/{expert_token(study)}/")
            return Caller(client)
        if persona == "admin":
            return token_caller(UserFactory(is_superuser=True))
        user = UserFactory()
        if persona == "other_analyst":
            grant(user, StudyFactory(), "analyst")
        else:
            grant(user, study, persona)
        return token_caller(user)

    return make


@pytest.fixture
def caller_for_bundle(db) -> Callable[[dict[str, Any]], Caller]:
    """caller_for_bundle(bundle): an analyst of the study imported from `bundle`."""
    from surveys.bundles import bundle_import

    def make(bundle: dict[str, Any]) -> Caller:
        imported = bundle_import(data=bundle)
        user = UserFactory()
        grant(user, imported, "analyst")
        return token_caller(user)

    return make
