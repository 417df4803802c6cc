"""The bundle commands as an administrator meets them: one clear line and a non-zero exit."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ..factories import small_bundle

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=_test_env(),
    )


def _test_env() -> dict:
    """The subprocess must use the test database the fixtures set up."""
    import os

    from django.conf import settings

    env = dict(os.environ)
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    else:
        env["SQLITE_PATH"] = str(db["NAME"])
    return env


@pytest.fixture
def sqlite_file_db(settings, tmp_path):
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and (
        "memory" in str(settings.DATABASES["default"]["NAME"])
    ):
        pytest.skip("the in-memory SQLite test database cannot be shared with a subprocess")


def test_a_defective_bundle_fails_with_one_line_naming_the_path(tmp_path, sqlite_file_db):
    bundle = small_bundle()
    bundle["rounds"][0]["responses"][1]["value"] = 9
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bundle))
    result = manage("import_bundle", str(path))
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "rounds[0].responses[1].value" in lines[0]
    assert "Traceback" not in result.stderr


def test_malformed_json_names_line_and_column(tmp_path, sqlite_file_db):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "delphi-bundle/1",\n "study": }')
    result = manage("import_bundle", str(path))
    assert result.returncode != 0
    assert "line 2" in result.stderr and "column" in result.stderr


def test_an_unknown_slug_fails_clearly(sqlite_file_db):
    result = manage("export_bundle", "no-such-study", "-o", "-")
    assert result.returncode != 0
    assert "no study with slug 'no-such-study'" in result.stderr
