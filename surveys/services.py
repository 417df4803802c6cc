"""Writes of the surveys app: panel, rounds, invitations (design.md: services, keyword-only)."""

from django.db import transaction
from django.utils import timezone

from . import tokens
from .models import Invitation, Panelist, Round
from .round_gate import round_gate_exclusive


def pseudonym_for(index: int) -> str:
    """E01, E02, … in panel order; the pseudonym analysts see instead of a name."""
    return f"E{index + 1:02d}"


def invitations_create(*, round_: Round) -> list[Invitation]:
    """One invitation per panelist of the round's study who has none yet in this round."""
    invited = set(round_.invitations.values_list("panelist_id", flat=True))
    created = []
    # An erased panelist (surveys.privacy) keeps their answers but is not invited again.
    panelists = Panelist.objects.filter(study_id=round_.study_id, erased_at__isnull=True)
    for panelist in panelists.exclude(pk__in=invited):
        salt = tokens.new_salt()
        created.append(
            Invitation(
                round=round_,
                panelist=panelist,
                token_salt=salt,
                token_hash=tokens.token_hash(tokens.token_for(salt)),
            )
        )
    with transaction.atomic():
        return Invitation.objects.bulk_create(created)


def invitation_link(*, invitation: Invitation) -> str:
    """The path of the invitation's personal questionnaire link."""
    return f"/q/{tokens.token_for(invitation.token_salt)}/"


class RoundStateError(ValueError):
    """A round cannot move to the requested status from the one it is in."""


def round_open(*, round_: Round) -> Round:
    """Open a draft round: it takes answers, and every panelist gets a personal link."""
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        if locked.status != Round.Status.DRAFT:
            raise RoundStateError(f"round {locked.number} is {locked.status}, not a draft")
        # Checked here for a clear message; the one_open_round_per_study constraint still
        # decides a race between two openings.
        if Round.objects.filter(study_id=locked.study_id, status=Round.Status.OPEN).exists():
            raise RoundStateError("another round of this study is open")
        locked.status = Round.Status.OPEN
        locked.opened_at = timezone.now()
        locked.save(update_fields=["status", "opened_at"])
        invitations_create(round_=locked)
    round_.status, round_.opened_at = locked.status, locked.opened_at
    return locked


def round_close(*, round_: Round) -> Round:
    """Close an open round: later saves and submissions are refused; results are recomputed."""
    from scoring.services import recompute_schedule

    with transaction.atomic():
        # The saves and submits in flight commit before the close, later ones find the round
        # closed: never half of each (surveys.round_gate).
        round_gate_exclusive([round_.pk])
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        if locked.status != Round.Status.OPEN:
            raise RoundStateError(f"round {locked.number} is {locked.status}, not open")
        locked.status = Round.Status.CLOSED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        # The submitted answers did not change (answers_version stays); the recompute makes
        # sure the closed round has a snapshot of exactly them.
        recompute_schedule(round_id=locked.pk)
    round_.status, round_.closed_at = locked.status, locked.closed_at
    return locked
