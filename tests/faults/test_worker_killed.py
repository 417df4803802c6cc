"""A worker killed mid-recompute leaves the previous snapshot intact, and the job is retried."""

import os
import signal
import subprocess

import pytest
from django.conf import settings

from roadmap_site.celery import app
from scoring.models import ResultSnapshot
from scoring.recompute import round_recompute
from surveys.questionnaire import draft_save_many, submission_submit

from ..processes import celery_worker, database_url, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


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
    # Prefork: the killed process is the pool's child, and the main process notices the loss.
    with celery_worker(log=log, env=env, app="tests.faults.slow_worker", pool="prefork") as process:
        yield process, log


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
        wait_for(lambda: "slow recompute started" in log.read_text(), 60, "the recompute to start")
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
        90,
        "the retried recompute",
    )
    text = log.read_text()
    assert "WorkerLostError" in text or "exited" in text, text
    assert text.count("slow recompute started") >= 2
    after = ResultSnapshot.objects.get(round=round_).document
    assert "T.2" in {entry["node"] for entry in after["results"]}
