"""A worker killed mid-recompute leaves the previous snapshot intact, and the job is retried."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from roadmap_site.celery import app
from scoring.models import ResultSnapshot
from scoring.recompute import round_recompute
from surveys.questionnaire import draft_save_many, submission_submit

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def pool_children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]


@pytest.fixture
def slow_worker(tmp_path):
    app.conf.task_always_eager = False
    app.control.purge()
    log = tmp_path / "worker.log"
    env = dict(
        os.environ, DATABASE_URL=database_url(), CELERY_BROKER_URL=settings.CELERY_BROKER_URL
    )
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.faults.slow_worker",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: " ready." in log.read_text())
        yield process, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_killed_recompute_keeps_the_old_snapshot_and_is_retried(
    small_study, slow_worker, settings
):
    process, log = slow_worker
    settings.RECOMPUTE_COALESCE_SECONDS = 0
    round_ = small_study.rounds.get()
    round_recompute(round_id=round_.pk)  # the snapshot as it stands: two experts
    before = ResultSnapshot.objects.get(round=round_)

    panelist = small_study.panelists.get(external_id="A")
    draft_save_many(
        round_=round_,
        panelist=panelist,
        answers=[
            {"node": "T.2", "measure": "familiarity", "value": 5},
            {"node": "T.2", "measure": "importance", "value": 1},
            {"node": "T.2", "measure": "maturity", "value": "long"},
            {"node": "T.2", "measure": "regional_advantage", "value": "no"},
        ],
    )
    submission_submit(round_=round_, panelist=panelist)

    try:
        wait_for(lambda: "slow recompute started" in log.read_text())
    except AssertionError:
        raise AssertionError(log.read_text()) from None
    children = pool_children(process.pid)
    assert children, log.read_text()
    for child in children:
        os.kill(child, signal.SIGKILL)

    kept = ResultSnapshot.objects.get(round=round_)
    assert kept.answers_version == before.answers_version
    assert kept.document == before.document

    round_.refresh_from_db()
    wait_for(
        lambda: ResultSnapshot.objects.get(round=round_).answers_version == round_.answers_version,
        timeout=90,
    )
    text = log.read_text()
    assert "WorkerLostError" in text or "exited" in text, text
    assert text.count("slow recompute started") >= 2
    after = ResultSnapshot.objects.get(round=round_).document
    assert "T.2" in {entry["node"] for entry in after["results"]}
