"""The invitation behind a personal link, with its round, study and panelist, in one query.

Every questionnaire request starts here. The same join written with `select_related` spends more
time compiling its SQL in Python than the database spends answering it, which made it the
largest cost of saving an answer under load. This module writes the SELECT once per process from
the models' fields and builds the four objects from each row with Django's own converters, so
that they are the same objects the ORM would build.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Model

from ..models import Invitation, Panelist, Round, Study


@dataclass(frozen=True)
class _Part:
    model: type[Model]
    attnames: list[str]
    converters: list[list[Callable[..., Any]]]
    expressions: list[Any]
    start: int
    stop: int

    def build(self, row: tuple, alias: str) -> Model:
        values = list(row[self.start : self.stop])
        connection = connections[alias]
        for index, (expression, converters) in enumerate(
            zip(self.expressions, self.converters, strict=True)
        ):
            for converter in converters:
                values[index] = converter(values[index], expression, connection)
        return self.model.from_db(alias, self.attnames, values)


# (model, alias in the SQL, join condition)
_TABLES: tuple[tuple[type[Model], str, str], ...] = (
    (Invitation, "i", ""),
    (Round, "r", "r.id = i.round_id"),
    (Study, "s", "s.id = r.study_id"),
    (Panelist, "p", "p.id = i.panelist_id"),
)


# Per thread, as Django's connections are: the converters are bound to a connection's ops.
_plans = threading.local()


def _plan(alias: str) -> tuple[str, tuple[_Part, ...]]:
    plans = _plans.__dict__.setdefault("by_alias", {})
    if alias not in plans:
        plans[alias] = _plan_build(alias)
    return plans[alias]


def _plan_build(alias: str) -> tuple[str, tuple[_Part, ...]]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns: list[str] = []
    parts = []
    for model, short, _join in _TABLES:
        fields = model._meta.concrete_fields
        expressions = [field.get_col(model._meta.db_table) for field in fields]
        converters = [
            connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
            for expression in expressions
        ]
        parts.append(
            _Part(
                model=model,
                attnames=[field.attname for field in fields],
                converters=converters,
                expressions=expressions,
                start=len(columns),
                stop=len(columns) + len(fields),
            )
        )
        columns += [f"{short}.{quote(field.column)}" for field in fields]
    (first, first_short, _none), *joined = _TABLES
    # Only names from the models' metadata go into the text; the token hash is a parameter.
    sql = f"SELECT {', '.join(columns)} FROM {quote(first._meta.db_table)} {first_short}"  # noqa: S608
    for model, short, condition in joined:
        sql += f" JOIN {quote(model._meta.db_table)} {short} ON {condition}"
    sql += f" WHERE i.{quote('token_hash')} = %s"
    return sql, tuple(parts)


def invitation_by_hash(token_hash: str) -> Invitation | None:
    """The invitation with this token hash, its round (with the study) and panelist attached."""
    alias = router.db_for_read(Invitation)
    sql, parts = _plan(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [token_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    invitation, round_, study, panelist = (part.build(row, alias) for part in parts)
    round_.study = study  # type: ignore[attr-defined]
    invitation.round = round_  # type: ignore[attr-defined]
    invitation.panelist = panelist  # type: ignore[attr-defined]
    return invitation  # type: ignore[return-value]
