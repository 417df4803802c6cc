"""The statements of a draft save, written by hand.

Saving an answer is the request experts make most, hundreds of times per questionnaire. Through
`bulk_create` its two upserts (the submission's row, the answers) spent more time being
assembled in Python than run by the database. Here they are plain SQL that PostgreSQL and SQLite
(3.35 and later) share, upserts on the tables' unique constraints with values adapted by the
model fields themselves; on PostgreSQL the common save makes them one statement (`draft_write`).
"""

from collections.abc import Sequence
from typing import Any

from django.db import connection

from .models import Answer, Round, Submission
from .round_gate import round_gate_shared_statement

_ANSWER_COLUMNS = ("submission_id", "node_id", "measure", "draft", "value", "code", "reason")


def _touch(round_id: int, panelist_id: int, now: Any) -> tuple[str, list[Any]]:
    sql = (
        f"INSERT INTO {Submission._meta.db_table} "  # noqa: S608 - names from the models
        "(round_id, panelist_id, status, submitted_at, updated_at) "
        f"SELECT id, %s, %s, NULL, %s FROM {Round._meta.db_table} WHERE id = %s AND status = %s"
        " ON CONFLICT (round_id, panelist_id) "
        "DO UPDATE SET updated_at = excluded.updated_at RETURNING id"
    )
    updated_at = Submission._meta.get_field("updated_at").get_db_prep_value(now, connection)
    return sql, [panelist_id, Submission.Status.DRAFT, updated_at, round_id, Round.Status.OPEN]


def _values(rows: Sequence[Answer], columns: Sequence[str]) -> tuple[str, list[Any]]:
    """A VALUES list of the rows' columns, the JSON value adapted by its model field."""
    value_field = Answer._meta.get_field("value")
    params: list[Any] = []
    for row in rows:
        for column in columns:
            item = getattr(row, column)
            params.append(
                value_field.get_db_prep_save(item, connection) if column == "value" else item
            )
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return "VALUES " + ", ".join([one] * len(rows)), params


def _on_conflict(replace_reason: bool) -> str:
    updated = ["value", "code"] + (["reason"] if replace_reason else [])
    return "ON CONFLICT (submission_id, node_id, measure, draft) DO UPDATE SET " + ", ".join(
        f"{column} = excluded.{column}" for column in updated
    )


def submission_touch(*, round_id: int, panelist_id: int, now: Any) -> int | None:
    """Create or touch the expert's submission if the round is open; its id, or None.

    One statement reads the round's status and locks the submission's row, created on the
    first save. The caller has passed the round's gate (`surveys.round_gate`).
    """
    sql, params = _touch(round_id, panelist_id, now)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def answers_upsert(rows: Sequence[Answer], *, replace_reason: bool) -> None:
    """Insert the draft answers, or replace the value (and the reason if `replace_reason`) of
    those already given."""
    if not rows:
        return
    values, params = _values(rows, _ANSWER_COLUMNS)
    sql = (
        f"INSERT INTO {Answer._meta.db_table} ({', '.join(_ANSWER_COLUMNS)}) "  # noqa: S608
        f"{values} {_on_conflict(replace_reason)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def draft_write(
    *, round_id: int, panelist_id: int, now: Any, rows: Sequence[Answer], replace_reason: bool
) -> int | None:
    """`submission_touch` and `answers_upsert` in one statement, for PostgreSQL, sent behind the
    round's gate in one query string: one round trip, one transaction. Returns the submission's
    id, or None (nothing written) when the round is not open."""
    touch, touch_params = _touch(round_id, panelist_id, now)
    given = _ANSWER_COLUMNS[1:]  # the submission's id comes from the touch
    values, params = _values(rows, given)
    selected = ", ".join(
        # A NULL in a VALUES list is text until told otherwise.
        "v.code::smallint" if column == "code" else f"v.{column}"
        for column in given
    )
    sql = (
        f"WITH touched AS ({touch}) "  # noqa: S608 - names from the models, values as parameters
        f"INSERT INTO {Answer._meta.db_table} ({', '.join(_ANSWER_COLUMNS)}) "
        f"SELECT touched.id, {selected} FROM touched "
        f"CROSS JOIN ({values}) AS v ({', '.join(given)}) "
        f"{_on_conflict(replace_reason)} RETURNING submission_id"
    )
    gate, gate_params = round_gate_shared_statement(round_id)
    with connection.cursor() as cursor:
        # Two statements in one string need the client-side binding of Django's default cursor.
        cursor.execute(f"{gate}; {sql}", gate_params + touch_params + params)
        cursor.nextset()  # past the gate's result to the write's
        row = cursor.fetchone()
    return None if row is None else int(row[0])
