"""Guessing questionnaire links: after 20 unknown tokens a minute, an address gets 429."""

import json

import pytest
from django.core.cache import cache

from surveys.models import Answer
from tests.expert.builders import import_study, link, seed_bundle

pytestmark = pytest.mark.django_db

GUESSER = "6.6.6.6"


@pytest.fixture
def study():
    return import_study(seed_bundle(slug="throttle"), snapshots=False)


def guess(client, count: int, address: str = GUESSER) -> list[int]:
    return [
        client.get(
            f"/q/guess-{index:03d}-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/", REMOTE_ADDR=address
        ).status_code
        for index in range(count)
    ]


def test_twenty_unknown_tokens_get_the_friendly_not_found_page(client, study):
    assert guess(client, 20) == [404] * 20


def test_the_twenty_first_unknown_token_in_a_minute_gets_429_with_a_friendly_page(client, study):
    guess(client, 20)
    response = client.get("/q/one-more-guess/", REMOTE_ADDR=GUESSER)
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "Too many attempts" in page and "wait a minute" in page


def test_the_throttled_page_speaks_chinese_to_a_chinese_browser(client, study):
    guess(client, 20)
    response = client.get("/q/x/", REMOTE_ADDR=GUESSER, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 429
    assert "尝试次数过多" in response.content.decode()


def test_once_throttled_even_a_valid_link_waits_so_guesses_learn_nothing(client, study):
    guess(client, 20)
    assert client.get(link(study, "X01"), REMOTE_ADDR=GUESSER).status_code == 429


def test_other_addresses_are_not_throttled(client, study):
    guess(client, 20)
    assert client.get(link(study, "X01"), REMOTE_ADDR="7.7.7.7").status_code == 200
    assert client.get("/q/unknown/", REMOTE_ADDR="7.7.7.7").status_code == 404


def test_valid_links_opened_many_times_never_count(client, study):
    path = link(study, "X01")
    for _ in range(30):
        assert client.get(path, REMOTE_ADDR=GUESSER).status_code == 200
    assert guess(client, 1) == [404]


def test_a_link_of_a_round_not_open_yet_does_not_count_as_a_guess(client):
    study = import_study(
        seed_bundle(slug="later", rounds=[{"number": 1, "status": "draft"}]), snapshots=False
    )
    from surveys.services import invitations_create

    invitations_create(round_=study.rounds.get())
    path = link(study, "X01", number=1)
    for _ in range(25):
        assert client.get(path, REMOTE_ADDR=GUESSER).status_code == 404
    assert client.get("/q/unknown/", REMOTE_ADDR=GUESSER).status_code == 404


def test_the_window_closes_after_a_minute(client, study):
    guess(client, 20)
    assert client.get("/q/x/", REMOTE_ADDR=GUESSER).status_code == 429
    cache.delete(f"q-unknown-tokens:{GUESSER}")  # what the minute's expiry does
    assert client.get(link(study, "X01"), REMOTE_ADDR=GUESSER).status_code == 200


def test_the_save_and_submit_endpoints_count_and_answer_json(client, study):
    for index in range(20):
        response = client.post(
            f"/q/bad-{index}/answer",
            data=json.dumps({"node": "T.BR.1", "measure": "familiarity", "value": 4}),
            content_type="application/json",
            REMOTE_ADDR=GUESSER,
        )
        assert response.status_code == 404
    valid = link(study, "X01")
    response = client.post(
        valid + "answer",
        data=json.dumps({"node": "T.BR.1", "measure": "familiarity", "value": 4}),
        content_type="application/json",
        REMOTE_ADDR=GUESSER,
    )
    assert response.status_code == 429
    assert response.json()["saved"] is False and "wait a minute" in response.json()["error"]
    assert not Answer.objects.filter(submission__panelist__study=study).exists()
    response = client.post(valid + "submit", REMOTE_ADDR=GUESSER, HTTP_ACCEPT="application/json")
    assert response.status_code == 429


def test_the_limit_is_a_setting(client, study, settings):
    settings.QUESTIONNAIRE_BAD_TOKEN_LIMIT = 3
    assert guess(client, 4) == [404, 404, 404, 429]


def test_with_the_cache_down_the_questionnaire_stays_open(client, study, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "add", down)
    monkeypatch.setattr(cache, "incr", down)
    assert guess(client, 25)[-1] == 404
    assert client.get(link(study, "X01"), REMOTE_ADDR=GUESSER).status_code == 200
