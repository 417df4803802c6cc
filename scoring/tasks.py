from celery import shared_task


@shared_task(acks_late=True)
def recompute_round(round_id: int) -> None:
    from .recompute import round_recompute

    round_recompute(round_id=round_id)
