"""Malformed and hostile uploads: each is answered with the row and column at fault, nothing is
saved, and nothing in the file reaches a page as markup."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from surveys.models import Node, Panelist, Study
from tests.factories import StudyFactory, UserFactory, grant

from .hostile import IMG, RAW_MARKUP, SCRIPT

pytestmark = pytest.mark.django_db

HEADER = ["code", "parent code", "name en", "name zh-hans", "measures"]
DAMAGED_XLSX = b"PK\x03\x04 this is not a workbook \x00\xff" * 20


def xlsx(rows: list[list[object]], title: str = "framework") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def study() -> Study:
    study = StudyFactory(slug="uploads")
    Node.objects.create(study=study, code="KEEP", name="Kept", position=0)
    return study


@pytest.fixture
def analyst(study) -> Client:
    user = UserFactory(username="ana")
    grant(user, study, "analyst")
    client = Client()
    client.force_login(user)
    return client


def upload_panel(client: Client, study: Study, name: str, content: bytes):
    return client.post(
        reverse("console:panel_import", args=[study.slug]),
        {"file": SimpleUploadedFile(name, content)},
    )


def upload_framework(client: Client, study: Study, name: str, content: bytes):
    return client.post(
        reverse("console:framework_upload", args=[study.slug]),
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def codes(study: Study) -> list[str]:
    return list(
        Node.objects.filter(study=study).order_by("position").values_list("code", flat=True)
    )


# --- The panel import --------------------------------------------------------------------------


def test_a_panel_preview_puts_each_problem_on_its_row_and_names_the_column(study, analyst):
    content = (
        b"name,email,affiliation,language\n"
        b"Chen Jing,chen@example.org,PKU,zh-hans\n"  # row 2
        b"Lin Wei,lin@example.org,THU,en\n"  # row 3
        b"Bad Mail,not-an-address,,en\n"  # row 4: the e-mail column
        b"Odd Tongue,odd@example.org,,klingon\n"  # row 5: the language column
        b",nameless@example.org,,\n"  # row 6: the name column
    )
    response = upload_panel(analyst, study, "panel.csv", content)
    assert response.status_code == 200
    problems = {row.number: row.problems for row in response.context["rows"]}
    assert problems[2] == [] and problems[3] == []
    assert any("e-mail address" in p and "not-an-address" in p for p in problems[4])
    assert any("language" in p and "klingon" in p for p in problems[5])
    assert any("name" in p for p in problems[6])
    assert not Panelist.objects.filter(study=study).exists()


def test_a_damaged_panel_workbook_is_refused_with_a_message_not_an_error(study, analyst):
    response = upload_panel(analyst, study, "panel.xlsx", DAMAGED_XLSX)
    assert response.status_code == 400
    assert "not a readable XLSX workbook" in response.content.decode()
    assert not Panelist.objects.filter(study=study).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("panel.exe", b"MZ\x90\x00", "Upload a .csv or .xlsx file."),
        ("panel.csv", b"", "file is empty"),
        ("panel.csv", b"\n\n", "The file is empty."),
        ("panel.csv", b"email\nnobody@example.org\n", "a “name” column is required"),
    ],
)
def test_an_unreadable_panel_file_says_why(study, analyst, name, content, message):
    response = upload_panel(analyst, study, name, content)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_hostile_names_in_a_panel_file_are_previewed_as_text(study, analyst):
    content = (
        f'name,email,affiliation\n"{SCRIPT}",x@example.org,"{IMG.replace(chr(34), chr(34) * 2)}"\n'
    )
    response = upload_panel(analyst, study, "panel.csv", content.encode())
    page = response.content.decode()
    assert response.status_code == 200
    for markup in RAW_MARKUP:
        assert markup not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- The framework import -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "where"),
    [
        (
            [
                ["T", "", "Tech", "", "importance"],
                ["T.1", "T", "One", "", ""],
                ["T.2", "T", "Two", "", "colour"],
            ],
            "Row 4, column “measures”",
        ),
        (
            [["T", "", "Tech", "", ""], ["T.1", "T", "One", "", ""], ["T.1", "T", "Again", "", ""]],
            "Row 4, column “code”",
        ),
        (
            [["T", "", "Tech", "", ""], ["", "", "", "", ""], ["T.9", "Z", "Orphan", "", ""]],
            "Row 4, column “parent code”",
        ),
    ],
)
def test_a_bad_framework_row_is_named_by_its_row_and_column(study, analyst, rows, where):
    response = upload_framework(analyst, study, "framework.xlsx", xlsx([HEADER, *rows]))
    assert where in response.content.decode()
    assert codes(study) == ["KEEP"]


def test_a_framework_workbook_missing_a_column_names_it(study, analyst):
    response = upload_framework(
        analyst, study, "framework.xlsx", xlsx([HEADER[:4], ["T", "", "Tech", ""]])
    )
    assert "Row 1 must hold the column titles; “measures” is missing." in response.content.decode()
    assert codes(study) == ["KEEP"]


def test_a_damaged_framework_workbook_changes_nothing(study, analyst):
    response = upload_framework(analyst, study, "framework.xlsx", DAMAGED_XLSX)
    assert response.status_code == 200
    assert "not a readable XLSX workbook" in response.content.decode()
    assert codes(study) == ["KEEP"]


def test_a_broken_framework_bundle_names_its_json_problem(study, analyst):
    response = upload_framework(analyst, study, "framework.json", b'{"format": "delphi-bundle/1",')
    assert "The file is not JSON" in response.content.decode()
    assert codes(study) == ["KEEP"]


def test_hostile_framework_names_are_saved_as_text_and_shown_escaped(study, analyst):
    rows = [
        HEADER,
        ["T", "", f"Tech {SCRIPT}", f"技术 {IMG}", "importance"],
        ["T.1", "T", IMG, "", ""],
    ]
    response = upload_framework(analyst, study, "framework.xlsx", xlsx(rows))
    page = response.content.decode()
    assert codes(study) == ["T", "T.1"]
    for markup in RAW_MARKUP:
        assert markup not in page
    assert "Tech &lt;script&gt;" in page


# --- A whole bundle -----------------------------------------------------------------------------


def test_an_invalid_bundle_upload_names_the_entry_at_fault(db):
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True))
    from tests.factories import small_bundle

    bundle = small_bundle(slug="bad-bundle")
    bundle["rounds"][0]["responses"][1]["value"] = 42
    response = client.post(
        reverse("console:study_import"),
        {"file": SimpleUploadedFile("bundle.json", json.dumps(bundle).encode())},
        follow=True,
    )
    page = response.content.decode()
    assert "rounds[0].responses[1].value" in page
    assert not Study.objects.filter(slug="bad-bundle").exists()
