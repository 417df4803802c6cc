"""Run the test suite against PostgreSQL and Redis, or against what this machine has.

`make test` calls this. PostgreSQL (`DATABASE_URL`) and Redis (`CELERY_BROKER_URL`) default to
the local servers. A service that does not answer is left out and the tests that need it are
skipped with the reason; with `REQUIRE_SERVICES=1` (as on CI) a missing service fails the run.
"""

import os
import shutil
import socket
import sys
from urllib.parse import urlparse

import pytest

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/delphi"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/9"


def reachable(url: str, default_port: int) -> bool:
    parts = urlparse(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def main(argv: list[str]) -> int:
    required = os.environ.get("REQUIRE_SERVICES") == "1"
    os.environ.setdefault("SECRET_KEY", "test-suite-only-secret-key-not-for-production-use")
    missing = []
    for variable, default, port, service in (
        ("DATABASE_URL", DEFAULT_DATABASE_URL, 5432, "PostgreSQL"),
        ("CELERY_BROKER_URL", DEFAULT_BROKER_URL, 6379, "Redis"),
    ):
        url = os.environ.setdefault(variable, default)
        if not reachable(url, port):
            missing.append(f"{service} ({url})")
            del os.environ[variable]
    if shutil.which("chromium") is None and not os.environ.get("CHROMIUM_PATH"):
        missing.append("Chromium (/usr/bin/chromium)")
    if missing and required:
        print(f"REQUIRE_SERVICES=1 but not reachable: {', '.join(missing)}", file=sys.stderr)
        return 1
    os.environ["DELPHI_MISSING_SERVICES"] = ";".join(missing)
    if missing:
        print(f"Not reachable, tests that need them are skipped: {', '.join(missing)}")
    return pytest.main(["-p", "no:cacheprovider", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
