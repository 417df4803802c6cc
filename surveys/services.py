"""Writes of the surveys app: panel, rounds, invitations (design.md: services, keyword-only)."""

from django.db import transaction

from . import tokens
from .models import Invitation, Panelist, Round


def pseudonym_for(index: int) -> str:
    """E01, E02, … in panel order; the pseudonym analysts see instead of a name."""
    return f"E{index + 1:02d}"


def invitations_create(*, round_: Round) -> list[Invitation]:
    """One invitation per panelist of the round's study who has none yet in this round."""
    invited = set(round_.invitations.values_list("panelist_id", flat=True))
    created = []
    for panelist in Panelist.objects.filter(study_id=round_.study_id).exclude(pk__in=invited):
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
