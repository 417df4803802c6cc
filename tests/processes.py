"""Real processes for tests: a Celery worker on the test database, and bounded waits."""

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """The URL of the database the test runs on, for a process the test starts."""
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def python_module_start(args: list[str], *, log: Path, env: dict[str, str]) -> subprocess.Popen:
    """`python -m <args>` from the project's root, its output (both streams) into `log`."""
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )


@contextmanager
def celery_worker(
    *,
    log: Path,
    env: dict[str, str],
    app: str = "roadmap_site",
    pool: str = "solo",
    concurrency: int = 1,
) -> Iterator[subprocess.Popen]:
    """A Celery worker writing to `log`, ready when entered and stopped on exit."""
    process = python_module_start(
        [
            "celery", "-A", app, "worker", "--pool", pool, "--concurrency", str(concurrency),
            "--loglevel", "INFO", "--without-heartbeat", "--without-mingle", "--without-gossip",
        ],
        log=log,
        env=env,
    )  # fmt: skip
    try:
        wait_for(
            lambda: " ready." in log.read_text() or process.poll() is not None,
            60,
            "the Celery worker",
        )
        assert process.poll() is None, log.read_text()
        yield process
    finally:
        stop(process)
