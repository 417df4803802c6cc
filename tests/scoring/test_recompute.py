"""Snapshots from the database: golden results end to end, versioning, result exports."""

import csv
import io
import json

import pytest
from django.core.management import call_command

from scoring.exports import safe_text
from scoring.models import ResultSnapshot
from scoring.recompute import results_compute, round_recompute, snapshot_store, stale_round_ids
from surveys.bundles import bundle_import
from surveys.models import Round

from ..factories import example_bundle, example_results, small_bundle

pytestmark = pytest.mark.django_db


def without_timestamp(document: dict) -> dict:
    return {key: value for key, value in document.items() if key != "computed_at"}


@pytest.fixture
def seed_study():
    study = bundle_import(data=example_bundle())
    for round_ in study.rounds.all():
        round_recompute(round_id=round_.pk)
    return study


@pytest.mark.parametrize("number", [1, 2])
def test_the_seed_rounds_reproduce_the_golden_results_exactly(seed_study, number):
    snapshot = ResultSnapshot.objects.get(round__study=seed_study, round__number=number)
    assert without_timestamp(snapshot.document) == example_results(number)


def test_export_results_json_is_the_snapshot(seed_study):
    out = io.StringIO()
    call_command(
        "export_results", seed_study.slug, "--round", "2", "--format", "json", "-o", "-", stdout=out
    )
    assert without_timestamp(json.loads(out.getvalue())) == example_results(2)


def test_export_results_defaults_to_the_latest_round_with_answers(seed_study):
    out = io.StringIO()
    call_command("export_results", seed_study.slug, "--format", "json", "-o", "-", stdout=out)
    assert json.loads(out.getvalue())["round"] == 2


def test_a_late_job_never_replaces_a_newer_snapshot(seed_study):
    round_ = seed_study.rounds.get(number=1)
    newer = results_compute(round_=round_)
    newer["marker"] = "newer"
    assert snapshot_store(round_id=round_.pk, answers_version=5, document=newer)
    older = results_compute(round_=round_)
    assert not snapshot_store(round_id=round_.pk, answers_version=4, document=older)
    assert ResultSnapshot.objects.get(round=round_).document["marker"] == "newer"


def test_rounds_with_answers_newer_than_their_snapshot_are_stale(seed_study):
    assert stale_round_ids() == []
    round_ = seed_study.rounds.get(number=2)
    Round.objects.filter(pk=round_.pk).update(answers_version=round_.answers_version + 1)
    assert stale_round_ids() == [round_.pk]


def test_importing_a_bundle_schedules_the_recompute_of_its_rounds(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        study = bundle_import(data=example_bundle())
    assert ResultSnapshot.objects.filter(round__study=study).count() == 2


def test_the_csv_has_a_row_per_leaf_and_measure_with_names_in_the_chosen_language(seed_study):
    out = io.BytesIO()

    class Stream(io.StringIO):
        buffer = out

    call_command(
        "export_results",
        seed_study.slug,
        "--round",
        "1",
        "--format",
        "csv",
        "--language",
        "zh-hans",
        "-o",
        "-",
        stdout=Stream(),
    )
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert len(body) == len(example_results(1)["results"])
    names = {row[0]: row[1] for row in body}
    assert names["T.BR.1"] == "脑图谱构建"
    assert "加权重要性" in header
    assert {row[2] for row in body} == {"重要性", "成熟时间", "区域优势", "投资", "发展阶段"}


def test_the_xlsx_has_a_sheet_per_measure_and_a_panel_sheet(seed_study, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "results.xlsx"
    call_command(
        "export_results", seed_study.slug, "--round", "1", "--format", "xlsx", "-o", str(path)
    )
    workbook = load_workbook(path)
    assert workbook.sheetnames == [
        "Importance",
        "Time to maturity",
        "Regional advantage",
        "Investment",
        "Stages",
        "Panel",
    ]
    importance = workbook["Importance"]
    assert importance.freeze_panes == "C2"
    assert importance["A1"].font.bold
    header = [cell.value for cell in importance[1]]
    golden = {e["node"]: e for e in example_results(1)["results"] if e["measure"] == "importance"}
    for row in importance.iter_rows(min_row=2, values_only=True):
        entry = golden[row[0]]
        # XLSX keeps 15 significant digits, as spreadsheet programs do.
        assert row[header.index("Weighted importance")] == pytest.approx(
            entry["weighted_mean"], rel=1e-14
        )
        assert row[header.index("Consensus")] == ("yes" if entry["consensus"] else "no")
    verdicts = workbook["Regional advantage"]
    words = {
        row[header_index(verdicts, "Verdict")]
        for row in verdicts.iter_rows(min_row=2, values_only=True)
    }
    assert words <= {"Yes", "No", "Disputed"}


def header_index(sheet, title: str) -> int:
    return [cell.value for cell in sheet[1]].index(title)


@pytest.mark.parametrize("dangerous", ["=1+1", "+1", "-1", "@SUM(A1)"])
def test_no_cell_can_be_read_as_a_formula(dangerous, tmp_path):
    from openpyxl import load_workbook

    bundle = small_bundle()
    bundle["framework"][0]["children"][0]["name"] = dangerous
    study = bundle_import(data=bundle)
    round_recompute(round_id=study.rounds.get().pk)
    path = tmp_path / "r.xlsx"
    call_command("export_results", study.slug, "--format", "xlsx", "-o", str(path))
    sheet = load_workbook(path)["Importance"]
    cell = sheet.cell(row=2, column=2)
    assert cell.data_type == "s"
    assert cell.value == "'" + dangerous
    assert safe_text(dangerous).startswith("'")


def test_packed_answers_and_answer_rows_give_the_same_results(seed_study):
    from surveys.models import PackedAnswers

    round_ = seed_study.rounds.get(number=2)
    packed = without_timestamp(results_compute(round_=round_))
    PackedAnswers.objects.filter(submission__round__study=seed_study).delete()
    from_rows = without_timestamp(results_compute(round_=round_))
    assert from_rows == packed == example_results(2)


def test_the_packed_copy_is_rewritten_from_the_answer_rows(seed_study):
    from surveys.models import Answer, PackedAnswers, Submission
    from surveys.packing import submission_pack, unpack

    submission = Submission.objects.filter(round__study=seed_study).first()
    submission_pack(submission=submission)
    submission.refresh_from_db()
    packed = unpack(bytes(PackedAnswers.objects.get(submission=submission).data))
    rows = Answer.objects.filter(submission=submission, draft=False)
    assert len(packed) == rows.count()
    assert sorted(
        zip(
            packed["node"].tolist(),
            packed["measure"].tolist(),
            packed["code"].tolist(),
            strict=True,
        )
    ) == sorted((a.node_id, a.measure, a.code or 0) for a in rows)
