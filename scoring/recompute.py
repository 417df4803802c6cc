"""Recomputing a round's results from its submitted answers into a snapshot (design.md §3)."""

from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.db import IntegrityError, connection, transaction

from surveys.framework import Framework, framework_load
from surveys.models import Round
from surveys.packing import PACKED, unpack

from . import method
from .models import ResultSnapshot

RESULTS_FORMAT = "delphi-results/1"
CHUNK_ROWS = 200_000

# The round's submitted answers: the packed copy per submission (surveys.packing), and the rows
# of any submission that has none (written before packing existed, or by hand).
PACKED_SQL = """
    SELECT s.panelist_id, p.data
    FROM surveys_submission s
    JOIN surveys_packedanswers p ON p.submission_id = s.id
    WHERE s.round_id = %s
"""
ROWS_SQL = """
    SELECT s.panelist_id, a.node_id, a.measure, COALESCE(a.code, 0)
    FROM surveys_answer a
    JOIN surveys_submission s ON s.id = a.submission_id
    LEFT JOIN surveys_packedanswers p ON p.submission_id = s.id
    WHERE s.round_id = %s AND p.submission_id IS NULL AND a.draft = %s
"""


def _packed_rows(round_id: int) -> list[tuple[int, bytes]]:
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        # A binary result: bytea arrives as raw bytes, not as hex text to decode.
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(PACKED_SQL, [round_id], binary=True)
            return cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(PACKED_SQL, [round_id])
        return [(panelist_id, bytes(blob)) for panelist_id, blob in cursor.fetchall()]


def _answer_columns(round_id: int) -> tuple[np.ndarray, ...]:
    """(panelist, node, measure, code) columns, filled in place: no object per answer."""
    blobs = _packed_rows(round_id)
    with connection.cursor() as cursor:
        cursor.execute(ROWS_SQL, [round_id, False])
        rows = [
            np.array(chunk, dtype=np.int64).reshape(-1, 4)
            for chunk in iter(lambda: cursor.fetchmany(CHUNK_ROWS), [])
        ]
    total = sum(len(blob) // PACKED.itemsize for _, blob in blobs) + sum(len(r) for r in rows)
    columns = tuple(np.empty(total, dtype=np.int64) for _ in range(4))
    expert, node, measure, code = columns
    start = 0
    for panelist_id, blob in blobs:
        packed = unpack(blob)
        end = start + len(packed)
        expert[start:end] = panelist_id
        node[start:end], measure[start:end], code[start:end] = (
            packed["node"],
            packed["measure"],
            packed["code"],
        )
        start = end
    for chunk in rows:
        end = start + len(chunk)
        for column, values in zip(columns, chunk.T, strict=True):
            column[start:end] = values
        start = end
    return columns


def answers_load(*, round_id: int, framework: Framework) -> method.AnswerArrays:
    """The round's submitted answers as the engine's arrays, leaves indexed in framework order."""
    expert, node, measure, code = _answer_columns(round_id)
    if not len(expert):
        return method.AnswerArrays.empty()
    leaf_pks = np.array([leaf.pk for leaf in framework.leaves.values()], dtype=np.int64)
    order = np.argsort(leaf_pks)
    # Node primary keys to indexes in the framework's leaf order.
    positions = np.searchsorted(leaf_pks[order], node)
    del node
    leaf = order[np.clip(positions, 0, len(order) - 1)]
    return method.AnswerArrays(expert=expert, leaf=leaf, measure=measure, value=code)


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
        .filter(Q(snapshot__isnull=True) | Q(snapshot__answers_version__lt=F("answers_version")))
        .values_list("pk", flat=True)
    )
