"""A backup restores: pg_dump of the database, pg_restore into a fresh one, and the study and
its results export exactly as before (README, "Backup and restore")."""

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from scoring.recompute import round_recompute
from surveys.models import Round
from surveys.questionnaire import draft_save_many

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("pg_dump", "pg_restore", "createdb", "dropdb", "psql")
DRAFT_QUERY = "SELECT count(*) FROM surveys_answer WHERE draft AND value::text LIKE '%Draft kept%'"


def url_of(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    )


def server_args() -> list[str]:
    db = settings.DATABASES["default"]
    return ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if settings.DATABASES["default"].get("PASSWORD"):
        env["PGPASSWORD"] = settings.DATABASES["default"]["PASSWORD"]
    env.update(kwargs.pop("env", {}))
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, **kwargs
    )
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"
    return result


def exports(database: str, slug: str, numbers: list[int], folder: Path) -> dict[str, bytes]:
    """The study's bundle and every round's results, exported by the management commands from
    `database` in a separate process (as an operator would after a restore)."""
    folder.mkdir()
    env = {"DATABASE_URL": url_of(database), "SECRET_KEY": settings.SECRET_KEY}
    files = {"bundle.json": ["export_bundle", slug]}
    for number in numbers:
        for fmt in ("json", "csv"):
            files[f"round{number}.{fmt}"] = [
                "export_results",
                slug,
                "--round",
                str(number),
                "--format",
                fmt,
            ]
    for name, command in files.items():
        run([sys.executable, "manage.py", *command, "-o", str(folder / name)], env=env)
    return {name: (folder / name).read_bytes() for name in files}


@pytest.fixture
def restored_name():
    name = f"{settings.DATABASES['default']['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    yield name
    subprocess.run(
        ["dropdb", *server_args(), "--if-exists", name], capture_output=True, timeout=120
    )


def test_a_restored_dump_exports_the_same_bundle_and_results(demo_study, tmp_path, restored_name):
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs the PostgreSQL client tools: {', '.join(missing)}")
    study = demo_study
    numbers = list(
        study.rounds.exclude(status=Round.Status.DRAFT)
        .order_by("number")
        .values_list("number", flat=True)
    )
    for round_ in study.rounds.exclude(status=Round.Status.DRAFT):
        round_recompute(round_id=round_.pk)
    # A draft too: a backup holds work in progress, not only what was submitted.
    open_round = study.rounds.get(status=Round.Status.OPEN)
    draft_save_many(
        round_=open_round,
        panelist=study.panelists.get(pseudonym="E10"),
        answers=[{"node": "E.PO", "measure": "comment", "value": "Draft kept by the backup."}],
    )
    before = exports(
        settings.DATABASES["default"]["NAME"], study.slug, numbers, tmp_path / "before"
    )

    dump = tmp_path / "delphi.dump"
    run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--file",
            str(dump),
            url_of(settings.DATABASES["default"]["NAME"]),
        ]
    )
    run(["createdb", *server_args(), restored_name])
    run(["pg_restore", "--no-owner", "--dbname", url_of(restored_name), str(dump)])
    after = exports(restored_name, study.slug, numbers, tmp_path / "after")

    assert after.keys() == before.keys()
    for name in before:
        assert after[name] == before[name], name
    # The draft came back too, though no export shows drafts.
    check = run(["psql", url_of(restored_name), "-tAc", DRAFT_QUERY])
    assert check.stdout.strip() == "1"
