"""Recomputes through Redis and a real Celery worker process that the test starts itself."""

import os
import time

import pytest
from django.conf import settings

from scoring.models import ResultSnapshot
from surveys.bundles import bundle_import
from surveys.models import Panelist, Round
from surveys.questionnaire import draft_save_many, submission_submit

from ..factories import small_bundle
from ..processes import celery_worker, database_url, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
COALESCE_SECONDS = 2


@pytest.fixture
def worker(tmp_path):
    """A private Celery worker on the test database; yields a function returning its log."""
    from roadmap_site.celery import app

    app.conf.task_always_eager = False
    app.control.purge()
    log = tmp_path / "worker.log"
    env = dict(
        os.environ,
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        RECOMPUTE_COALESCE_SECONDS=str(COALESCE_SECONDS),
    )
    with celery_worker(log=log, env=env):
        yield lambda: log.read_text()


def study_with_panel(size: int):
    bundle = small_bundle()
    bundle["experts"] = [{"id": f"X{i:03d}"} for i in range(size)]
    bundle["rounds"][0]["responses"] = []
    return bundle_import(data=bundle)


def submit(round_: Round, panelist: Panelist, importance: int) -> None:
    draft_save_many(
        round_=round_,
        panelist=panelist,
        answers=[
            {"node": "T.1", "measure": "familiarity", "value": 3},
            {"node": "T.1", "measure": "importance", "value": importance},
            {"node": "T.1", "measure": "maturity", "value": "short"},
            {"node": "T.1", "measure": "regional_advantage", "value": "yes"},
        ],
    )
    submission_submit(round_=round_, panelist=panelist)


def importance_n(round_: Round) -> int | None:
    snapshot = ResultSnapshot.objects.filter(round=round_).first()
    if snapshot is None:
        return None
    entries = [e for e in snapshot.document["results"] if e["measure"] == "importance"]
    return entries[0]["n"] if entries else 0


def test_submissions_produce_a_snapshot_that_counts_all_of_them(worker):
    study = study_with_panel(5)
    round_ = study.rounds.get()
    for index, panelist in enumerate(study.panelists.order_by("pk")):
        submit(round_, panelist, importance=1 + index % 5)
    wait_for(lambda: importance_n(round_) == 5, 60, "a snapshot counting 5 submissions")
    snapshot = ResultSnapshot.objects.get(round=round_)
    round_.refresh_from_db()
    assert snapshot.answers_version == round_.answers_version
    assert snapshot.document["panel"]["responded"] == 5


def test_a_burst_of_submissions_is_coalesced(worker):
    study = study_with_panel(40)
    round_ = study.rounds.get()
    for panelist in study.panelists.order_by("pk"):
        submit(round_, panelist, importance=4)
    wait_for(lambda: importance_n(round_) == 40, 60, "a snapshot counting 40 submissions")
    time.sleep(COALESCE_SECONDS + 1)  # let any straggling job finish before counting
    runs = worker().count("scoring.tasks.recompute_round[")
    succeeded = worker().count("succeeded in")
    assert 1 <= succeeded <= 6, worker()
    assert runs >= succeeded
