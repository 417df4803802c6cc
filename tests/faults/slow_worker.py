"""A Celery app for fault tests: the real one, with each recompute held for a few seconds.

The hold gives a test time to kill the worker while a recompute is in flight.
"""

import sys
import time

from celery.signals import worker_process_init

from roadmap_site.celery import app

HOLD_SECONDS = 4


@worker_process_init.connect
def hold_recomputes(**kwargs):  # type: ignore[no-untyped-def]
    from scoring import recompute

    original = recompute.results_compute

    def slow_results_compute(**arguments):  # type: ignore[no-untyped-def]
        print("slow recompute started", flush=True, file=sys.stderr)
        time.sleep(HOLD_SECONDS)
        return original(**arguments)

    recompute.results_compute = slow_results_compute


__all__ = ["app"]
