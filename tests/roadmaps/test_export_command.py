"""`manage.py export_roadmap`: the figure JSON and the standalone HTML from the command line."""

import json

import pytest
from django.core.management import CommandError, call_command

from surveys.models import Round

pytestmark = pytest.mark.django_db


def field_points(figure: dict) -> dict:
    return {
        row[0]: (trace["x"][i], row[1])
        for trace in figure["data"]
        if trace["meta"]["role"] == "field"
        for i, row in enumerate(trace["customdata"])
    }


def expected_years(study, number: int) -> dict:
    document = Round.objects.get(study=study, number=number).snapshot.document
    return {
        e["node"]: e["expected_year"] for e in document["results"] if e["measure"] == "maturity"
    }


def test_the_json_holds_every_fields_code_and_expected_year(tmp_path, demo_study):
    path = tmp_path / "figure.json"
    call_command("export_roadmap", demo_study.slug, "--format", "json", "-o", str(path))
    figure = json.loads(path.read_text(encoding="utf-8"))
    found = field_points(figure)
    expected = expected_years(demo_study, 2)  # computed by the command: the import left none
    assert {code: year for code, (_x, year) in found.items()} == expected
    for x, year in found.values():
        assert x == (year if year <= demo_study.horizon_end else demo_study.horizon_end)


def test_the_json_of_an_earlier_round_in_chinese(tmp_path, demo_study):
    path = tmp_path / "figure.json"
    call_command(
        "export_roadmap",
        demo_study.slug,
        "--round",
        "1",
        "--format",
        "json",
        "--language",
        "zh-hans",
        "-o",
        str(path),
    )
    figure = json.loads(path.read_text(encoding="utf-8"))
    assert {c: y for c, (_x, y) in field_points(figure).items()} == expected_years(demo_study, 1)
    assert "第 1 轮" in figure["layout"]["title"]["text"]


def test_the_html_is_standalone(tmp_path, demo_study):
    path = tmp_path / "roadmap.html"
    call_command("export_roadmap", demo_study.slug, "--format", "html", "-o", str(path))
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert "<script src=" not in html
    assert "Plotly.newPlot" in html


def test_comparison_arrows_in_the_export_when_asked(tmp_path, demo_study):
    path = tmp_path / "figure.json"
    call_command(
        "export_roadmap", demo_study.slug, "--format", "json", "--compare", "-o", str(path)
    )
    figure = json.loads(path.read_text(encoding="utf-8"))
    [arrows] = [t for t in figure["data"] if t["meta"]["role"] == "compare"]
    assert arrows["visible"] is True


def test_an_unknown_study_or_round_fails_with_one_clear_line(tmp_path, demo_study):
    with pytest.raises(CommandError, match="no study with slug 'nope'"):
        call_command("export_roadmap", "nope", "--format", "json", "-o", str(tmp_path / "x"))
    with pytest.raises(CommandError, match="has no round 7"):
        call_command(
            "export_roadmap",
            demo_study.slug,
            "--round",
            "7",
            "--format",
            "json",
            "-o",
            str(tmp_path / "x"),
        )


def test_a_study_without_answers_has_no_roadmap_to_export(tmp_path, small_study):
    Round.objects.filter(study=small_study).update(answers_version=0)
    with pytest.raises(CommandError, match="has no results"):
        call_command(
            "export_roadmap", small_study.slug, "--format", "json", "-o", str(tmp_path / "x")
        )
