"""Building the framework in the console, and refusing edits once answers exist."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from surveys.bundles import bundle_export
from surveys.console import services
from surveys.console.framework_files import parse_framework_xlsx
from surveys.framework import framework_load
from surveys.models import Node
from tests.factories import StudyFactory

pytestmark = pytest.mark.django_db


def node(study, code):
    return Node.objects.get(study=study, code=code)


def tree(study) -> list[tuple[str, str | None]]:
    """(code, parent code) in the bundle exporter's order."""
    result = []

    def walk(items, parent):
        for item in items:
            result.append((item["code"], parent))
            walk(item.get("children", []), item["code"])

    walk(bundle_export(study=study)["framework"], None)
    return result


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "framework"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HEADER = ["code", "parent code", "name en", "name zh-hans", "measures"]


def test_an_analyst_builds_a_tree_in_the_browser(db, analyst_of):
    study = StudyFactory(slug="fresh")
    client = analyst_of(study)
    add = reverse("console:node_add", args=[study.slug])
    client.post(add, {"code": "T", "name_en": "Technology", "name_zh": "技术"})
    layer = node(study, "T")
    client.post(add, {"parent": layer.pk, "code": "T.1", "name_en": "Chips"})
    client.post(add, {"parent": layer.pk, "code": "T.2", "name_en": "Robots"})
    client.post(
        reverse("console:node_measures", args=[study.slug, layer.pk]),
        {"measures": ["importance", "familiarity"]},
    )
    client.post(
        reverse("console:node_move", args=[study.slug, node(study, "T.2").pk]),
        {"direction": "up"},
    )
    client.post(
        reverse("console:node_edit", args=[study.slug, node(study, "T.1").pk]),
        {"code": "T.1", "name_en": "Brain-inspired chips", "name_zh": "类脑芯片"},
    )

    assert tree(study) == [("T", None), ("T.2", "T"), ("T.1", "T")]
    framework = framework_load(study=study)
    # The method's order, whatever order the boxes were ticked in.
    assert framework.leaves["T.1"].measures == ("familiarity", "importance")
    assert node(study, "T.1").name == {"en": "Brain-inspired chips", "zh-hans": "类脑芯片"}


def test_a_node_moves_under_another_parent_and_the_export_follows(small_study):
    # T.2 is a leaf nobody answered yet: it may become a parent.
    services.node_add(study=small_study, parent=None, code="X", name={"en": "Extra"})
    services.node_move(node=node(small_study, "X"), parent=node(small_study, "T.2"), index=0)
    assert ("X", "T.2") in tree(small_study)
    with pytest.raises(services.ConsoleError, match="under itself"):
        services.node_move(node=node(small_study, "T.2"), parent=node(small_study, "X"), index=0)


def test_a_node_cannot_move_under_a_leaf_that_holds_answers(small_study):
    services.node_add(study=small_study, parent=None, code="X", name={"en": "Extra"})
    with pytest.raises(services.ConsoleError, match="would no longer be a leaf"):
        services.node_move(node=node(small_study, "X"), parent=node(small_study, "E"), index=0)
    assert ("X", None) in tree(small_study)


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: services.node_rename(node=node(s, "T.1"), code="T.1", name={"en": "New"}),
        lambda s: services.node_set_measures(node=node(s, "T"), measures=["importance"]),
        lambda s: services.node_delete(node=node(s, "T")),
        lambda s: services.node_move(node=node(s, "T.1"), parent=node(s, "P"), index=0),
        lambda s: services.node_add(study=s, parent=node(s, "T.1"), code="T.1.a", name={"en": "x"}),
    ],
    ids=["rename", "set-measures-above", "delete-ancestor", "move", "add-under-answered-leaf"],
)
def test_an_edit_touching_answered_nodes_is_refused_saying_why(small_study, edit):
    before = tree(small_study)
    with pytest.raises(services.ConsoleError, match="refused: experts have already answered"):
        edit(small_study)
    assert tree(small_study) == before


def test_nodes_without_answers_stay_editable_beside_answered_ones(small_study):
    # T.2 has no answers although its sibling T.1 has.
    services.node_rename(node=node(small_study, "T.2"), code="T.2", name={"en": "Field 2"})
    services.node_add(study=small_study, parent=node(small_study, "T"), code="T.3", name="Three")
    services.node_delete(node=node(small_study, "T.3"))
    assert node(small_study, "T.2").name == {"en": "Field 2"}


