"""Every form and JSON endpoint refuses a POST without the CSRF token: console and questionnaire."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from surveys.models import Answer, Round
from tests.expert.builders import import_study, link, seed_bundle
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def study():
    return import_study(seed_bundle(slug="csrf"), snapshots=False)


def strict_client(user=None) -> Client:
    """A client that sends no CSRF token, as a forged cross-site form would."""
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def with_token(client: Client, path: str) -> str:
    """The token the page hands out (cookie), for the control requests."""
    client.get(path)
    return client.cookies["csrftoken"].value


def console_posts(study) -> list[tuple[str, dict]]:
    def url(name: str, *args) -> str:
        return reverse(f"console:{name}", args=[study.slug, *args])

    return [
        (url("settings"), {"slug": study.slug}),
        (url("role_add"), {"username": "someone", "role": "viewer"}),
        (url("node_add"), {"code": "X", "name_en": "X"}),
        (url("panelist_add"), {"name": "Mallory"}),
        (url("round_create"), {}),
        (url("round_close", 1), {}),
        (url("round_remind", 1), {}),
        (reverse("console:study_new"), {"slug": "forged"}),
        (reverse("roadmaps:milestone_add", args=[study.slug]), {"year": 2030}),
        ("/accounts/logout/", {}),
        ("/i18n/setlang/", {"language": "zh-hans"}),
    ]


def test_every_console_form_refuses_a_post_without_the_token(study):
    analyst = UserFactory(username="ana")
    grant(analyst, study, "analyst")
    client = strict_client(analyst)
    for path, data in console_posts(study):
        response = client.post(path, data)
        assert response.status_code == 403, path
    study.refresh_from_db()
    assert study.rounds.get().status == Round.Status.OPEN
    assert not study.panelists.filter(name="Mallory").exists()


def test_a_console_post_with_the_token_goes_through(study):
    """The control: the refusal above is the missing token, not the form."""
    analyst = UserFactory(username="ana")
    grant(analyst, study, "analyst")
    client = strict_client(analyst)
    token = with_token(client, reverse("console:panel", args=[study.slug]))
    response = client.post(
        reverse("console:panelist_add", args=[study.slug]),
        {"name": "Mallory", "csrfmiddlewaretoken": token},
    )
    assert response.status_code in (200, 302)
    assert study.panelists.filter(name="Mallory").exists()


def test_the_sign_in_form_refuses_a_post_without_the_token(study):
    UserFactory(username="ana")
    response = strict_client().post(
        "/accounts/login/", {"username": "ana", "password": "correct horse battery staple"}
    )
    assert response.status_code == 403


def test_the_questionnaire_refuses_saves_and_submits_without_the_token(study):
    path = link(study, "X01")
    client = strict_client()
    answer = {"node": "T.BR.1", "measure": "familiarity", "value": 4}
    assert (
        client.post(path + "answer", json.dumps(answer), content_type="application/json")
    ).status_code == 403
    assert (
        client.post(path + "save", {"leaf": "T.BR.1", "a:T.BR.1:familiarity": "4"}).status_code
        == 403
    )
    assert client.post(path + "submit").status_code == 403
    assert not Answer.objects.filter(submission__panelist__study=study).exists()


def test_the_questionnaire_saves_with_the_token_its_page_hands_out(study):
    path = link(study, "X01")
    client = strict_client()
    token = with_token(client, path)
    answer = {"node": "T.BR.1", "measure": "familiarity", "value": 4}
    response = client.post(
        path + "answer",
        json.dumps(answer),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200
    assert Answer.objects.filter(submission__panelist__study=study, draft=True).exists()


def test_the_api_refuses_a_session_authenticated_write_without_the_token(study):
    """A signed-in browser's session cannot be borrowed by a forged request to the API either."""
    analyst = UserFactory(username="ana")
    grant(analyst, study, "analyst")
    client = strict_client(analyst)
    response = client.post(
        f"/api/v1/studies/{study.slug}/panelists/",
        json.dumps({"name": "Mallory"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not study.panelists.filter(name="Mallory").exists()
