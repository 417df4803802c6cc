"""The OpenAPI schema: valid, served, browsable offline, and true to what the API answers."""

from html.parser import HTMLParser

import hypothesis
import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from roadmap_site.wsgi import application
from scoring.recompute import round_recompute
from surveys.api.keys import api_key_issue
from surveys.models import Study

from ..factories import UserFactory, grant

OPERATIONS = {
    ("get", "/api/v1/studies/"),
    ("post", "/api/v1/studies/"),
    ("get", "/api/v1/studies/{slug}/"),
    ("patch", "/api/v1/studies/{slug}/"),
    ("get", "/api/v1/studies/{study_slug}/nodes/"),
    ("get", "/api/v1/studies/{study_slug}/nodes/{code}/"),
    ("get", "/api/v1/studies/{study_slug}/panelists/"),
    ("post", "/api/v1/studies/{study_slug}/panelists/"),
    ("get", "/api/v1/studies/{study_slug}/panelists/{pseudonym}/"),
    ("get", "/api/v1/studies/{study_slug}/rounds/"),
    ("post", "/api/v1/studies/{study_slug}/rounds/"),
    ("get", "/api/v1/studies/{study_slug}/rounds/{number}/"),
    ("post", "/api/v1/studies/{study_slug}/rounds/{number}/open/"),
    ("post", "/api/v1/studies/{study_slug}/rounds/{number}/close/"),
    ("get", "/api/v1/studies/{study_slug}/rounds/{number}/results/"),
    ("get", "/api/v1/studies/{study_slug}/rounds/{round_number}/answers/"),
}


def test_the_schema_validates_without_a_warning(tmp_path):
    # --fail-on-warn: an endpoint drf-spectacular cannot describe exactly fails the build.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    assert "openapi: 3" in (tmp_path / "schema.yaml").read_text()


def test_the_schema_documents_every_operation_of_the_api(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    documented = {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "patch", "put", "delete")
    }
    assert documented == OPERATIONS


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            self._in_script = "src" not in found
            if found.get("src"):
                self.urls.append(found["src"] or "")
        if tag == "link" and found.get("href"):
            self.urls.append(found["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def test_swagger_ui_is_served_from_the_site_alone(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assets = _Assets()
    assets.feed(response.content.decode())
    assert assets.inline_scripts == []  # the start-up script is a URL too (content policy)
    static = [url for url in assets.urls if url.startswith("/static/")]
    assert len(static) >= 3  # the CSS, the two Swagger UI bundles (and the favicon)
    for url in static:
        assert finders.find(url.removeprefix("/static/")), url
    [script] = [url for url in assets.urls if not url.startswith("/static/")]
    assert script.startswith("/api/docs/?")
    start_up = client.get(script)
    assert start_up["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in start_up.content.decode()


# --- The schema-driven tester --------------------------------------------------------------------

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Per operation and mode; with the real-object variants this keeps the run well under a minute.
EXAMPLES = 8


def _real_path_values(study: Study) -> dict[str, str]:
    """Path parameters that name existing objects, so that not every case stops at a 404."""
    round_ = study.rounds.order_by("-number").first()
    leaf = study.nodes.filter(children__isnull=True).order_by("position").first()
    assert round_ is not None and leaf is not None
    return {
        "slug": study.slug,
        "study_slug": study.slug,
        "number": str(round_.number),
        "round_number": str(round_.number),
        "code": leaf.code,
        "pseudonym": study.panelists.order_by("pseudonym").first().pseudonym,
    }


def _can_be_invalid(raw: dict, method: str, path: str) -> bool:
    """Whether a request to the operation can break its schema while keeping a routable URL.

    A body or a query parameter can; a free-text path parameter cannot (only with a '/', which
    would change the address), so operations with nothing else get positive cases only.
    """
    operation = raw["paths"][path][method]
    parameters = operation.get("parameters", [])
    return (
        "requestBody" in operation
        or any(p["in"] == "query" for p in parameters)
        or any(p["in"] == "path" and p["schema"].get("type") != "string" for p in parameters)
    )


def _exercise(strategy, checks: list, headers: dict[str, str]):
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=strategy)
    def exercise(case) -> None:
        case.call_and_validate(headers=headers, checks=checks)

    return exercise


def _on_real_objects(case, values: dict[str, str]):
    if case.path_parameters:
        case.path_parameters = {
            name: values.get(name, value) for name, value in case.path_parameters.items()
        }
    return case


@pytest.fixture
def in_process_wsgi():
    """Requests through the WSGI application keep the test's database connection open.

    Django closes connections when a request finishes; its test client suspends that, and so does
    this fixture for the tester's own WSGI client.
    """
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield application
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


def test_the_api_answers_every_generated_request_as_its_schema_documents(
    demo_study, settings, in_process_wsgi
):
    """Schemathesis fuzzes each operation as an analyst of the demo study: never a 5xx, and every
    status, content type, header and body is one the schema documents."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    for round_ in demo_study.rounds.all():  # results exist, as after the import's recompute
        round_recompute(round_id=round_.pk)
    analyst = UserFactory()
    grant(analyst, demo_study, "analyst")
    auth = {
        "Authorization": f"Token {api_key_issue(user=analyst)}",
        # The WSGI transport does not undo GZipMiddleware's compression; ask for none.
        "Accept-Encoding": "identity",
    }
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", in_process_wsgi)
    values = _real_path_values(demo_study)
    exercised, failures = set(), []
    for result in schema.get_all_operations():
        operation = result.ok()
        exercised.add((operation.method.lower(), operation.path))
        modes = [GenerationMode.POSITIVE]
        if _can_be_invalid(schema.raw_schema, operation.method.lower(), operation.path):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            strategy = operation.as_strategy(generation_mode=mode)
            checks = CHECKS
            if mode is GenerationMode.POSITIVE:
                strategy = strategy | strategy.map(lambda case: _on_real_objects(case, values))
            else:
                checks = [*CHECKS, negative_data_rejection]

            exercise = _exercise(strategy, checks, auth)
            try:
                exercise()
            except (Exception, BaseExceptionGroup) as exc:  # every operation reports, then we fail
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert failures == []
    assert exercised == OPERATIONS
