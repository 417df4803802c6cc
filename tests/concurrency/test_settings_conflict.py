"""Analysts saving the same study's settings at the same moment, behind gunicorn on PostgreSQL:
one save wins, every other gets a clear conflict (409), none is silently overwritten."""

import pytest
from django.test import Client
from django.urls import reverse

from surveys.console.forms import StudyForm
from surveys.models import Study
from tests.factories import UserFactory, grant, small_bundle

from .conftest import Server
from .test_questionnaire_load import run_at_once

pytestmark = pytest.mark.services

ANALYSTS = 6


def form_of(study: Study, region: str) -> dict[str, str]:
    """The settings form as the analyst's browser posts it, changing only the region."""
    data = {}
    for key, value in StudyForm.initial_for(study).items():
        if value is None or value is False or key == "show_identities":
            continue
        data[key] = "on" if value is True else str(value)
    data["region"] = region
    return data


def session_of(study: Study, username: str) -> str:
    user = UserFactory(username=username)
    grant(user, study, "analyst")
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def test_analysts_saving_the_settings_at_once_get_one_save_and_clear_conflicts(gunicorn):
    from surveys.bundles import bundle_import

    study = bundle_import(data=small_bundle(slug="settings-race"))
    sessions = [session_of(study, f"analyst{i}") for i in range(ANALYSTS)]
    opened = {i: form_of(study, f"Region {i}") for i in range(ANALYSTS)}  # all at one version
    server: Server = gunicorn(workers=4, threads=4)
    path = reverse("console:settings", args=[study.slug])

    def save(i: int):
        return lambda: server.request(
            "POST",
            path,
            form=opened[i],
            cookies={"sessionid": sessions[i]},
            headers={"Accept": "text/html"},
        )

    results = run_at_once([save(i) for i in range(ANALYSTS)])

    statuses = [status for status, _headers, _body in results]
    assert sorted(statuses) == [302] + [409] * (ANALYSTS - 1), statuses
    winner = statuses.index(302)
    study.refresh_from_db()
    assert study.region == f"Region {winner}"
    for status, _headers, body in results:
        if status == 409:
            assert "Someone else saved this study" in body.decode()
