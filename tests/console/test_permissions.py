"""Who may open every console URL: a permission matrix over six personas.

Anonymous visitors and experts (who hold only a questionnaire link) are sent to sign in; an
analyst of another study finds nothing (404, the study's existence is not revealed); a viewer
reads but may not change (403); the study's analyst and an administrator may do everything.
"""

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from surveys.console import services
from surveys.models import Invitation, Node, Panelist, Round, StudyRole
from surveys.services import invitation_link
from tests.factories import StudyFactory, UserFactory, grant

from .conftest import signed_in

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str  # "get" or "post"
    change: bool  # an analyst's action (viewers get 403)
    kwargs: tuple[tuple[str, object], ...] = ()
    query: str = ""


def _endpoints() -> list[Endpoint]:
    """Every console URL, with the arguments the matrix study gives it."""
    r, d = "round", "draft"  # placeholders resolved against the matrix study
    return [
        Endpoint("overview", "get", False),
        Endpoint("settings", "get", False),
        Endpoint("settings", "post", True),
        Endpoint("role_add", "post", True),
        Endpoint("role_remove", "post", True, (("user_id", "viewer"),)),
        Endpoint("framework", "get", False),
        Endpoint("node_add", "post", True),
        Endpoint("framework_template", "get", False),
        Endpoint("framework_upload", "post", True),
        Endpoint("node_edit", "get", False, (("node_id", "node"),)),
        Endpoint("node_edit", "post", True, (("node_id", "node"),)),
        Endpoint("node_measures", "post", True, (("node_id", "node"),)),
        Endpoint("node_move", "post", True, (("node_id", "node"),)),
        Endpoint("node_delete", "post", True, (("node_id", "node"),)),
        Endpoint("panel", "get", False),
        Endpoint("panelist_add", "post", True),
        Endpoint("panel_import", "get", True),
        Endpoint("panel_import", "post", True),
        Endpoint("panel_import_confirm", "post", True),
        Endpoint("panel_template", "get", False, (("fmt", "csv"),)),
        Endpoint("panel_template", "get", False, (("fmt", "xlsx"),)),
        Endpoint("panelist_remove", "post", True, (("panelist_id", "newcomer"),)),
        Endpoint("rounds", "get", False),
        Endpoint("round_create", "post", True),
        Endpoint("round", "get", False, (("number", r),)),
        Endpoint("round_progress", "get", False, (("number", r),)),
        Endpoint("round_open", "get", True, (("number", d),)),
        Endpoint("round_open", "post", True, (("number", d),)),
        Endpoint("round_close", "get", True, (("number", r),)),
        Endpoint("round_close", "post", True, (("number", r),)),
        Endpoint("round_remind", "post", True, (("number", r),)),
        Endpoint("results", "get", False),
        Endpoint("results_round", "get", False, (("number", r),)),
        Endpoint("exports", "get", False),
        Endpoint("export_results", "get", False, (("number", r), ("fmt", "json"))),
        Endpoint("export_results", "get", False, (("number", r), ("fmt", "csv")), "?lang=zh-hans"),
        Endpoint("export_results", "get", False, (("number", r), ("fmt", "xlsx"))),
        Endpoint("export_answers", "get", False, (("number", r), ("fmt", "csv"))),
        Endpoint("export_answers", "get", False, (("number", r), ("fmt", "xlsx"))),
        Endpoint("export_bundle", "get", False),
        Endpoint("audit", "get", True),
    ]


ENDPOINTS = _endpoints()
PERSONAS = ("anonymous", "expert", "viewer", "analyst", "other_analyst", "admin")


