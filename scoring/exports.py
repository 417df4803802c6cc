"""Results for people: CSV and XLSX tables built from a `delphi-results/1` document.

One row per leaf and measure, the leaf's name in the chosen language, every figure in its own
column and verdicts as words. No cell can be read as a formula by a spreadsheet.
"""

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from surveys.i18n import localized

MEASURE_ORDER = ("importance", "maturity", "regional_advantage", "investment", "stages")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Neutralise a cell a spreadsheet would take for a formula (OWASP: prefix a quote)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def measure_label(measure: str) -> str:
    return {
        "importance": _("Importance"),
        "maturity": _("Time to maturity"),
        "regional_advantage": _("Regional advantage"),
        "investment": _("Investment"),
        "stages": _("Stages"),
    }[measure]


def verdict_word(verdict: str | None) -> str:
    words = {
        "yes": pgettext("verdict", "Yes"),
        "no": pgettext("verdict", "No"),
        "disputed": pgettext("verdict", "Disputed"),
        "suitable": pgettext("verdict", "Suitable"),
        "unsuitable": pgettext("verdict", "Unsuitable"),
    }
    return words.get(verdict or "", "")


def yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return pgettext("boolean", "yes") if value else pgettext("boolean", "no")


def _columns() -> list[tuple[str, str]]:
    """(key, header) of every column, in order; keys are read from the result entries."""
    return [
        ("node", _("Code")),
        ("name", _("Field")),
        ("measure_label", _("Measure")),
        ("n", _("Answers (n)")),
        ("weighted_mean", _("Weighted importance")),
        ("weighted_years", _("Weighted years to maturity")),
        ("expected_year", _("Expected year")),
        ("mean", _("Mean")),
        ("median", _("Median")),
        ("q1", _("First quartile")),
        ("q3", _("Third quartile")),
        ("iqr", _("Interquartile range")),
        ("sd", _("Standard deviation")),
        ("dont_know", _("Cannot evaluate")),
        ("agreement_share", _("Agreement share")),
        ("consensus", _("Consensus")),
        ("count_achieved", _("Achieved")),
        ("count_short", _("Within 5 years")),
        ("count_medium", _("5-10 years")),
        ("count_long", _("Over 10 years")),
        ("count_unpredictable", _("Unpredictable")),
        ("count_yes", pgettext("answer", "Yes")),
        ("count_no", pgettext("answer", "No")),
        ("count_unsure", _("Unsure")),
        ("verdict", _("Verdict")),
        ("count_rd", _("R&D (selected)")),
        ("verdict_rd", _("R&D")),
        ("count_production", _("Production (selected)")),
        ("verdict_production", _("Production")),
        ("count_industrialization", _("Industrialization (selected)")),
        ("verdict_industrialization", _("Industrialization")),
        ("changed_share", _("Changed share")),
        ("stable", _("Stable")),
    ]


def _row(entry: dict[str, Any], names: dict[str, Any], language: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        key: value for key, value in entry.items() if not isinstance(value, dict | bool)
    }
    row["name"] = localized(names.get(entry["node"], entry["node"]), language)
    row["measure_label"] = measure_label(entry["measure"])
    for choice, count in entry.get("counts", {}).items():
        row[f"count_{choice}"] = count
    for stage, verdict in entry.get("verdicts", {}).items():
        row[f"verdict_{stage}"] = verdict_word(verdict)
    if "verdict" in entry:
        row["verdict"] = verdict_word(entry["verdict"])
    for flag in ("consensus", "stable"):
        if flag in entry:
            row[flag] = yes_no(entry[flag])
    return row


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return safe_text(value)
    return value


def table_rows(
    document: dict[str, Any], names: dict[str, Any], language: str, measures: Iterable[str]
) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows for the entries of `measures`, leaving out columns that are all empty."""
    wanted = set(measures)
    rows = [_row(e, names, language) for e in document["results"] if e["measure"] in wanted]
    columns = [(k, h) for k, h in _columns() if any(row.get(k) not in (None, "") for row in rows)]
    return (
        [h for _k, h in columns],
        [[_cell(row.get(k)) for k, _h in columns] for row in rows],
    )


def results_csv(document: dict[str, Any], names: dict[str, Any], language: str = "en") -> bytes:
    with translation.override(language):
        headers, rows = table_rows(document, names, language, MEASURE_ORDER)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([safe_text(h) for h in headers])
        writer.writerows(rows)
    # A byte-order mark so that spreadsheet programs read the Chinese names as UTF-8.
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def results_xlsx(document: dict[str, Any], names: dict[str, Any], language: str = "en") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")
    workbook = Workbook()
    workbook.remove(workbook.active)
    with translation.override(language):
        sheets: list[tuple[str, list[str], list[list[Any]]]] = []
        for measure in MEASURE_ORDER:
            headers, rows = table_rows(document, names, language, [measure])
            if rows:
                sheets.append((measure_label(measure), headers, rows))
        panel = document.get("panel", {})
        sheets.append(
            (
                _("Panel"),
                [_("Figure"), _("Value")],
                [
                    [_("Study"), safe_text(str(document.get("study", "")))],
                    [_("Round"), document.get("round")],
                    [_("Computed at"), document.get("computed_at", "")],
                    [_("Experts invited"), panel.get("invited")],
                    [_("Experts responded"), panel.get("responded")],
                    [_("Response rate"), panel.get("response_rate")],
                    [_("Kendall's W"), panel.get("kendall_w")],
                    [_("Chi-square"), panel.get("kendall_chi2")],
                    [_("p-value"), panel.get("kendall_p")],
                    [_("Experts in Kendall's W"), panel.get("kendall_experts")],
                ],
            )
        )
        for title, headers, rows in sheets:
            sheet = workbook.create_sheet(title=title[:31])
            sheet.append(headers)
            for row in rows:
                sheet.append(row)
            for index, cell in enumerate(sheet[1], start=1):
                cell.font = header_font
                cell.fill = header_fill
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                width = max(
                    10,
                    min(
                        60,
                        max(len(str(c.value or "")) for c in sheet[get_column_letter(index)]) + 2,
                    ),
                )
                sheet.column_dimensions[get_column_letter(index)].width = width
            # Keep the header and the code/name columns in view while scrolling.
            sheet.freeze_panes = "C2" if title != _("Panel") else "A2"
            for row_cells in sheet.iter_rows(min_row=2):
                for cell in row_cells:
                    if isinstance(cell.value, str):
                        cell.data_type = "s"  # never a formula, whatever the text
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