def test_the_refusal_reaches_the_analyst_as_a_message(small_study, analyst_of):
    client = analyst_of(small_study)
    response = client.post(
        reverse("console:node_delete", args=[small_study.slug, node(small_study, "T.1").pk]),
        follow=True,
    )
    assert "Deleting T.1 refused" in response.content.decode()
    assert Node.objects.filter(study=small_study, code="T.1").exists()


def test_the_xlsx_template_round_trips_the_framework(small_study, analyst_of):
    content = (
        analyst_of(small_study)
        .get(reverse("console:framework_template", args=[small_study.slug]))
        .content
    )
    sheet = load_workbook(io.BytesIO(content))["framework"]
    assert [c.value for c in sheet[1]] == HEADER
    rows = parse_framework_xlsx(content)
    assert [(r.code, r.parent) for r in rows] == tree(small_study)
    assert rows[0].measures == ["familiarity", "importance", "maturity", "regional_advantage"]
    assert rows[1].measures is None  # T.1 inherits


def test_an_uploaded_template_builds_the_tree(db, analyst_of):
    study = StudyFactory(slug="from-xlsx")
    content = xlsx(
        [
            HEADER,
            ["T", "", "Technology", "技术", "familiarity, importance, maturity"],
            ["T.1", "T", "Chips", "芯片", ""],
            ["E", "", "Environment", "", "comment"],
            ["T.2", "T", "", "机器人", ""],
        ]
    )
    response = analyst_of(study).post(
        reverse("console:framework_upload", args=[study.slug]),
        {"file": SimpleUploadedFile("framework.xlsx", content)},
        follow=True,
    )
    assert "4 nodes" in response.content.decode()
    # Children follow their parent whatever the row order.
    assert tree(study) == [("T", None), ("T.1", "T"), ("T.2", "T"), ("E", None)]
    assert framework_load(study=study).leaves["T.2"].measures == (
        "familiarity",
        "importance",
        "maturity",
    )


@pytest.mark.parametrize(
    ("row", "where"),
    [
        (["T.1", "X", "Chips", "", ""], "Row 3, column “parent code”"),
        (["T", "", "Again", "", ""], "Row 3, column “code”"),
        (["T.1", "T", "", "", ""], "Row 3, column “name en”"),
        (["T.1", "T", "Chips", "", "importance, colour"], "Row 3, column “measures”"),
        (["T 1", "T", "Chips", "", ""], "Row 3, column “code”"),
    ],
)
def test_a_bad_template_row_is_named_by_row_and_column_and_nothing_changes(
    small_study, analyst_of, row, where
):
    study = StudyFactory(slug="bad-xlsx")
    services.node_add(study=study, parent=None, code="KEEP", name="Kept")
    content = xlsx([HEADER, ["T", "", "Technology", "", "importance"], row])
    response = analyst_of(study).post(
        reverse("console:framework_upload", args=[study.slug]),
        {"file": SimpleUploadedFile("framework.xlsx", content)},
        follow=True,
    )
    assert where in response.content.decode()
    assert tree(study) == [("KEEP", None)]


def test_a_bundle_supplies_a_framework(db, analyst_of):
    study = StudyFactory(slug="from-bundle")
    bundle = {
        "format": "delphi-bundle/1",
        "framework": [{"code": "L", "name": "Layer", "measures": ["comment"]}],
    }
    analyst_of(study).post(
        reverse("console:framework_upload", args=[study.slug]),
        {"file": SimpleUploadedFile("b.json", json.dumps(bundle).encode())},
    )
    assert tree(study) == [("L", None)]


def test_a_bad_bundle_is_refused_with_its_json_path(db, analyst_of):
    study = StudyFactory(slug="bad-bundle")
    bundle = {"format": "delphi-bundle/1", "framework": [{"code": "L", "name": "L", "x": 1}]}
    response = analyst_of(study).post(
        reverse("console:framework_upload", args=[study.slug]),
        {"file": SimpleUploadedFile("b.json", json.dumps(bundle).encode())},
        follow=True,
    )
    assert "framework[0].x" in response.content.decode()
    assert not Node.objects.filter(study=study).exists()


def test_replacing_the_framework_is_refused_once_answers_exist(small_study):
    with pytest.raises(services.ConsoleError, match="already answered"):
        services.framework_replace(
            study=small_study, rows=[services.NodeRow("Z", None, "Z", ["comment"])]
        )
    assert ("T.1", "T") in tree(small_study)
