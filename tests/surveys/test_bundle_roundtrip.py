"""Export then import gives back the same study (spec/bundle.md)."""

import io
import json

import pytest
from django.core.management import call_command

from surveys.bundles import bundle_export, bundle_import

from ..factories import example_bundle, small_bundle

pytestmark = pytest.mark.django_db


def canonical(bundle: dict) -> str:
    """The bundle up to the order of keys and of experts and responses (order-free lists)."""
    data = json.loads(json.dumps(bundle))
    data["experts"].sort(key=lambda e: e["id"])
    for round_ in data["rounds"]:
        round_["responses"].sort(key=lambda r: json.dumps(r, sort_keys=True))
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def test_the_seed_example_survives_export_and_import():
    original = example_bundle()
    study = bundle_import(data=original)
    assert canonical(bundle_export(study=study)) == canonical(original)


def test_export_import_export_gives_the_same_document():
    first = bundle_export(study=bundle_import(data=example_bundle()))
    second = bundle_export(study=bundle_import(data=first, replace=True))
    assert second == first


def test_plain_string_names_and_absent_fields_come_back_as_they_were():
    original = small_bundle()
    exported = bundle_export(study=bundle_import(data=original))
    assert exported["framework"][0]["children"][1]["name"] == "Field two"
    assert "email" not in exported["experts"][1]
    assert "measures" not in exported["framework"][0]["children"][0]
    assert canonical(exported) == canonical(original)


def test_the_commands_round_trip_through_files(tmp_path):
    source = tmp_path / "in.json"
    source.write_text(json.dumps(example_bundle(), ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("import_bundle", str(source), stdout=out)
    assert out.getvalue().strip() == "beijing-bii-2023"
    target = tmp_path / "out.json"
    call_command("export_bundle", "beijing-bii-2023", "-o", str(target))
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert canonical(exported) == canonical(example_bundle())


def test_export_to_standard_output():
    bundle_import(data=small_bundle())
    out = io.StringIO()
    call_command("export_bundle", "small-study", "-o", "-", stdout=out)
    assert json.loads(out.getvalue())["study"]["slug"] == "small-study"
