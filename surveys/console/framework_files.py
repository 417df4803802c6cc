"""A framework as an XLSX template (download, fill in, upload) or taken from a bundle.

The template has one row per node in tree order: code, parent code, name in English, name in
Simplified Chinese, and the questions asked (comma-separated measures; empty inherits the
parent's). An upload is checked whole and every error names its row and column.
"""

import io
import json
from typing import Any

from django.utils.translation import gettext as _

from scoring import method

from ..bundles import BundleError, bundle_validate
from ..framework import framework_load
from ..models import Study
from .services import ConsoleError, NodeRow

COLUMNS = ("code", "parent code", "name en", "name zh-hans", "measures")
EXAMPLE = [
    ("T", "", "Technology layer", "技术层", "familiarity, importance, maturity"),
    ("T.1", "T", "First technology field", "第一个技术领域", ""),
    ("T.2", "T", "Second technology field", "第二个技术领域", ""),
    ("E", "", "Environment layer", "环境层", "comment"),
]


def framework_template(*, study: Study) -> bytes:
    """The study's framework as a filled template, or an example when it has none yet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    framework = framework_load(study=study)
    by_pk = {node.pk: node for node in framework.nodes}
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "framework"
    sheet.append(list(COLUMNS))
    if framework.nodes:
        ordered = []

        def walk(parent: int | None) -> None:
            for node in framework.children.get(parent, []):
                ordered.append(node)
                walk(node.pk)

        walk(None)
        for node in ordered:
            name = node.name if isinstance(node.name, dict) else {"en": node.name}
            sheet.append(
                [
                    node.code,
                    by_pk[node.parent_id].code if node.parent_id else "",
                    name.get("en", ""),
                    name.get("zh-hans", ""),
                    ", ".join(node.measures) if node.measures is not None else "",
                ]
            )
    else:
        for row in EXAMPLE:
            sheet.append(list(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDE", (14, 14, 48, 36, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.data_type = "s"  # codes like 1.10 must stay text
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet("help")
    for line in _help_lines():
        help_sheet.append([line])
    help_sheet.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _help_lines() -> list[str]:
    return [
        _("One row per node, parents before their children."),
        _("code: unique in the study, no spaces (for example T.BR.1)."),
        _("parent code: the code of the node above; empty for a layer."),
        _("name en / name zh-hans: the node's name; at least one of the two."),
        _(
            "measures: the questions asked at the leaves below, comma-separated, from: %(list)s. "
            "Empty: the same as the parent."
        )
        % {"list": ", ".join(method.MEASURES)},
        _("Uploading replaces the whole framework; it is refused once experts have answered."),
    ]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _where(row: int, column: str) -> str:
    return _("Row %(row)s, column “%(column)s”") % {"row": row, "column": column}


def parse_framework_xlsx(content: bytes) -> list[NodeRow]:
    """The template's rows as nodes in tree order; ConsoleError names the row and column."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ConsoleError(_("The file is not a readable XLSX workbook.")) from exc
    sheet = workbook["framework"] if "framework" in workbook.sheetnames else workbook.worksheets[0]
    table = [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    if not table:
        raise ConsoleError(_("The workbook's first sheet is empty."))
    header = [h.lower() for h in table[0]]
    index: dict[str, int] = {}
    for column in COLUMNS:
        if column not in header:
            raise ConsoleError(
                _("Row 1 must hold the column titles; “%(column)s” is missing.")
                % {"column": column}
            )
        index[column] = header.index(column)

    rows: list[NodeRow] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(table[1:], start=2):
        if not any(raw):
            continue

        def cell(column: str, raw: list[str] = raw) -> str:
            position = index[column]
            return raw[position] if position < len(raw) else ""

        code = cell("code")
        if not code:
            raise ConsoleError(f"{_where(number, 'code')}: " + _("the code is missing."))
        if len(code) > 60 or any(ch.isspace() for ch in code):
            raise ConsoleError(
                f"{_where(number, 'code')}: " + _("a code is 1 to 60 characters, without spaces.")
            )
        if code in seen:
            raise ConsoleError(
                f"{_where(number, 'code')}: "
                + _("%(code)s is used already in row %(row)s.") % {"code": code, "row": seen[code]}
            )
        parent = cell("parent code") or None
        if parent is not None and parent not in seen:
            raise ConsoleError(
                f"{_where(number, 'parent code')}: "
                + _("%(code)s is not the code of a row above.") % {"code": parent}
            )
        name = {
            lang: text
            for lang, text in (("en", cell("name en")), ("zh-hans", cell("name zh-hans")))
            if text
        }
        if not name:
            raise ConsoleError(
                f"{_where(number, 'name en')}: " + _("give a name in at least one language.")
            )
        for lang, text in name.items():
            if len(text) > 500:
                raise ConsoleError(
                    f"{_where(number, 'name ' + lang)}: "
                    + _("a name is at most 500 characters long.")
                )
        measures_text = cell("measures")
        measures: list[str] | None = None
        if measures_text:
            measures = [m.strip() for m in measures_text.replace(";", ",").split(",") if m.strip()]
            for measure in measures:
                if measure not in method.MEASURES:
                    raise ConsoleError(
                        f"{_where(number, 'measures')}: "
                        + _("unknown question “%(name)s” (expected some of %(list)s).")
                        % {"name": measure, "list": ", ".join(method.MEASURES)}
                    )
            if len(set(measures)) != len(measures):
                raise ConsoleError(
                    f"{_where(number, 'measures')}: " + _("a question is listed twice.")
                )
        seen[code] = number
        rows.append(NodeRow(code=code, parent=parent, name=name, measures=measures))
    if not rows:
        raise ConsoleError(_("The workbook has no nodes below its title row."))
    return _tree_order(rows)


def _tree_order(rows: list[NodeRow]) -> list[NodeRow]:
    children: dict[str | None, list[NodeRow]] = {}
    for row in rows:
        children.setdefault(row.parent, []).append(row)
    ordered: list[NodeRow] = []

    def walk(parent: str | None) -> None:
        for child in children.get(parent, []):
            ordered.append(child)
            walk(child.code)

    walk(None)
    return ordered


def parse_framework_bundle(content: bytes, *, study: Study) -> list[NodeRow]:
    """The framework of a `delphi-bundle/1` file; its study, panel and rounds are ignored.

    A bundle holding only `format` and `framework` is accepted too: the current study fills in
    the rest for validation.
    """
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConsoleError(_("The file is not JSON: %(error)s") % {"error": exc}) from exc
    if not isinstance(data, dict):
        raise ConsoleError(_("The file is not a study bundle."))
    document = {
        "format": data.get("format"),
        "study": {
            "slug": study.slug,
            "title": study.title,
            "base_year": study.base_year,
            "horizon": [study.horizon_start, study.horizon_end],
            "settings": study.settings,
        },
        "framework": data.get("framework"),
    }
    try:
        bundle = bundle_validate(document)
    except BundleError as exc:
        raise ConsoleError(f"{exc.path}: {exc.message}") from exc
    return [
        NodeRow(code=spec.code, parent=spec.parent, name=spec.name, measures=spec.measures)
        for spec in bundle.nodes
    ]
