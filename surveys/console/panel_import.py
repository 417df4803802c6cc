"""Reading a panel from a CSV or XLSX file into rows, each with its problems, before saving.

The columns are name, e-mail, affiliation and language, recognised by their header in English
or Chinese and in any order. Nothing here writes to the database: the console shows the rows
and their problems, and saves only when the analyst confirms (services.panel_import).
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from .services import ConsoleError, PanelistData

MAX_ROWS = 5000
HEADERS = {
    "name": ("name", "full name", "expert", "姓名", "名字", "专家"),
    "email": (
        "email",
        "e-mail",
        "mail",
        "email address",
        "e-mail address",
        "邮箱",
        "电子邮件",
        "电子邮箱",
    ),
    "affiliation": (
        "affiliation",
        "organisation",
        "organization",
        "institution",
        "单位",
        "工作单位",
        "机构",
    ),
    "language": ("language", "lang", "语言"),
}
LANGUAGE_WORDS = {
    "en": "en",
    "english": "en",
    "英文": "en",
    "英语": "en",
    "en-us": "en",
    "en-gb": "en",
    "zh": "zh-hans",
    "zh-hans": "zh-hans",
    "zh_hans": "zh-hans",
    "zh-cn": "zh-hans",
    "zh_cn": "zh-hans",
    "chinese": "zh-hans",
    "中文": "zh-hans",
    "简体中文": "zh-hans",
}


@dataclass
class PreviewRow:
    number: int  # the row's number in the file (the header is row 1)
    name: str
    email: str | None
    affiliation: str | None
    language: str | None
    problems: list[str] = field(default_factory=list)

    def person(self) -> PanelistData:
        return PanelistData(self.name, self.email, self.affiliation, self.language)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _cell(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _read_table(name: str, content: bytes) -> list[list[str]]:
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise ConsoleError(_("The file is not a readable XLSX workbook.")) from exc
        sheet = workbook.worksheets[0]
        table = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
        return table
    if name.lower().endswith((".csv", ".txt")):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ConsoleError(_("The file is neither UTF-8 nor GB18030 text."))
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel  # type: ignore[assignment]
        return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text), dialect)]
    raise ConsoleError(_("Upload a .csv or .xlsx file."))


def _columns(header: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        key = title.strip().lower().replace("_", " ")
        for column, words in HEADERS.items():
            if key in words and column not in found:
                found[column] = index
    if "name" not in found:
        raise ConsoleError(_("The first row must name the columns; a “name” column is required."))
    return found


def language_of(value: str) -> str | None:
    if not value:
        return None
    return LANGUAGE_WORDS.get(value.strip().lower())


def parse_panel_file(*, name: str, content: bytes) -> list[PreviewRow]:
    """The file's rows, without problems yet (see `preview_rows`)."""
    # Blank lines are skipped but keep their place: a row is named by its line in the file.
    table = [(number, row) for number, row in enumerate(_read_table(name, content), 1) if any(row)]
    if not table:
        raise ConsoleError(_("The file is empty."))
    columns = _columns(table[0][1])
    if len(table) - 1 > MAX_ROWS:
        raise ConsoleError(_("At most %(count)s panelists per file.") % {"count": MAX_ROWS})

    def get(row: list[str], column: str) -> str:
        index = columns.get(column)
        return row[index] if index is not None and index < len(row) else ""

    rows = []
    for number, row in table[1:]:
        raw_language = get(row, "language")
        parsed = PreviewRow(
            number=number,
            name=get(row, "name"),
            email=get(row, "email") or None,
            affiliation=get(row, "affiliation") or None,
            language=language_of(raw_language),
        )
        if raw_language and parsed.language is None:
            parsed.problems.append(
                _("unknown language “%(value)s” (use en or zh-hans)") % {"value": raw_language}
            )
        rows.append(parsed)
    return rows


def row_problems(person: PanelistData, *, existing: dict[str, set[str]]) -> list[str]:
    """What is wrong with one person, against the panel's e-mails and e-mail-less names."""
    problems = []
    if not person.name.strip():
        problems.append(_("the name is missing"))
    elif len(person.name) > 200:
        problems.append(_("the name is longer than 200 characters"))
    if person.email:
        try:
            validate_email(person.email)
        except ValidationError:
            problems.append(
                _("“%(email)s” is not a valid e-mail address") % {"email": person.email}
            )
        else:
            if person.email.lower() in existing["emails"]:
                problems.append(_("duplicate: this e-mail address is in the panel already"))
    elif person.name.strip().lower() in existing["names"]:
        problems.append(_("duplicate: a panelist of this name without e-mail exists already"))
    if person.affiliation and len(person.affiliation) > 300:
        problems.append(_("the affiliation is longer than 300 characters"))
    return problems


def preview_rows(
    people: Iterable[PanelistData | PreviewRow], *, existing: dict[str, set[str]]
) -> list[PreviewRow]:
    """Every row with its problems: invalid values, and duplicates of the panel or of each other."""
    rows: list[PreviewRow] = []
    first_email: dict[str, int] = {}
    first_name: dict[str, int] = {}
    for number, item in enumerate(people, start=2):
        if isinstance(item, PreviewRow):
            row = PreviewRow(**{**item.to_json(), "problems": list(item.problems)})
        else:
            row = PreviewRow(number, item.name, item.email, item.affiliation, item.language)
        row.problems.extend(row_problems(row.person(), existing=existing))
        if row.email:
            key = row.email.lower()
            if key in first_email:
                row.problems.append(
                    _("duplicate: the same e-mail address as row %(row)s")
                    % {"row": first_email[key]}
                )
            else:
                first_email[key] = row.number
        elif row.name.strip():
            key = row.name.strip().lower()
            if key in first_name:
                row.problems.append(
                    _("duplicate: the same name without e-mail as row %(row)s")
                    % {"row": first_name[key]}
                )
            else:
                first_name[key] = row.number
        rows.append(row)
    return rows
