"""What analysts and administrators do is recorded and readable in the console."""

import pytest
from django.test import Client
from django.urls import reverse

from surveys.models import AuditEntry, Round, StudyRole

from ..factories import UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(small_study):
    user = UserFactory(username="ana")
    grant(user, small_study, StudyRole.Role.ANALYST)
    client = Client()
    client.force_login(user)
    return client


def test_closing_a_round_is_recorded_with_who_and_which_study(small_study, analyst):
    url = reverse("console:round_close", kwargs={"slug": small_study.slug, "number": 1})
    response = analyst.post(url)
    assert response.status_code == 302
    assert small_study.rounds.get().status == Round.Status.CLOSED
    entry = AuditEntry.objects.get(action="console:round_close")
    assert (entry.username, entry.study, entry.method) == ("ana", small_study, "POST")


def test_an_export_is_recorded(small_study, analyst):
    response = analyst.get(reverse("console:export_bundle", kwargs={"slug": small_study.slug}))
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="console:export_bundle", study=small_study).exists()


def test_reading_a_page_is_not_recorded(small_study, analyst):
    analyst.get(reverse("console:overview", kwargs={"slug": small_study.slug}))
    assert not AuditEntry.objects.exists()


def test_a_refused_change_is_not_recorded_as_done(small_study):
    viewer = UserFactory(username="vic")
    grant(viewer, small_study, StudyRole.Role.VIEWER)
    client = Client()
    client.force_login(viewer)
    url = reverse("console:round_close", kwargs={"slug": small_study.slug, "number": 1})
    assert client.post(url).status_code == 403
    assert not AuditEntry.objects.exists()


def test_changing_settings_through_the_api_is_recorded(small_study):
    admin = UserFactory(username="root", is_superuser=True)
    client = Client()
    client.force_login(admin)
    response = client.patch(
        f"/api/v1/studies/{small_study.slug}/",
        {"region": "Elsewhere"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert AuditEntry.objects.get(study=small_study).action.startswith("api:")


def test_the_log_is_readable_in_the_console_by_analysts_only(small_study, analyst):
    analyst.post(reverse("console:round_close", kwargs={"slug": small_study.slug, "number": 1}))
    page = analyst.get(reverse("console:audit", kwargs={"slug": small_study.slug}))
    assert page.status_code == 200
    assert "closed a round" in page.content.decode()
    viewer = UserFactory(username="vic")
    grant(viewer, small_study, StudyRole.Role.VIEWER)
    client = Client()
    client.force_login(viewer)
    assert (
        client.get(reverse("console:audit", kwargs={"slug": small_study.slug})).status_code == 403
    )
