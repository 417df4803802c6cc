"""The web processes survive their database connections being cut (as a PostgreSQL restart
cuts them) without a restart of their own: connections are health-checked before reuse."""

import pytest
from django.db import connection

from surveys.models import Answer
from tests.expert.builders import import_study, link, seed_bundle

from ..processes import wait_for
from .conftest import Server

pytestmark = pytest.mark.services


def cut_other_connections() -> int:
    """Terminate every other session on the test database, as a server restart would."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def other_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def save(server: Server, path: str, value: int) -> int:
    status, _body = server.post_json(
        path + "answer", {"node": "T.BR.1", "measure": "familiarity", "value": value}
    )
    return status


def test_health_and_saves_keep_working_after_the_database_cuts_every_connection(gunicorn):
    study = import_study(seed_bundle(slug="restart"), snapshots=False)
    path = link(study, "X01")
    # One process, one thread: every request reuses the same persistent connection.
    server = gunicorn(workers=1, threads=1)

    status, _headers, body = server.request("GET", "/healthz")
    assert status == 200, body
    assert save(server, path, 1) == 200
    wait_for(lambda: other_connections() >= 1, 10, "gunicorn's persistent connection")

    assert cut_other_connections() >= 1

    status, _headers, body = server.request("GET", "/healthz")
    assert status == 200, body  # not "database: down"
    assert save(server, path, 2) == 200
    assert Answer.objects.get(node__code="T.BR.1", measure=0, draft=True).value == 2


def test_health_reports_each_dependency(gunicorn):
    import json

    server = gunicorn(workers=1, threads=1)
    status, _headers, body = server.request("GET", "/healthz")
    report = json.loads(body)
    assert status == 200
    assert report["status"] == "ok"
    assert report["database"] == "ok" and report["broker"] == "ok"


def test_health_says_which_dependency_is_down(gunicorn):
    import json

    server = gunicorn(workers=1, threads=1, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
    status, _headers, body = server.request("GET", "/healthz")
    report = json.loads(body)
    assert status == 503
    assert report["status"] == "degraded"
    assert report["database"] == "ok" and report["broker"].startswith("down")
