"""Console downloads beyond the results tables: raw answers and the study bundle.

Panelists appear by pseudonym; their names and e-mail addresses only for a reader allowed to see
identities (`selectors.identities_visible`). No cell can be read as a formula by a spreadsheet.
"""

import csv
import io
import json
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from scoring import method
from scoring.exports import safe_text

from ..bundles import bundle_export
from ..i18n import localized
from ..models import Answer, Round, Study


def _value_text(measure: str, value: Any) -> Any:
    if measure == "stages" and isinstance(value, list):
        return ", ".join(value)
    return value


def answers_table(
    *, round_: Round, identities: bool, language: str
) -> tuple[list[str], list[list[Any]]]:
    """The round's submitted answers, one row per answer, by panelist then tree order."""
    with translation.override(language):
        headers = [_("Round"), _("Panelist")]
        if identities:
            headers += [_("Name"), _("E-mail")]
        headers += [
            _("Code"),
            _("Node"),
            _("Question"),
            _("Answer"),
            _("Reason"),
            _("Submitted at"),
        ]
    # Plain values, not models: one row per answer, read in one query.
    answers = (
        Answer.objects.filter(submission__round=round_, draft=False)
        .order_by("submission__panelist__pseudonym", "node__position", "measure")
        .values_list(
            "submission__panelist__pseudonym",
            "submission__panelist__name",
            "submission__panelist__email",
            "submission__submitted_at",
            "node__code",
            "node__name",
            "measure",
            "value",
            "reason",
        )
    )
    rows: list[list[Any]] = []
    for (
        pseudonym,
        name,
        email,
        submitted,
        code,
        node_name,
        measure_code,
        value,
        reason,
    ) in answers.iterator(chunk_size=5000):
        measure = method.MEASURES[measure_code]
        row: list[Any] = [round_.number, pseudonym]
        if identities:
            row += [name or "", email or ""]
        row += [
            code,
            localized(node_name, language),
            measure,
            _value_text(measure, value),
            reason,
            submitted.strftime("%Y-%m-%dT%H:%M:%SZ") if submitted else "",
        ]
        rows.append([safe_text(c) if isinstance(c, str) else c for c in row])
    return [safe_text(h) for h in headers], rows


def answers_csv(*, round_: Round, identities: bool, language: str) -> bytes:
    headers, rows = answers_table(round_=round_, identities=identities, language=language)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    # A byte-order mark so that spreadsheet programs read the Chinese names as UTF-8.
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def answers_xlsx(*, round_: Round, identities: bool, language: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    headers, rows = answers_table(round_=round_, identities=identities, language=language)
    workbook = Workbook()
    sheet = workbook.active
    with translation.override(language):
        sheet.title = _("Answers")[:31]
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bundle_for(*, study: Study, identities: bool) -> dict[str, Any]:
    """The study as a bundle; without identities, experts become their pseudonyms.

    The pseudonymous bundle is still a valid bundle (pseudonyms are unique in a study), so it
    can be archived or imported elsewhere without personal data.
    """
    bundle = bundle_export(study=study)
    if identities:
        return bundle
    pseudonyms = dict(study.panelists.values_list("external_id", "pseudonym"))
    bundle["experts"] = [
        {
            "id": pseudonyms[expert["id"]],
            **({"language": expert["language"]} if "language" in expert else {}),
        }
        for expert in bundle["experts"]
    ]
    for round_ in bundle["rounds"]:
        for response in round_["responses"]:
            response["expert"] = pseudonyms[response["expert"]]
    return bundle


def bundle_bytes(*, study: Study, identities: bool) -> bytes:
    return json.dumps(
        bundle_for(study=study, identities=identities), ensure_ascii=False, indent=2
    ).encode("utf-8")
