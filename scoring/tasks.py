from celery import shared_task
from django.core.cache import cache

from .services import pending_key


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=3)
def recompute_round(round_id: int) -> None:
    """Recompute one round's snapshot. Idempotent: running it twice or late is harmless."""
    from .recompute import round_recompute

    # Cleared before the answers are read: anything committed after this schedules a new job.
    cache.delete(pending_key(round_id))
    round_recompute(round_id=round_id)


@shared_task
def recompute_stale_rounds() -> int:
    """The sweep: recompute every round whose snapshot is older than its answers."""
    from .recompute import stale_round_ids

    ids = stale_round_ids()
    for round_id in ids:
        recompute_round.delay(round_id)
    return len(ids)
