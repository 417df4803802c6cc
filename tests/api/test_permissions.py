"""The permission matrix: every endpoint of the API, called by every persona.

Viewers read, analysts of the study write, administrators do everything; an analyst of another
study is told the study does not exist; without an account (anonymous, or an expert with only a
questionnaire link) nothing opens.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from surveys.models import Round, Study
from surveys.services import round_close

from ..factories import RoundFactory, UserFactory, grant
from .conftest import PERSONAS, Caller, expert_token

S = "/api/v1/studies/small-study"

# Expected status per persona, in PERSONAS order.
READ = (401, 401, 200, 200, 404, 200)


def _draft_round_2(study: Study) -> None:
    round_close(round_=study.rounds.get(number=1))
    RoundFactory(study=study, number=2, status=Round.Status.DRAFT)


def _nothing(study: Study) -> None:
    pass


# (name, method, path, body, setup, expected statuses)
ENDPOINTS: list[tuple[str, str, str, Any, Callable[[Study], None], tuple[int, ...]]] = [
    ("list studies", "get", "/api/v1/studies/", None, _nothing, (401, 401, 200, 200, 200, 200)),
    ("read the study", "get", f"{S}/", None, _nothing, READ),
    ("list nodes", "get", f"{S}/nodes/", None, _nothing, READ),
    ("read a node", "get", f"{S}/nodes/T.1/", None, _nothing, READ),
    ("list panelists", "get", f"{S}/panelists/", None, _nothing, READ),
    ("read a panelist", "get", f"{S}/panelists/E01/", None, _nothing, READ),
    ("list rounds", "get", f"{S}/rounds/", None, _nothing, READ),
    ("read a round", "get", f"{S}/rounds/1/", None, _nothing, READ),
    ("read results", "get", f"{S}/rounds/1/results/", None, _nothing, READ),
    ("export answers", "get", f"{S}/rounds/1/answers/", None, _nothing, READ),
    ("export answers as CSV", "get", f"{S}/rounds/1/answers/?format=csv", None, _nothing, READ),
    (
        "create a study",
        "post",
        "/api/v1/studies/",
        {"slug": "new-study", "title": "New", "base_year": 2025, "horizon": [2025, 2035]},
        _nothing,
        (401, 401, 403, 403, 403, 201),
    ),
    (
        "change the study",
        "patch",
        f"{S}/",
        {"region": "Elsewhere"},
        _nothing,
        (401, 401, 403, 200, 404, 200),
    ),
    (
        "add a panelist",
        "post",
        f"{S}/panelists/",
        {"name": "Cy", "email": "cy@example.org"},
        _nothing,
        (401, 401, 403, 201, 404, 201),
    ),
    ("create a round", "post", f"{S}/rounds/", None, _nothing, (401, 401, 403, 201, 404, 201)),
    (
        "open a round",
        "post",
        f"{S}/rounds/2/open/",
        None,
        _draft_round_2,
        (401, 401, 403, 200, 404, 200),
    ),
    (
        "close a round",
        "post",
        f"{S}/rounds/1/close/",
        None,
        _nothing,
        (401, 401, 403, 200, 404, 200),
    ),
]


def _call(caller: Caller, method: str, path: str, body: Any):
    if method == "get":
        return caller.client.get(path, headers=caller.headers)
    return getattr(caller, method)(path, body)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("method", "path", "body", "setup", "expected"),
    [pytest.param(*endpoint[1:], id=endpoint[0]) for endpoint in ENDPOINTS],
)
def test_each_persona_gets_the_status_its_role_allows(
    study, caller, persona, method, path, body, setup, expected
):
    setup(study)
    response = _call(caller(persona), method, path, body)
    assert response.status_code == expected[PERSONAS.index(persona)], response.content
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json")
        assert set(response.json()) >= {"detail", "code"}


def test_an_analyst_of_another_study_does_not_see_it_in_the_list(study, caller):
    slugs = [s["slug"] for s in caller("other_analyst").get("/api/v1/studies/").json()["results"]]
    assert study.slug not in slugs
    assert len(slugs) == 1  # their own study


@pytest.mark.parametrize("persona", ["viewer", "analyst", "admin"])
def test_those_with_a_role_find_the_study_in_the_list_with_their_role(study, caller, persona):
    results = caller(persona).get("/api/v1/studies/").json()["results"]
    mine = [s for s in results if s["slug"] == study.slug]
    assert [s["role"] for s in mine] == [persona]


def test_an_unknown_study_and_an_invisible_one_answer_alike(study, caller):
    other = caller("other_analyst")
    hidden = other.get(f"{S}/").json()
    missing = other.get("/api/v1/studies/no-such-study/").json()
    assert hidden["code"] == missing["code"] == "not_found"
    assert hidden["detail"].replace(study.slug, "X") == missing["detail"].replace(
        "no-such-study", "X"
    )


@pytest.mark.parametrize("scheme", ["Token", "Bearer"])
def test_an_expert_link_token_opens_nothing_in_the_api(study, scheme):
    client = Caller(
        Client(),
        {"Authorization": f"{scheme} {expert_token(study)}"},
    )
    assert client.get(f"{S}/").status_code == 401


def test_anonymous_callers_are_told_how_to_authenticate(study, caller):
    response = caller("anonymous").get(f"{S}/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_signed_in_session_reads_but_must_send_the_csrf_token_to_write(study):
    user = UserFactory()
    grant(user, study, "analyst")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get(f"{S}/").status_code == 200
    refused = client.post(f"{S}/rounds/", "{}", content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
