"""One panelist's personal data: a copy for them, and erasure that keeps their answers.

Erasure removes what identifies the person (name, e-mail address, affiliation) and withdraws
their links; their answers stay, under the pseudonym, so that every round's results are the same
after as before (the answers are the study's record, and scoring never read who gave them).
"""

from typing import Any

from django.db import transaction
from django.utils import timezone

from scoring import method

from .models import Answer, Invitation, Panelist

FORMAT = "delphi-personal-data/1"
PERSONAL_FIELDS = ("name", "email", "affiliation")


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def panelist_personal_data(*, panelist: Panelist) -> dict[str, Any]:
    """Everything the platform holds about one panelist, as a JSON-ready document.

    The person's details, their links' history (never the links themselves: a copy of this
    document must not open the questionnaire), and every answer they gave, drafts included.
    """
    invitations = (
        Invitation.objects.filter(panelist=panelist)
        .select_related("round")
        .order_by("round__number")
    )
    answers: dict[int, list[dict[str, Any]]] = {}
    rows = (
        Answer.objects.filter(submission__panelist=panelist)
        .order_by("submission__round__number", "draft", "node__position", "measure")
        .values_list(
            "submission__round__number", "node__code", "measure", "draft", "value", "reason"
        )
    )
    for number, code, measure, draft, value, reason in rows:
        item: dict[str, Any] = {
            "node": code,
            "measure": method.MEASURES[measure],
            "value": value,
            "draft": draft,
        }
        if reason:
            item["reason"] = reason
        answers.setdefault(number, []).append(item)
    submissions = panelist.submissions.select_related("round").order_by("round__number")
    return {
        "format": FORMAT,
        "study": panelist.study.slug,
        "panelist": {
            "id": panelist.external_id,
            "pseudonym": panelist.pseudonym,
            "name": panelist.name,
            "email": panelist.email,
            "affiliation": panelist.affiliation,
            "language": panelist.language,
            "erased_at": _time(panelist.erased_at),
        },
        "invitations": [
            {
                "round": invitation.round.number,
                "created_at": _time(invitation.created_at),
                "sent_at": _time(invitation.sent_at),
                "reminded_at": _time(invitation.reminded_at),
                "opened_at": _time(invitation.opened_at),
                "revoked_at": _time(invitation.revoked_at),
            }
            for invitation in invitations
        ],
        "submissions": [
            {
                "round": submission.round.number,
                "status": submission.status,
                "submitted_at": _time(submission.submitted_at),
                "answers": answers.get(submission.round.number, []),
            }
            for submission in submissions
        ],
    }


def panelist_erase(*, panelist: Panelist) -> Panelist:
    """Erase the panelist's name, e-mail address and affiliation; withdraw their links.

    Their answers and pseudonym stay, so results do not change. Erasing again changes nothing
    (the first erasure's time is kept).
    """
    with transaction.atomic():
        locked = Panelist.objects.select_for_update().get(pk=panelist.pk)
        now = timezone.now()
        for field in PERSONAL_FIELDS:
            setattr(locked, field, None)
        locked.erased_at = locked.erased_at or now
        locked.save(update_fields=[*PERSONAL_FIELDS, "erased_at"])
        # A withdrawn link opens nothing (410), and no reminder is sent with it.
        Invitation.objects.filter(panelist=locked, revoked_at__isnull=True).update(revoked_at=now)
    for field in (*PERSONAL_FIELDS, "erased_at"):
        setattr(panelist, field, getattr(locked, field))
    return panelist
