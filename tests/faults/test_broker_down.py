"""With Redis down, answers are still stored; the sweep recomputes once the broker is back."""

import pytest
from django.core.cache import cache

from roadmap_site.celery import app
from scoring.models import ResultSnapshot
from scoring.recompute import stale_round_ids
from scoring.tasks import recompute_stale_rounds
from surveys.models import Answer, Submission
from surveys.questionnaire import draft_save_many, submission_submit

pytestmark = pytest.mark.django_db(transaction=True)
DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def use_broker(url: str) -> None:
    """Point the app at another broker; its pools are made afresh for the new address."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(small_study):
    previous = app.conf.broker_url
    app.conf.task_always_eager = False
    use_broker(DEAD_BROKER)
    try:
        yield
    finally:
        use_broker(previous)
        app.conf.task_always_eager = True


def answer_and_submit(study, panelist) -> None:
    round_ = study.rounds.get(status="open")
    draft_save_many(
        round_=round_,
        panelist=panelist,
        answers=[
            {"node": "T.2", "measure": "familiarity", "value": 5},
            {"node": "T.2", "measure": "importance", "value": 2},
            {"node": "T.2", "measure": "maturity", "value": "long"},
            {"node": "T.2", "measure": "regional_advantage", "value": "no"},
        ],
    )
    submission_submit(round_=round_, panelist=panelist)


def test_a_submission_is_stored_while_the_broker_is_down(small_study, broker_down):
    cache.clear()
    panelist = small_study.panelists.get(external_id="A")
    answer_and_submit(small_study, panelist)
    submission = Submission.objects.get(round__study=small_study, panelist=panelist)
    assert submission.status == "submitted"
    assert Answer.objects.filter(submission=submission, draft=False, node__code="T.2").count() == 4
    assert small_study.rounds.get().pk in stale_round_ids()


def test_the_sweep_recomputes_stale_rounds_once_the_broker_is_back(small_study, broker_down):
    cache.clear()
    answer_and_submit(small_study, small_study.panelists.get(external_id="A"))
    round_ = small_study.rounds.get()
    assert round_.pk in stale_round_ids()
    use_broker("memory://localhost/")
    app.conf.task_always_eager = True  # the worker's side of the sweep, run in-process
    assert recompute_stale_rounds() >= 1
    round_.refresh_from_db()
    snapshot = ResultSnapshot.objects.get(round=round_)
    assert snapshot.answers_version == round_.answers_version
    assert stale_round_ids() == []
