"""The roadmap's exports: the standalone HTML page, the Plotly figure JSON and the table (CSV)."""

import csv
import html
import io
import json
from typing import Any

import plotly.io
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString

from scoring.exports import safe_text

from . import figures
from .selectors import Roadmap


def plot_config(filename: str) -> dict[str, Any]:
    """Plotly's configuration: the modebar's image button writes a sharp PNG of the roadmap."""
    return {
        "responsive": True,
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    }


def export_filename(roadmap: Roadmap) -> str:
    return f"{roadmap.study.slug}-roadmap-round{roadmap.round.number}"


def figure_json(figure: dict[str, Any]) -> str:
    return json.dumps(figure, ensure_ascii=False, allow_nan=False)


def table(roadmap: Roadmap, language: str) -> tuple[list[str], list[list[Any]]]:
    return figures.roadmap_table(
        document=roadmap.document,
        nodes=roadmap.nodes,
        base_year=roadmap.study.base_year,
        language=language,
    )


def table_body_html(rows: list[list[Any]]) -> SafeString:
    """The table's rows as HTML, every cell escaped here.

    Built as a string because a template loop (or `format_html`) over 300 × 16 cells costs more
    than the whole figure.
    """
    return SafeString(
        "\n".join(
            "<tr>"
            + "".join(f"<td>{html.escape('–' if c is None else str(c))}</td>" for c in row)
            + "</tr>"
            for row in rows
        )
    )


def table_csv(roadmap: Roadmap, language: str) -> bytes:
    headers, rows = table(roadmap, language)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_text(h) for h in headers])
    for row in rows:
        # Names come from analysts and bundles: none may reach a spreadsheet as a formula.
        writer.writerow([safe_text(c) if isinstance(c, str) else c for c in row])
    # A byte-order mark so that spreadsheet programs read the Chinese names as UTF-8.
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def standalone_html(roadmap: Roadmap, figure: dict[str, Any], language: str) -> str:
    """One HTML file that opens offline: plotly.js inlined, the figure, and the table."""
    plot = plotly.io.to_html(
        figure,
        include_plotlyjs=True,
        full_html=False,
        validate=False,
        div_id="roadmap",
        config=plot_config(export_filename(roadmap)),
    )
    headers, rows = table(roadmap, language)
    with translation.override(language):
        return render_to_string(
            "roadmaps/standalone.html",
            {
                "roadmap": roadmap,
                "study_title": roadmap.study.display_title(language),
                "plot": plot,
                "headers": headers,
                "table_body": table_body_html(rows),
                "language": language,
            },
        )
