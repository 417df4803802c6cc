"""Writes of the scoring app: scheduling recomputes and storing snapshots."""

from django.db import transaction


def recompute_schedule(*, round_id: int) -> None:
    """Recompute the round's results once the current transaction has committed."""
    from .tasks import recompute_round

    transaction.on_commit(lambda: recompute_round.delay(round_id))
