"""Reads of the scoring app: snapshots, never a recompute on a read (design.md §4)."""

import logging
from typing import Any

from django.core.cache import cache

from surveys.models import Node, Round, Study

from .models import ResultSnapshot


def latest_scored_round(*, study: Study) -> Round | None:
    """The latest round with answers (the default round of exports and pages)."""
    return (
        Round.objects.filter(study=study, answers_version__gt=0).order_by("-number").first()
        or Round.objects.filter(study=study).order_by("-number").first()
    )


logger = logging.getLogger(__name__)
# Entries never go stale (the key changes with the document); the timeout only frees memory.
SNAPSHOT_CACHE_SECONDS = 24 * 60 * 60


def scored_round_numbers(*, study: Study) -> set[int]:
    """The numbers of the study's rounds that have results."""
    return set(
        ResultSnapshot.objects.filter(round__study=study).values_list("round__number", flat=True)
    )


def snapshot_cache_key(round_id: int, answers_version: int, computed_at: Any) -> str:
    # Every store of a snapshot sets computed_at, even one of the same answers version (settings
    # changed): a new key for every new document, so no entry is ever stale or invalidated.
    return f"snapshot:{round_id}:{answers_version}:{computed_at.timestamp()}"


def snapshot_document(*, round_: Round) -> dict[str, Any] | None:
    """The round's results document, from the cache when that version was read before.

    The version is one indexed row without the document; the document itself (megabytes of
    JSON for a national survey) is read from the database once per version.
    """
    version = (
        ResultSnapshot.objects.filter(round=round_)
        .values_list("answers_version", "computed_at")
        .first()
    )
    if version is None:
        return None
    try:
        document = cache.get(snapshot_cache_key(round_.pk, *version))
    except Exception:  # the cache is down: read the database, as without a cache
        logger.warning("snapshot cache unavailable", exc_info=True)
        document = None
    if document is not None:
        return document
    # Read with its own version: a recompute stored between the two reads files under its key.
    row = (
        ResultSnapshot.objects.filter(round=round_)
        .values_list("answers_version", "computed_at", "document")
        .first()
    )
    if row is None:
        return None
    answers_version, computed_at, document = row
    if document is not None:
        try:
            key = snapshot_cache_key(round_.pk, answers_version, computed_at)
            cache.set(key, document, timeout=SNAPSHOT_CACHE_SECONDS)
        except Exception:
            logger.warning("snapshot cache unavailable", exc_info=True)
    return document


def node_names(*, study: Study) -> dict[str, Any]:
    return dict(Node.objects.filter(study=study).values_list("code", "name"))
