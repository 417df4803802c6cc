"""The panel: importing a file after a preview of every row's problems, and adding one by one."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from surveys.console import services
from surveys.console.panel_import import parse_panel_file, preview_rows
from surveys.models import Invitation, Panelist, Round

pytestmark = pytest.mark.django_db

BAD_CSV = (
    "name,email,affiliation,language\n"
    "Chen Jing,chen.jing@example.org,Peking University,zh-hans\n"  # row 2: fine
    "Bad Mail,not-an-address,Somewhere,en\n"  # row 3: bad e-mail
    "Chen Again,CHEN.JING@example.org,,en\n"  # row 4: duplicate of row 2
    "Ada Copy,ada@example.org,,en\n"  # row 5: ada@ is in the small study's panel
    ",nobody@example.org,,\n"  # row 6: no name
    "Lin Wei,,Tsinghua University,klingon\n"  # row 7: unknown language
    "Zhou Min,,,\n"  # row 8: fine, without e-mail
)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def xlsx(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_preview_names_every_bad_rows_problem_and_saves_nothing(small_study, analyst_of):
    client = analyst_of(small_study)
    url = reverse("console:panel_import", args=[small_study.slug])
    before = Panelist.objects.filter(study=small_study).count()

    response = client.post(url, {"file": upload("panel.csv", BAD_CSV.encode())})

    assert response.status_code == 200
    rows = {row.number: row.problems for row in response.context["rows"]}
    assert rows[2] == [] and rows[8] == []
    assert any("not a valid e-mail" in p for p in rows[3])
    assert any("same e-mail address as row 2" in p for p in rows[4])
    assert any("in the panel already" in p for p in rows[5])
    assert any("name is missing" in p for p in rows[6])
    assert any("unknown language" in p for p in rows[7])
    page = response.content.decode()
    assert "not-an-address" in page and "has-problem" in page
    assert Panelist.objects.filter(study=small_study).count() == before


def test_confirming_imports_the_good_rows_with_pseudonyms_continuing_the_numbering(
    small_study, analyst_of
):
    client = analyst_of(small_study)
    client.post(
        reverse("console:panel_import", args=[small_study.slug]),
        {"file": upload("panel.csv", BAD_CSV.encode())},
    )

    response = client.post(reverse("console:panel_import_confirm", args=[small_study.slug]))

    assert response.status_code == 302
    added = Panelist.objects.filter(study=small_study).exclude(external_id__in=["A", "B"])
    assert sorted(added.values_list("pseudonym", "name")) == [
        ("E03", "Chen Jing"),
        ("E04", "Zhou Min"),
    ]
    assert added.get(name="Chen Jing").language == "zh-hans"
    assert added.get(name="Zhou Min").email is None


def test_an_import_refused_at_confirmation_saves_none_of_its_rows(small_study, analyst_of):
    client = analyst_of(small_study)
    client.post(
        reverse("console:panel_import", args=[small_study.slug]),
        {"file": upload("panel.csv", BAD_CSV.encode())},
    )
    # A colleague adds the same person between the preview and the confirmation.
    services.panelist_add(
        study=small_study,
        person=services.PanelistData("Chen Jing", "chen.jing@example.org", None, None),
    )

    client.post(reverse("console:panel_import_confirm", args=[small_study.slug]))

    assert not Panelist.objects.filter(study=small_study, name="Zhou Min").exists()
    assert Panelist.objects.filter(study=small_study, email="chen.jing@example.org").count() == 1


def test_an_xlsx_panel_with_chinese_headers_is_read(small_study):
    content = xlsx(
        [
            ["姓名", "邮箱", "单位", "语言"],
            ["王芳", "wang.fang@example.org", "北京大学", "中文"],
            ["Sam Lee", "sam@example.org", "BAAI", "English"],
        ]
    )
    rows = parse_panel_file(name="panel.xlsx", content=content)
    assert [(r.name, r.email, r.language) for r in rows] == [
        ("王芳", "wang.fang@example.org", "zh-hans"),
        ("Sam Lee", "sam@example.org", "en"),
    ]


def test_a_file_without_a_name_column_is_refused_with_a_message(small_study, analyst_of):
    client = analyst_of(small_study)
    response = client.post(
        reverse("console:panel_import", args=[small_study.slug]),
        {"file": upload("panel.csv", b"email\nx@example.org\n")},
    )
    assert response.status_code == 400
    assert "name" in response.content.decode()


def test_duplicate_names_without_e_mail_are_flagged_within_the_file():
    people = parse_panel_file(name="p.csv", content=b"name\nLi Na\nli na\n")
    rows = preview_rows(people, existing={"emails": set(), "names": set()})
    assert rows[0].problems == []
    assert "row 2" in rows[1].problems[0]


def test_rows_keep_their_line_numbers_across_blank_lines():
    content = b"\nname,email\nLi Na,li@example.org\n\n,,\nWang Fang,li@example.org\n"
    rows = preview_rows(
        parse_panel_file(name="p.csv", content=content), existing={"emails": set(), "names": set()}
    )
    assert [row.number for row in rows] == [3, 6]
    assert "row 3" in rows[1].problems[0]


def test_the_demo_panel_template_imports_cleanly(small_study, analyst_of):
    client = analyst_of(small_study)
    template = client.get(reverse("console:panel_template", args=[small_study.slug, "xlsx"]))
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert [c.value for c in sheet[1]] == ["name", "email", "affiliation", "language"]

    response = client.post(
        reverse("console:panel_import", args=[small_study.slug]),
        {"file": upload("demo.xlsx", template.content)},
    )
    assert response.context["bad"] == 0 and response.context["good"] == 10


def test_a_panelist_added_while_a_round_is_open_is_invited_at_once(
    small_study, analyst_of, django_capture_on_commit_callbacks
):
    client = analyst_of(small_study)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("console:panelist_add", args=[small_study.slug]),
            {"name": "Late Joiner", "email": "late@example.org", "language": "zh-hans"},
        )
    panelist = Panelist.objects.get(study=small_study, name="Late Joiner")
    open_round = small_study.rounds.get(status=Round.Status.OPEN)
    assert Invitation.objects.filter(round=open_round, panelist=panelist).exists()
    assert [m.to for m in mail.outbox] == [["late@example.org"]]
    assert "邀请" in mail.outbox[0].subject  # in the panelist's language


def test_a_panelist_who_answered_cannot_be_removed(small_study, analyst_of):
    client = analyst_of(small_study)
    answered = Panelist.objects.get(study=small_study, external_id="A")
    client.post(reverse("console:panelist_remove", args=[small_study.slug, answered.pk]))
    assert Panelist.objects.filter(pk=answered.pk).exists()


def test_names_are_hidden_from_analysts_unless_the_study_shows_identities(
    small_study, analyst_of, admin_client_
):
    url = reverse("console:panel", args=[small_study.slug])
    assert "Ada" not in analyst_of(small_study).get(url).content.decode()
    assert "Ada" in admin_client_.get(url).content.decode()
    small_study.show_identities = True
    small_study.save()
    assert "Ada" in analyst_of(small_study, "ana2").get(url).content.decode()
