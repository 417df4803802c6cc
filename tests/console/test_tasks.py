"""Invitation and reminder e-mails: once each, in the panelist's language, rate-limited."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from surveys.bundles import bundle_import
from surveys.models import Invitation, Round
from surveys.questionnaire import draft_save_many, submission_submit
from surveys.tasks import invitations_send, reminders_send, reminders_send_due
from tests.factories import small_bundle

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_study(db):
    """Round 1 open: Ada (English, e-mail) has not answered; Bo (no e-mail) has submitted."""
    data = small_bundle(slug="tasks-study")
    data["rounds"][0]["responses"] = [
        r for r in data["rounds"][0]["responses"] if r["expert"] == "B"
    ]
    return bundle_import(data=data)


@pytest.fixture
def open_round(small_study):
    return small_study.rounds.get(status=Round.Status.OPEN)


def ago(**delta) -> object:
    return timezone.now() - timedelta(**delta)


def test_invitations_are_sent_once_however_often_the_task_runs(open_round):
    assert invitations_send(open_round.pk) == 1
    assert invitations_send(open_round.pk) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.org"]
    assert mail.outbox[0].extra_headers["Content-Language"] == "en"


def test_an_invitation_e_mail_carries_an_html_version_with_the_same_link(open_round):
    invitations_send(open_round.pk)
    message = mail.outbox[0]
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    link = next(w for w in message.body.split() if w.startswith(settings.SITE_URL))
    assert f'href="{link}"' in html


def test_a_failed_send_is_released_for_the_next_run(open_round, monkeypatch):
    from surveys import tasks

    def broken(*args, **kwargs):
        raise OSError("SMTP server down")

    monkeypatch.setattr(tasks, "_send", broken)
    assert invitations_send(open_round.pk) == 0
    assert Invitation.objects.get(round=open_round, panelist__external_id="A").sent_at is None
    monkeypatch.undo()
    assert invitations_send(open_round.pk) == 1


def test_the_scheduled_reminder_waits_two_days_between_e_mails(open_round):
    invitation = Invitation.objects.get(round=open_round, panelist__external_id="A")
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=ago(hours=20))
    assert reminders_send(open_round.pk) == 0  # invited less than two days ago

    Invitation.objects.filter(pk=invitation.pk).update(sent_at=ago(days=3))
    assert reminders_send(open_round.pk) == 1
    assert reminders_send(open_round.pk) == 0  # just reminded

    Invitation.objects.filter(pk=invitation.pk).update(reminded_at=ago(days=1, hours=23))
    assert reminders_send(open_round.pk) == 0
    Invitation.objects.filter(pk=invitation.pk).update(reminded_at=ago(days=2, minutes=1))
    assert reminders_send(open_round.pk) == 1
    assert len(mail.outbox) == 2


def test_no_reminder_goes_to_a_panelist_who_submitted(open_round, small_study):
    Invitation.objects.filter(round=open_round).update(sent_at=ago(days=3))
    ada = small_study.panelists.get(external_id="A")
    draft_save_many(
        round_=open_round,
        panelist=ada,
        answers=[{"node": "E", "measure": "comment", "value": "Done."}],
    )
    submission_submit(round_=open_round, panelist=ada)
    assert reminders_send(open_round.pk) == 0


def test_the_daily_job_sends_pending_invitations_and_due_reminders_of_open_rounds(
    open_round, small_study
):
    assert reminders_send_due() == 1  # Ada's invitation, not yet sent
    assert Invitation.objects.get(round=open_round, panelist__external_id="A").sent_at
    assert reminders_send_due() == 0  # a reminder only two days after the invitation
    Invitation.objects.filter(round=open_round).update(sent_at=ago(days=2, minutes=5))
    assert reminders_send_due() == 1
    assert "Reminder" in mail.outbox[-1].subject


def test_nothing_is_sent_for_a_round_that_is_not_open(open_round):
    Round.objects.filter(pk=open_round.pk).update(status=Round.Status.CLOSED)
    assert invitations_send(open_round.pk) == 0
    assert reminders_send(open_round.pk, min_interval=0) == 0
    assert mail.outbox == []


def test_the_reminder_schedule_is_in_celery_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["send-due-reminders"]
    assert entry["task"] == "surveys.tasks.reminders_send_due"
    assert entry["schedule"] <= 24 * 60 * 60
