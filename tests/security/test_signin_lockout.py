"""Repeated bad staff passwords lock sign-in for that user name from that address (django-axes)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
HOME = "1.2.3.4"


@pytest.fixture
def analyst():
    return UserFactory(username="ana")


def sign_in(client: Client, password: str, *, username: str = "ana", address: str = HOME, **extra):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


def fail(client: Client, times: int, **kwargs) -> list[int]:
    return [sign_in(client, "wrong password", **kwargs).status_code for _ in range(times)]


def test_the_limit_is_five_failures_and_the_pause_fifteen_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_four_wrong_passwords_still_let_the_right_one_in(client, analyst):
    assert fail(client, 4) == [200] * 4
    response = sign_in(client, PASSWORD)
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(analyst.pk)


def test_the_fifth_wrong_password_locks_and_then_even_the_right_one_is_refused(client, analyst):
    assert fail(client, 5) == [200, 200, 200, 200, 429]
    response = sign_in(client, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "Sign-in paused" in page and "15 minutes" in page
    assert response["Retry-After"] == str(15 * 60)


def test_the_lockout_page_speaks_chinese_to_a_chinese_browser(client, analyst):
    fail(client, 5)
    response = sign_in(client, PASSWORD, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 429
    page = response.content.decode()
    assert "登录已暂停" in page and "15 分钟" in page


def test_the_same_user_from_another_address_is_not_locked(client, analyst):
    fail(client, 5)
    response = sign_in(Client(), PASSWORD, address="5.6.7.8")
    assert response.status_code == 302


def test_another_user_from_the_same_address_is_not_locked(client, analyst):
    UserFactory(username="bo")
    fail(client, 5)
    assert sign_in(Client(), PASSWORD, username="bo").status_code == 302


def test_sign_in_works_again_once_the_pause_is_over(client, analyst):
    fail(client, 5)
    assert sign_in(client, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))
    assert sign_in(client, PASSWORD).status_code == 302


def test_the_admin_sign_in_is_locked_too(client):
    UserFactory(username="root", is_superuser=True)
    for _ in range(5):
        client.post("/admin/login/", {"username": "root", "password": "nope"}, REMOTE_ADDR=HOME)
    response = client.post(
        "/admin/login/", {"username": "root", "password": PASSWORD}, REMOTE_ADDR=HOME
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_forwarded_address_is_ignored_without_declared_proxies(client, analyst):
    """A client cannot escape the lockout by claiming another address in X-Forwarded-For."""
    fail(client, 5)
    response = sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="9.9.9.9")
    assert response.status_code == 429


def test_the_test_clients_login_still_works_without_a_request(analyst):
    assert Client().login(username="ana", password=PASSWORD)
