"""Personas and studies for the console tests."""

import pytest
from django.test import Client

from scoring.recompute import round_recompute
from surveys.models import Round, Study
from tests.factories import UserFactory, grant


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Static URLs without the collected manifest: the tests do not run collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The personas' passwords need no slow hashing here (sign-in is Django's own code)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def scored(study: Study) -> Study:
    """Compute every round's snapshot now (a test transaction never runs on_commit jobs)."""
    for round_ in study.rounds.exclude(status=Round.Status.DRAFT):
        round_recompute(round_id=round_.pk)
    return study


@pytest.fixture
def scored_demo(demo_study):
    return scored(demo_study)


@pytest.fixture
def scored_small(small_study):
    return scored(small_study)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def analyst_of():
    def make(study: Study, username: str = "ana") -> Client:
        user = UserFactory(username=username)
        grant(user, study, "analyst")
        return signed_in(user)

    return make


@pytest.fixture
def viewer_of():
    def make(study: Study, username: str = "vic") -> Client:
        user = UserFactory(username=username)
        grant(user, study, "viewer")
        return signed_in(user)

    return make


@pytest.fixture
def admin_client_(db) -> Client:
    return signed_in(UserFactory(username="root", is_superuser=True))
