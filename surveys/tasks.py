"""Invitation and reminder e-mails (Celery). Each e-mail is in the panelist's language.

The tasks take ids, and are idempotent: an invitation is claimed (its `sent_at` or
`reminded_at` set) by a conditional UPDATE before its e-mail goes out, so two workers, a retried
task or a double click never send the same e-mail twice; a failed send releases the claim.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Invitation, Round, Submission
from .services import invitation_link

logger = logging.getLogger(__name__)

# The scheduled reminder goes to each expert at most once per two days; a reminder the analyst
# asks for waits only long enough to absorb a double click.
REMINDER_INTERVAL = int(timedelta(days=2).total_seconds())
REMINDER_ON_DEMAND_INTERVAL = int(timedelta(minutes=10).total_seconds())


def _pending(round_: Round) -> "QuerySet[Invitation]":
    submitted = Submission.objects.filter(round=round_, status=Submission.Status.SUBMITTED).values(
        "panelist_id"
    )
    return (
        Invitation.objects.filter(round=round_, revoked_at__isnull=True)
        .exclude(panelist_id__in=submitted)
        .exclude(panelist__email__isnull=True)
        .exclude(panelist__email="")
        .select_related("panelist", "round__study")
    )


def _send(invitation: Invitation, kind: str) -> None:
    panelist = invitation.panelist
    study = invitation.round.study
    language = panelist.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "panelist": panelist,
            "study_title": study.display_title(language),
            "region": study.region,
            "round": invitation.round,
            "link": settings.SITE_URL.rstrip("/") + invitation_link(invitation=invitation),
            "reminder": kind == "reminder",
        }
        subject = " ".join(render_to_string(f"email/{kind}_subject.txt", context).split())
        text = render_to_string(f"email/{kind}.txt", context)
        html = render_to_string(f"email/{kind}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[str(panelist.email)],
        headers={"Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    message.send()


def _deliver(invitation: Invitation, kind: str, field: str, previous: object) -> bool:
    try:
        _send(invitation, kind)
    except Exception:
        # Release the claim so that the next run (or a retry) sends it again.
        Invitation.objects.filter(pk=invitation.pk).update(**{field: previous})
        logger.exception("could not send the %s e-mail of invitation %s", kind, invitation.pk)
        return False
    return True


@shared_task(acks_late=True)
def invitations_send(round_id: int) -> int:
    """Send the invitation e-mail to every invited panelist of an open round not yet e-mailed."""
    round_ = Round.objects.filter(pk=round_id, status=Round.Status.OPEN).first()
    if round_ is None:
        return 0
    sent = 0
    for invitation in _pending(round_).filter(sent_at__isnull=True):
        claimed = Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
        if claimed and _deliver(invitation, "invitation", "sent_at", None):
            sent += 1
    return sent


@shared_task(acks_late=True)
def reminders_send(round_id: int, min_interval: int = REMINDER_INTERVAL) -> int:
    """Remind the e-mailed panelists who have not submitted, at most once per `min_interval` s."""
    round_ = Round.objects.filter(pk=round_id, status=Round.Status.OPEN).first()
    if round_ is None:
        return 0
    now = timezone.now()
    since = now - timedelta(seconds=min_interval)
    # Due: never reminded and invited long enough ago, or reminded long enough ago.
    due = Q(reminded_at__isnull=True, sent_at__lte=since) | Q(reminded_at__lte=since)
    sent = 0
    for invitation in _pending(round_).filter(sent_at__isnull=False).filter(due):
        claimed = Invitation.objects.filter(pk=invitation.pk).filter(due).update(reminded_at=now)
        if claimed and _deliver(invitation, "reminder", "reminded_at", invitation.reminded_at):
            sent += 1
    return sent


@shared_task(acks_late=True)
def reminders_send_due() -> int:
    """Daily (Celery beat): invitations not yet sent, then reminders, in every open round."""
    total = 0
    for round_id in Round.objects.filter(status=Round.Status.OPEN).values_list("pk", flat=True):
        total += invitations_send(round_id)
        total += reminders_send(round_id, min_interval=REMINDER_INTERVAL)
    return total
