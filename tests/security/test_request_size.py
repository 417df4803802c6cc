"""Oversized requests are refused with a message people can read, and nothing is saved."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from surveys.models import Answer
from tests.expert.builders import import_study, link, seed_bundle
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def study():
    return import_study(seed_bundle(slug="sizes"), snapshots=False)


def comment_answer(size: int) -> str:
    return json.dumps({"node": "E.PO", "measure": "comment", "value": "x" * size})


def test_the_upload_limit_is_set(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.MAX_UPLOAD_BYTES >= 50 * 1024 * 1024  # a 50 MB bundle still fits


def test_a_draft_save_over_the_questionnaires_limit_is_refused_in_its_words(client, study):
    response = client.post(
        link(study, "X01") + "answer", comment_answer(300 * 1024), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"saved": False, "error": "The request is too large."}
    assert not Answer.objects.exists()


def test_a_draft_save_over_the_sites_limit_is_refused_with_413_before_it_is_read(client, study):
    response = client.post(
        link(study, "X01") + "answer",
        comment_answer(3 * 1024 * 1024),
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.json()["saved"] is False
    assert "at most 2.5 MB" in response.json()["error"]
    assert not Answer.objects.exists()


def test_a_form_post_over_the_limit_gets_a_page_in_the_readers_language(client, study):
    data = {"leaf": "E.PO", "a:E.PO:comment": "x" * (3 * 1024 * 1024)}
    response = client.post(link(study, "X01") + "save", data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 413
    page = response.content.decode()
    assert "内容过大" in page and "2.5 MB" in page
    assert not Answer.objects.exists()


def test_an_upload_over_the_upload_limit_is_refused_before_it_is_stored(study, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    analyst = UserFactory(username="ana")
    grant(analyst, study, "analyst")
    client = Client()
    client.force_login(analyst)
    before = study.panelists.count()
    big = SimpleUploadedFile("panel.csv", b"name\n" + b"Somebody\n" * 200_000)
    response = client.post(reverse("console:panel_import", args=[study.slug]), {"file": big})
    assert response.status_code == 413
    assert "at most 1 MB" in response.content.decode()
    assert study.panelists.count() == before


def test_a_panel_file_over_the_panels_own_limit_is_refused_with_its_message(study):
    analyst = UserFactory(username="ana")
    grant(analyst, study, "analyst")
    client = Client()
    client.force_login(analyst)
    big = SimpleUploadedFile("panel.csv", b"name\n" + b"Somebody\n" * 700_000)  # 6.3 MB
    response = client.post(reverse("console:panel_import", args=[study.slug]), {"file": big})
    assert response.status_code == 400
    assert "larger than 5 MB" in response.content.decode()


def test_an_ordinary_upload_passes_the_limit(study):
    analyst = UserFactory(username="ana")
    grant(analyst, study, "analyst")
    client = Client()
    client.force_login(analyst)
    small = SimpleUploadedFile("panel.csv", b"name,email\nZhou Min,zhou@example.org\n")
    response = client.post(reverse("console:panel_import", args=[study.slug]), {"file": small})
    assert response.status_code == 200
    assert [row.name for row in response.context["rows"]] == ["Zhou Min"]


def test_a_browser_form_post_over_the_limit_is_refused_before_it_is_read(client, study):
    """Browsers post forms url-encoded: the declared length alone decides."""
    from urllib.parse import urlencode

    body = urlencode({"leaf": "E.PO", "a:E.PO:comment": "x" * (3 * 1024 * 1024)})
    response = client.post(
        link(study, "X01") + "save", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert "at most 2.5 MB" in response.content.decode()
    assert not Answer.objects.exists()
