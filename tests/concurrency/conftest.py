"""Real processes for the concurrency tests: gunicorn and a Celery worker on the test database.

Each test starts the processes it needs and stops them itself, within bounded waits. The
requests go over HTTP to 127.0.0.1 only, with urllib-level clients in threads.
"""

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from ..processes import ROOT, database_url, python_module_start, stop, wait_for
from ..processes import celery_worker as start_celery_worker

# Any 32 letters and digits make a CSRF secret: the client sends it as the cookie and the header,
# as the questionnaire's script does with the cookie it was given.
CSRF = secrets.token_hex(16)
PRIVATE_REDIS_DB = 12


def private_broker_url() -> str:
    """The test Redis with a database of these tests' own (12): a worker of another test run on
    the same Redis never takes their jobs, and flushing it touches nobody else's."""
    parts = urlsplit(settings.CELERY_BROKER_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{PRIVATE_REDIS_DB}", "", ""))


def redis_flush() -> None:
    """Empty the private database: no queued job or coalescing flag of an earlier test stays."""
    import redis

    redis.Redis.from_url(private_broker_url(), socket_connect_timeout=2).flushdb()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_env(**extra: str) -> dict[str, str]:
    """The service mode on the test database: same secret key (the links are derived from it),
    the test broker, production-like otherwise."""
    env = dict(os.environ)
    for key in ("DEBUG", "SITE_URL", "SECURE_SSL_REDIRECT"):
        env.pop(key, None)
    env.update(
        DATABASE_URL=database_url(),
        SECRET_KEY=settings.SECRET_KEY,
        CELERY_BROKER_URL=private_broker_url(),
        ALLOWED_HOSTS="127.0.0.1",
        RECOMPUTE_COALESCE_SECONDS="0.5",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> str:
    """The hashed static files production serves: pages rendered by gunicorn need the manifest."""
    root = tmp_path_factory.mktemp("static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=service_env(STATIC_ROOT=str(root)),
        check=True,
        timeout=300,
    )
    return str(root)


@dataclass
class Server:
    host: str
    port: int
    log: Path
    process: subprocess.Popen

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        form: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request on a fresh connection; the CSRF cookie and header always go along."""
        from urllib.parse import urlencode

        send = {
            "Cookie": "; ".join(
                f"{k}={v}" for k, v in {"csrftoken": CSRF, **(cookies or {})}.items()
            )
        }
        send["X-CSRFToken"] = CSRF
        payload: bytes | None = None
        if form is not None:
            payload = urlencode({**form, "csrfmiddlewaretoken": CSRF}).encode()
            send["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            payload = json.dumps(body).encode()
            send["Content-Type"] = "application/json"
        send["Accept"] = "application/json"
        send.update(headers or {})
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=payload, headers=send)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def post_json(self, path: str, body: Any = None) -> tuple[int, dict]:
        status, _headers, content = self.request("POST", path, body)
        try:
            return status, json.loads(content)
        except ValueError:
            return status, {"raw": content.decode(errors="replace")[:500]}


def start_gunicorn(tmp_path: Path, *, workers: int, threads: int, **env: str) -> Server:
    port = free_port()
    log = tmp_path / f"gunicorn-{port}.log"
    process = python_module_start(
        [
            "gunicorn", "roadmap_site.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--threads", str(threads),
            "--timeout", "120", "--graceful-timeout", "10",
        ],
        log=log,
        env=service_env(**env),
    )  # fmt: skip
    server = Server("127.0.0.1", port, log, process)

    def answers() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{log.read_text()}")
        try:
            return server.request("GET", "/healthz", timeout=5)[0] in (200, 503)
        except OSError:
            return False

    try:
        wait_for(answers, 60, "gunicorn to answer")
    except BaseException:
        stop(process)
        raise
    return server


@pytest.fixture
def gunicorn(transactional_db, tmp_path, collected_static) -> Iterator[Callable[..., Server]]:
    """Start gunicorn on the test database (`gunicorn(workers=4, threads=4)`); stopped after."""
    redis_flush()
    started: list[Server] = []

    def start(*, workers: int = 4, threads: int = 4, **env: str) -> Server:
        server = start_gunicorn(
            tmp_path, workers=workers, threads=threads, STATIC_ROOT=collected_static, **env
        )
        started.append(server)
        return server

    yield start
    for server in started:
        stop(server.process)


@pytest.fixture
def celery_worker(transactional_db, tmp_path) -> Iterator[Path]:
    """A Celery worker on the test database and the private broker; yields its log file."""
    redis_flush()
    log = tmp_path / "worker.log"
    with start_celery_worker(log=log, env=service_env()):
        yield log
