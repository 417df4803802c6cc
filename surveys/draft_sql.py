"""The two statements of a draft save, written by hand.

Saving an answer is the request experts make most, hundreds of times per questionnaire. Through
`bulk_create` its two upserts spent more time being assembled in Python than run by the
database. Both statements are plain SQL that PostgreSQL and SQLite (3.35 and later) share: an
upsert on the table's unique constraint, values adapted by the model fields themselves.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connection

from .models import Answer, Round, Submission

_ANSWER_COLUMNS = ("submission_id", "node_id", "measure", "draft", "value", "code", "reason")


def round_shared_lock() -> str:
    """The lock a save or submit holds on its round's row while it writes.

    Closing waits for it (`round_close` takes FOR UPDATE), so a save lands before the close
    commits or sees the round closed. Saves and submits of different experts take it together:
    PostgreSQL's FOR KEY SHARE, which even lets a submit move the round's answers version.
    SQLite writes one transaction at a time and has no row locks.
    """
    return " FOR KEY SHARE" if connection.vendor == "postgresql" else ""


def submission_touch(*, round_id: int, panelist_id: int, now: Any) -> int | None:
    """Create or touch the expert's submission if the round is open; its id, or None.

    One statement reads the round's status under `round_shared_lock` and locks the
    submission's row, created on the first save.
    """
    sql = (
        f"INSERT INTO {Submission._meta.db_table} "  # noqa: S608 - names from the models
        "(round_id, panelist_id, status, submitted_at, updated_at) "
        f"SELECT id, %s, %s, NULL, %s FROM {Round._meta.db_table} WHERE id = %s AND status = %s"
        f"{round_shared_lock()} ON CONFLICT (round_id, panelist_id) "
        "DO UPDATE SET updated_at = excluded.updated_at RETURNING id"
    )
    updated_at = Submission._meta.get_field("updated_at").get_db_prep_value(now, connection)
    params = [panelist_id, Submission.Status.DRAFT, updated_at, round_id, Round.Status.OPEN]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def answers_upsert(rows: Sequence[Answer], *, replace_reason: bool) -> None:
    """Insert the draft answers, or replace the value (and the reason if `replace_reason`) of
    those already given."""
    if not rows:
        return
    value_field = Answer._meta.get_field("value")
    params: list[Any] = []
    for row in rows:
        value = value_field.get_db_prep_save(row.value, connection)
        params += [
            row.submission_id,
            row.node_id,
            row.measure,
            row.draft,
            value,
            row.code,
            row.reason,
        ]
    placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    updated = ["value", "code"] + (["reason"] if replace_reason else [])
    sql = (
        f"INSERT INTO {Answer._meta.db_table} ({', '.join(_ANSWER_COLUMNS)}) "  # noqa: S608
        f"VALUES {placeholders} "
        "ON CONFLICT (submission_id, node_id, measure, draft) DO UPDATE SET "
        + ", ".join(f"{column} = excluded.{column}" for column in updated)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
