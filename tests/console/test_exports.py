"""Every console download, parsed back and checked against the snapshot and the answers."""

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from scoring.selectors import snapshot_document
from surveys.bundles import bundle_import, bundle_validate
from surveys.models import Answer, Panelist

pytestmark = pytest.mark.django_db


def url(study, name, number=None, fmt=None, query=""):
    args = [study.slug] + ([number] if number is not None else []) + ([fmt] if fmt else [])
    return reverse(f"console:{name}", args=args) + query


def test_downloads_are_attachments_named_after_the_study(scored_demo, analyst_of):
    response = analyst_of(scored_demo).get(url(scored_demo, "export_results", 2, "csv"))
    assert response["Content-Disposition"] == (
        'attachment; filename="beijing-bii-demo-round2-results-en.csv"'
    )


def test_the_json_results_are_the_snapshot(scored_demo, viewer_of):
    response = viewer_of(scored_demo).get(url(scored_demo, "export_results", 2, "json"))
    assert json.loads(response.content) == snapshot_document(
        round_=scored_demo.rounds.get(number=2)
    )


def test_the_csv_results_hold_the_snapshots_figures(scored_demo, analyst_of):
    client = analyst_of(scored_demo)
    response = client.get(url(scored_demo, "export_results", 1, "csv", "?lang=en"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    document = snapshot_document(round_=scored_demo.rounds.get(number=1))
    assert len(rows) == len(document["results"])
    for entry in document["results"]:
        if entry["measure"] == "importance":
            row = next(
                r for r in rows if r["Code"] == entry["node"] and r["Measure"] == "Importance"
            )
            assert float(row["Weighted importance"]) == pytest.approx(entry["weighted_mean"])
    chinese = client.get(url(scored_demo, "export_results", 1, "csv", "?lang=zh-hans"))
    assert "脑图谱构建" in chinese.content.decode("utf-8-sig")


def test_the_xlsx_results_open_with_one_sheet_per_measure_and_the_panel(scored_demo, analyst_of):
    response = analyst_of(scored_demo).get(url(scored_demo, "export_results", 2, "xlsx"))
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[0] == "Importance" and workbook.sheetnames[-1] == "Panel"
    document = snapshot_document(round_=scored_demo.rounds.get(number=2))
    importance = [e for e in document["results"] if e["measure"] == "importance"]
    assert workbook["Importance"].max_row - 1 == len(importance)
    panel = {row[0]: row[1] for row in workbook["Panel"].iter_rows(min_row=2, values_only=True)}
    assert panel["Kendall's W"] == pytest.approx(document["panel"]["kendall_w"])


def test_raw_answers_name_panelists_by_pseudonym_for_an_analyst(scored_demo, analyst_of):
    response = analyst_of(scored_demo).get(url(scored_demo, "export_answers", 2, "csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    submitted = Answer.objects.filter(
        submission__round__number=2, draft=False, submission__round__study=scored_demo
    )
    assert len(rows) == submitted.count()
    assert {row["Panelist"] for row in rows} == {f"E{i:02d}" for i in range(1, 8)}
    assert "Name" not in rows[0] and "E-mail" not in rows[0]
    assert "Demo Expert" not in response.content.decode("utf-8-sig")
    stages = next(row for row in rows if row["Question"] == "stages" and row["Answer"])
    assert set(stages["Answer"].split(", ")) <= {"rd", "production", "industrialization"}


def test_raw_answers_carry_names_and_e_mail_for_an_administrator(scored_demo, admin_client_):
    response = admin_client_.get(url(scored_demo, "export_answers", 2, "xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Round", "Panelist", "Name", "E-mail"]
    first = [c.value for c in sheet[2]]
    panelist = Panelist.objects.get(study=scored_demo, pseudonym=first[1])
    assert first[2:4] == [panelist.name, panelist.email]


def test_a_formula_typed_as_a_comment_stays_text_in_the_spreadsheets(small_study, analyst_of):
    Answer.objects.filter(measure=6, draft=False).update(value='=HYPERLINK("http://x")')
    client = analyst_of(small_study)
    text = client.get(url(small_study, "export_answers", 1, "csv")).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    sheet = load_workbook(
        io.BytesIO(client.get(url(small_study, "export_answers", 1, "xlsx")).content)
    ).active
    cells = [c for row in sheet.iter_rows() for c in row if "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" and c.value.startswith("'") for c in cells)


def test_the_bundle_for_an_analyst_is_pseudonymous_and_imports_again(scored_demo, analyst_of):
    response = analyst_of(scored_demo).get(url(scored_demo, "export_bundle"))
    bundle = json.loads(response.content)
    assert [e["id"] for e in bundle["experts"]] == [f"E{i:02d}" for i in range(1, 11)]
    assert all(set(e) <= {"id", "language"} for e in bundle["experts"])
    assert "example.org" not in response.content.decode()
    bundle_validate(bundle)
    bundle["study"]["slug"] = "demo-copy"
    copy = bundle_import(data=bundle)
    assert copy.rounds.count() == 2
    assert (
        Answer.objects.filter(submission__round__study=copy).count()
        == Answer.objects.filter(submission__round__study=scored_demo, draft=False).count()
    )


def test_the_bundle_for_an_administrator_keeps_identities(scored_demo, admin_client_):
    bundle = json.loads(admin_client_.get(url(scored_demo, "export_bundle")).content)
    assert bundle["experts"][0]["email"] == "expert01@example.org"


def test_results_of_a_round_without_a_snapshot_are_not_found(small_study, analyst_of):
    assert (
        analyst_of(small_study).get(url(small_study, "export_results", 1, "json")).status_code
        == 404
    )
