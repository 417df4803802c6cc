"""Writes of the scoring app: scheduling recomputes (coalesced) after commit."""

import contextlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)


def pending_key(round_id: int) -> str:
    return f"recompute-pending:{round_id}"


def recompute_schedule(*, round_id: int) -> None:
    """Recompute the round's results once the current transaction has committed.

    Bursts coalesce: while a recompute of the round is queued and not yet started, further
    requests add nothing. The job clears the flag *before* it reads the answers, so a submission
    committed after that moment schedules a new job and the last snapshot counts every submission.
    """
    transaction.on_commit(lambda: _enqueue(round_id))


def _enqueue(round_id: int) -> None:
    from .tasks import recompute_round

    delay = settings.RECOMPUTE_COALESCE_SECONDS
    try:
        # The flag outlives a lost job by a bounded time; the periodic sweep catches the rest.
        if not cache.add(pending_key(round_id), 1, timeout=delay + 300):
            return
    except Exception:  # the cache is the broker's Redis: when it is down, still try to queue
        logger.warning("recompute of round %s: coalescing unavailable", round_id, exc_info=True)
    try:
        recompute_round.apply_async((round_id,), countdown=delay)
    except Exception:
        # The broker is down: answers are stored, and the sweep recomputes once it is back.
        logger.warning("recompute of round %s not queued; the sweep will catch up", round_id)
        # The cache shares the broker's fate: if it is down too there is no flag to undo.
        with contextlib.suppress(Exception):
            cache.delete(pending_key(round_id))
