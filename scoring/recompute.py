"""Recomputing a round's results from its submitted answers into a snapshot (design.md §3)."""

from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.db import IntegrityError, connection, transaction

from surveys.framework import Framework, framework_load
from surveys.models import Round

from . import method
from .models import ResultSnapshot

RESULTS_FORMAT = "delphi-results/1"
CHUNK_ROWS = 200_000

# The round's submitted answers as the engine's integer codes, in one query.
ANSWERS_SQL = """
    SELECT s.panelist_id, a.node_id, a.measure, COALESCE(a.code, 0)
    FROM surveys_answer a
    JOIN surveys_submission s ON s.id = a.submission_id
    WHERE s.round_id = %s AND a.draft = %s
"""


def answers_load(*, round_id: int, framework: Framework) -> method.AnswerArrays:
    """Read the answers into NumPy arrays chunk by chunk: no Python object per answer is kept."""
    leaf_pks = np.array([leaf.pk for leaf in framework.leaves.values()], dtype=np.int64)
    order = np.argsort(leaf_pks)
    columns: list[np.ndarray] = []
    with connection.cursor() as cursor:
        cursor.execute(ANSWERS_SQL, [round_id, False])
        while rows := cursor.fetchmany(CHUNK_ROWS):
            columns.append(np.array(rows, dtype=np.int64).reshape(-1, 4))
    if not columns:
        return method.AnswerArrays.empty()
    table = np.concatenate(columns)
    del columns
    # Node primary keys to indexes in the framework's leaf order.
    positions = np.searchsorted(leaf_pks[order], table[:, 1])
    leaf_index = order[np.clip(positions, 0, len(order) - 1)]
    return method.AnswerArrays(
        expert=table[:, 0].copy(),
        leaf=leaf_index,
        measure=table[:, 2].copy(),
        value=table[:, 3].copy(),
    )


def results_compute(*, round_: Round, framework: Framework | None = None) -> dict[str, Any]:
    """The round's `delphi-results/1` document, computed now."""
    study = round_.study
    framework = framework or framework_load(study=study)
    previous_round = (
        Round.objects.filter(study=study, number__lt=round_.number).order_by("-number").first()
    )
    previous = (
        answers_load(round_id=previous_round.pk, framework=framework) if previous_round else None
    )
    answers = answers_load(round_id=round_.pk, framework=framework)
    computed = method.compute_round(
        leaves=framework.scoring_leaves(),
        answers=answers,
        settings=framework.settings,
        invited=study.panelists.count(),
        base_year=study.base_year,
        previous=previous,
    )
    return {
        "format": RESULTS_FORMAT,
        "study": study.slug,
        "round": round_.number,
        "computed_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **computed,
    }


def snapshot_store(*, round_id: int, answers_version: int, document: dict[str, Any]) -> bool:
    """Store the snapshot unless a newer one is there already; True if stored."""
    computed_at = datetime.now(UTC)
    with transaction.atomic():
        updated = ResultSnapshot.objects.filter(
            round_id=round_id, answers_version__lte=answers_version
        ).update(answers_version=answers_version, computed_at=computed_at, document=document)
        if updated:
            return True
        if ResultSnapshot.objects.filter(round_id=round_id).exists():
            return False  # a newer snapshot won the race: keep it
        try:
            with transaction.atomic():
                ResultSnapshot.objects.create(
                    round_id=round_id,
                    answers_version=answers_version,
                    computed_at=computed_at,
                    document=document,
                )
        except IntegrityError:
            return False
    return True


def round_recompute(*, round_id: int) -> bool:
    """Recompute one round and store its snapshot; False if a newer snapshot was kept."""
    round_ = Round.objects.select_related("study").get(pk=round_id)
    # The version is read before the answers: the snapshot reflects at least that version, and
    # any later submission schedules its own recompute.
    version = round_.answers_version
    document = results_compute(round_=round_)
    return snapshot_store(round_id=round_id, answers_version=version, document=document)


def stale_round_ids() -> list[int]:
    """Rounds with answers whose snapshot is missing or older than their answers."""
    from django.db.models import F, Q

    return list(
        Round.objects.filter(answers_version__gt=0)
        .filter(
            Q(snapshot__isnull=True) | Q(snapshot__answers_version__lt=F("answers_version"))
        )
        .values_list("pk", flat=True)
    )
