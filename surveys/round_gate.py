"""The gate of a round: what makes a close and the saves and submits of its answers take turns.

Every save and submit passes the round's gate shared, then reads whether the round is open and
writes; closing a round, or editing the framework of an open one, takes the gate exclusive
first. The close waits for the writers in flight, and the writers that come after it wait until
it commits, then read the round closed: an answer lands whole before the close or is refused.

The gate is a PostgreSQL advisory lock held to the end of the transaction. A lock on the
round's row cannot be it: writers could share that lock only FOR KEY SHARE (a submit moves the
round's answers version), which PostgreSQL grants beside the others already held even while a
FOR UPDATE waits, so a stream of saves would hold off a close for as long as it lasted; a
shared advisory lock is queued behind a waiting exclusive one. It is taken in a statement of
its own, before the status is read, so that the read sees the close that went before it (a
statement reads the database as it was when the statement began). SQLite writes one
transaction at a time: there the gate is open.
"""

from collections.abc import Iterable

from django.db import connection

# The advisory lock class of round gates; the second key is the round's id.
ROUND_GATE = 0x526E64


def round_gate_shared_statement(round_id: int) -> tuple[str, list[int]]:
    """The statement that passes the round's gate to save or submit answers, and its parameters,
    for a caller that sends it ahead of its own in one query string (`draft_sql.draft_write`):
    PostgreSQL runs the statements of one string as one transaction, each seeing the database
    as it is when that statement begins."""
    return "SELECT pg_advisory_xact_lock_shared(%s, %s)", [ROUND_GATE, round_id]


def _take(statements: Iterable[tuple[str, list[int]]]) -> None:
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        # Outside a transaction the lock would be let go as soon as it was taken.
        raise RuntimeError("a round's gate is taken inside a transaction")
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def round_gate_shared(round_id: int) -> None:
    """Pass the round's gate to save or submit answers, before reading the round's status."""
    _take([round_gate_shared_statement(round_id)])


def round_gate_exclusive(round_ids: Iterable[int]) -> None:
    """Hold the rounds' gates to close them or change what they ask, before locking their rows
    (in the order of their ids, so that two of these never wait for each other)."""
    _take(
        ("SELECT pg_advisory_xact_lock(%s, %s)", [ROUND_GATE, round_id])
        for round_id in sorted(round_ids)
    )