@pytest.fixture
def world(scored_small):
    """The small study (round 1 open, with answers) plus a draft round 2, and six personas."""
    study = scored_small
    services.round_create(study=study)
    newcomer = Panelist.objects.create(
        study=study, external_id="N", pseudonym="E03", name="Newcomer"
    )
    other_study = StudyFactory()
    users = {
        "viewer": UserFactory(username="viewer"),
        "analyst": UserFactory(username="analyst"),
        "other_analyst": UserFactory(username="other"),
        "admin": UserFactory(username="admin", is_superuser=True),
    }
    grant(users["viewer"], study, StudyRole.Role.VIEWER)
    grant(users["analyst"], study, StudyRole.Role.ANALYST)
    grant(users["other_analyst"], other_study, StudyRole.Role.ANALYST)
    values = {
        "round": 1,
        "draft": 2,
        "node": Node.objects.get(study=study, code="T.2").pk,
        "newcomer": newcomer.pk,
        "viewer": users["viewer"].pk,
    }
    return study, users, values


def client_for(persona: str, world) -> Client:
    study, users, _values = world
    if persona == "anonymous":
        return Client()
    if persona == "expert":
        # An expert holds a questionnaire link and has used it; that is no console session.
        client = Client()
        invitation = Invitation.objects.filter(round__study=study).first()
        client.get(invitation_link(invitation=invitation))
        return client
    return signed_in(users[persona])


def url_of(endpoint: Endpoint, world) -> str:
    study, _users, values = world
    kwargs = {"slug": study.slug}
    for key, value in endpoint.kwargs:
        kwargs[key] = values.get(value, value) if isinstance(value, str) else value
    return reverse(f"console:{endpoint.name}", kwargs=kwargs) + endpoint.query


def expected(persona: str, endpoint: Endpoint) -> str:
    if persona in ("anonymous", "expert"):
        return "sign in"
    if persona == "other_analyst":
        return "not found"
    if persona == "viewer" and endpoint.change:
        return "forbidden"
    return "allowed"


def outcome(response) -> str:
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return "sign in"
    if response.status_code == 404:
        return "not found"
    if response.status_code == 403:
        return "forbidden"
    assert response.status_code < 500
    return "allowed"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    "endpoint", ENDPOINTS, ids=[f"{e.method}-{e.name}{e.query}-{dict(e.kwargs)}" for e in ENDPOINTS]
)
def test_each_persona_gets_what_its_role_allows_on_every_console_url(world, persona, endpoint):
    client = client_for(persona, world)
    url = url_of(endpoint, world)
    response = getattr(client, endpoint.method)(url)
    assert outcome(response) == expected(persona, endpoint), (persona, endpoint.method, url)


def test_the_matrix_covers_every_console_url():
    console_names = {p.name for p in get_resolver("surveys.console.urls").url_patterns}
    # The three pages outside a study are checked by the tests below.
    covered = {e.name for e in ENDPOINTS} | {"home", "study_new", "study_import"}
    assert console_names == covered


def test_home_lists_only_the_studies_a_user_has_a_role_in(world):
    study, users, _values = world
    assert study.display_title("en") in signed_in(users["viewer"]).get("/console/").content.decode()
    other_page = signed_in(users["other_analyst"]).get("/console/").content.decode()
    assert study.display_title("en") not in other_page
    assert Client().get("/console/").status_code == 302


def test_only_staff_may_create_a_study(db):
    plain = UserFactory(username="plain", is_staff=False)
    staff = UserFactory(username="staffer", is_staff=True)
    assert signed_in(plain).get(reverse("console:study_new")).status_code == 403
    assert signed_in(plain).post(reverse("console:study_import")).status_code == 403
    assert signed_in(staff).get(reverse("console:study_new")).status_code == 200
    assert Client().get(reverse("console:study_new")).status_code == 302


def test_a_viewer_sees_the_settings_read_only_and_cannot_save_them(world):
    study, users, _values = world
    client = signed_in(users["viewer"])
    page = client.get(reverse("console:settings", args=[study.slug])).content.decode()
    assert 'name="base_year"' in page and "disabled" in page
    before = study.base_year
    client.post(reverse("console:settings", args=[study.slug]), {"base_year": 1999})
    study.refresh_from_db()
    assert study.base_year == before


def test_a_viewer_cannot_open_or_close_a_round(world):
    study, users, _values = world
    client = signed_in(users["viewer"])
    client.post(reverse("console:round_close", args=[study.slug, 1]))
    assert Round.objects.get(study=study, number=1).status == Round.Status.OPEN
