"""API keys: shown once, stored as a digest, retired by a new key, by revoking, or with the user."""

import hashlib
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from surveys.api.keys import api_key_issue, api_key_revoke
from surveys.models import ApiKey

from ..factories import UserFactory, grant

S = "/api/v1/studies/small-study/"


def status_with(key: str) -> int:
    return Client().get(S, headers={"Authorization": f"Token {key}"}).status_code


@pytest.fixture
def viewer(study):
    user = UserFactory()
    grant(user, study, "viewer")
    return user


def test_a_key_opens_the_api_and_only_its_digest_is_stored(viewer):
    key = api_key_issue(user=viewer)
    assert re.fullmatch(r"[0-9a-f]{40}", key)
    assert status_with(key) == 200
    stored = ApiKey.objects.get(user=viewer)
    assert stored.digest == hashlib.sha256(key.encode()).hexdigest()
    assert not ApiKey.objects.filter(digest=key).exists()


def test_a_new_key_retires_the_old_one(viewer):
    old = api_key_issue(user=viewer)
    new = api_key_issue(user=viewer)
    assert new != old
    assert (status_with(old), status_with(new)) == (401, 200)
    assert ApiKey.objects.filter(user=viewer).count() == 1


def test_a_revoked_key_or_an_inactive_user_is_refused(viewer):
    key = api_key_issue(user=viewer)
    viewer.is_active = False
    viewer.save()
    assert status_with(key) == 401
    viewer.is_active = True
    viewer.save()
    assert api_key_revoke(user=viewer) is True
    assert status_with(key) == 401
    assert api_key_revoke(user=viewer) is False


def test_the_command_prints_a_working_key_and_revokes_it(viewer):
    out = io.StringIO()
    call_command("api_key", viewer.username, stdout=out)
    key = out.getvalue().strip()
    assert status_with(key) == 200
    out = io.StringIO()
    call_command("api_key", viewer.username, "--revoke", stdout=out)
    assert "retired" in out.getvalue()
    assert status_with(key) == 401


def test_the_command_names_an_unknown_user(db):
    with pytest.raises(CommandError, match="no user 'nobody'"):
        call_command("api_key", "nobody")


def test_the_admin_lists_key_holders_without_digests_and_retires_a_key(viewer, admin_client):
    key = api_key_issue(user=viewer)
    stored = ApiKey.objects.get(user=viewer)
    listing = admin_client.get(reverse("admin:surveys_apikey_changelist"))
    assert listing.status_code == 200
    assert viewer.username in listing.content.decode()
    assert stored.digest not in listing.content.decode()
    assert admin_client.get(reverse("admin:surveys_apikey_add")).status_code == 403
    delete = reverse("admin:surveys_apikey_delete", args=[stored.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert status_with(key) == 401
