"""The answers export as CSV (`?format=csv`), streamed row by row.

The renderer only lets DRF's content negotiation accept `format=csv`; the view answers the
streamed file itself, so that a large round never sits in memory as one document.
"""

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

from scoring import method
from scoring.exports import safe_text

ANSWER_COLUMNS = ("expert", "node", "measure", "value", "reason", "submitted_at")


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        # Never reached with data: the export streams itself and errors are answered as JSON.
        return b""


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return safe_text(str(value))


def answers_csv(rows: Iterable[tuple], filename: str) -> StreamingHttpResponse:
    """`rows` are (pseudonym, node code, measure code, value, reason, submitted_at)."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(ANSWER_COLUMNS)  # the BOM lets Excel read UTF-8
        for expert, node, measure, value, reason, submitted_at in rows:
            yield writer.writerow(
                [
                    _cell(expert),
                    _cell(node),
                    method.MEASURES[measure],
                    _cell(value),
                    _cell(reason),
                    _cell(submitted_at),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
