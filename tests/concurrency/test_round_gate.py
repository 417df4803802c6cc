"""A close waits for the writes in flight, and the saves begun after it wait for the close and
find the round closed: a stream of saves cannot hold a close off (surveys.round_gate)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from surveys.console.services import round_finish
from surveys.framework import framework_load
from surveys.models import Round, Submission
from surveys.questionnaire import RoundClosedError, draft_save_many, submission_submit
from tests.expert.builders import full_answers, import_study, seed_bundle

from ..processes import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def waiting_on_the_gate() -> int:
    """Transactions queued for a round's gate (advisory locks not granted yet)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0]


class Job(threading.Thread):
    """Run `work` on its own database connection; keep what it returned or raised."""

    def __init__(self, work: Callable[[], Any]):
        super().__init__(daemon=True)
        self.work, self.result, self.error = work, None, None

    def run(self) -> None:
        try:
            self.result = self.work()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            self.error = exc
        finally:
            connection.close()


def test_saves_begun_while_a_close_waits_queue_behind_it_and_are_refused():
    study = import_study(seed_bundle(slug="gate", experts=3), snapshots=False)
    round_ = study.rounds.get()
    first, late = study.panelists.get(external_id="X01"), study.panelists.get(external_id="X02")
    leaf = framework_load(study=study).leaves["T.BR.1"]
    draft_save_many(round_=round_, panelist=first, answers=full_answers("T.BR.1", leaf.measures))
    answer = [{"node": "T.BR.1", "measure": "importance", "value": 4}]
    submitted, finish = threading.Event(), threading.Event()

    def submit_in_flight() -> None:
        # A submit also moves the round's answers version: the late save's read of the round
        # must still see the close that commits after it.
        with transaction.atomic():
            submission_submit(round_=round_, panelist=first)
            submitted.set()
            finish.wait(timeout=30)

    in_flight = Job(submit_in_flight)
    in_flight.start()
    assert submitted.wait(timeout=30)
    close = Job(lambda: round_finish(round_=Round.objects.get(pk=round_.pk)))
    close.start()
    wait_for(lambda: waiting_on_the_gate() == 1, timeout=30, what="the close to wait")
    late_save = Job(lambda: draft_save_many(round_=round_, panelist=late, answers=answer))
    late_save.start()
    # Under FOR KEY SHARE alone the late save would be granted beside the one in flight and
    # land before the close; it waits in the gate's queue instead.
    wait_for(lambda: waiting_on_the_gate() == 2, timeout=30, what="the late save to wait")
    assert late_save.is_alive() and close.is_alive()

    finish.set()
    for job in (in_flight, close, late_save):
        job.join(timeout=30)
    assert in_flight.error is None and close.error is None, (in_flight.error, close.error)
    assert isinstance(late_save.error, RoundClosedError), late_save.error
    round_.refresh_from_db()
    assert round_.status == Round.Status.CLOSED
    assert round_.answers_version == 1
    assert Submission.objects.get(panelist=first).status == Submission.Status.SUBMITTED
    assert not Submission.objects.filter(panelist=late).exists()
