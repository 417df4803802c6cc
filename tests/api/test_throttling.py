"""Guessing tokens: repeated failures from one address are refused with 429 for a while."""

from django.test import Client

from surveys.api.authentication import BadTokenThrottle
from surveys.api.keys import api_key_issue

from ..factories import UserFactory, grant

S = "/api/v1/studies/small-study/"
WRONG = "Token " + "0" * 40


def allowed_failures() -> int:
    return BadTokenThrottle().num_requests  # the `bad_token` rate of the settings


def get(token: str, address: str = "192.0.2.1", **headers: str):
    return Client(REMOTE_ADDR=address).get(S, headers={"Authorization": token, **headers})


def valid_token(study) -> str:
    user = UserFactory()
    grant(user, study, "viewer")
    return f"Token {api_key_issue(user=user)}"


def test_wrong_tokens_are_refused_then_throttled_with_a_retry_time(study):
    for _ in range(allowed_failures()):
        assert get(WRONG).status_code == 401
    throttled = get(WRONG)
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0


def test_once_throttled_even_a_valid_token_is_refused_so_no_guess_can_be_confirmed(study):
    token = valid_token(study)
    for _ in range(allowed_failures()):
        get(WRONG)
    assert get(token).status_code == 429


def test_valid_tokens_do_not_use_up_the_allowance(study):
    token = valid_token(study)
    for _ in range(allowed_failures() + 5):
        assert get(token).status_code == 200
    assert get(WRONG).status_code == 401


def test_another_address_is_not_throttled(study):
    for _ in range(allowed_failures() + 1):
        get(WRONG, address="192.0.2.1")
    assert get(WRONG, address="192.0.2.2").status_code == 401
    assert get(valid_token(study), address="192.0.2.2").status_code == 200


def test_a_forwarded_for_header_does_not_make_a_fresh_address(study):
    for number in range(allowed_failures()):
        get(WRONG, **{"X-Forwarded-For": f"198.51.100.{number}"})
    assert get(WRONG, **{"X-Forwarded-For": "203.0.113.7"}).status_code == 429


def test_the_failures_are_forgotten_when_the_window_has_passed(study, monkeypatch):
    for _ in range(allowed_failures()):
        get(WRONG)
    assert get(WRONG).status_code == 429
    throttle = BadTokenThrottle()
    later = throttle.timer() + throttle.duration + 1
    monkeypatch.setattr(BadTokenThrottle, "timer", lambda self: later)
    assert get(valid_token(study)).status_code == 200


def test_a_malformed_token_is_a_plain_failure(study):
    for token in ("Token \x00", "Token " + "g" * 40, "Token a b"):
        response = get(token)
        assert response.status_code == 401, token
