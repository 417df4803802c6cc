"""Personal data: analysts see pseudonyms; an administrator exports or erases one panelist's
personal data, and erasure leaves the answers, and so every result, as they were."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from scoring.recompute import round_recompute
from scoring.selectors import snapshot_document
from surveys.console.exports import bundle_for
from surveys.models import Answer, Invitation, Panelist, Study
from surveys.privacy import panelist_erase, panelist_personal_data
from surveys.questionnaire import draft_save_many, submission_submit
from tests.expert.builders import import_study, link, seed_bundle
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db

FIELDS = [
    ("T.BR.1", 4, 5, "short", "yes"),
    ("T.BR.2", 3, 3, "medium", "no"),
    ("T.KT.1", 5, 4, "long", "unsure"),
]
IDENTITIES = ("Secret Name", "secret0", "Hidden Institute")


def responses(expert: str, shift: int) -> list[dict]:
    out = []
    for node, familiarity, importance, maturity, advantage in FIELDS:
        out += [
            {"expert": expert, "node": node, "measure": "familiarity", "value": familiarity},
            {
                "expert": expert,
                "node": node,
                "measure": "importance",
                "value": max(1, min(5, importance - shift)),
            },
            {"expert": expert, "node": node, "measure": "maturity", "value": maturity},
            {"expert": expert, "node": node, "measure": "regional_advantage", "value": advantage},
        ]
    return out


@pytest.fixture
def study() -> Study:
    """Four experts with names, e-mails and affiliations; round 1 closed with answers, round 2
    open with two submissions (one with a comment and a reason)."""
    rounds = [
        {
            "number": 1,
            "status": "closed",
            "responses": [r for i in range(4) for r in responses(f"X{i + 1:02d}", i % 3)],
        },
        {"number": 2, "status": "open"},
    ]
    study = import_study(seed_bundle(slug="private", experts=4, rounds=rounds), snapshots=False)
    round_2 = study.rounds.get(number=2)
    for expert, comment in (("X01", "Policy matters."), ("X02", None)):
        panelist = study.panelists.get(external_id=expert)
        answers = [
            {"node": "T.BR.1", "measure": "familiarity", "value": 5},
            {"node": "T.BR.1", "measure": "importance", "value": 1, "reason": "Seen it fail."},
            {"node": "T.BR.1", "measure": "maturity", "value": "long"},
            {"node": "T.BR.1", "measure": "regional_advantage", "value": "no"},
            {"node": "T.BR.1", "measure": "investment", "value": "no"},
        ]
        if comment:
            answers.append({"node": "E.PO", "measure": "comment", "value": comment})
        draft_save_many(round_=round_2, panelist=panelist, answers=answers)
        submission_submit(round_=round_2, panelist=panelist)
    for round_ in study.rounds.all():
        round_recompute(round_id=round_.pk)
    return study


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def analyst(study) -> Client:
    user = UserFactory(username="ana")
    grant(user, study, "analyst")
    return signed_in(user)


def shows_identity(text: str) -> list[str]:
    return [needle for needle in IDENTITIES if needle in text]


# --- Analysts see pseudonyms ------------------------------------------------------------------


def console_paths(study: Study) -> list[str]:
    def url(name: str, *args) -> str:
        return reverse(f"console:{name}", args=[study.slug, *args])

    return [
        url("overview"),
        url("panel"),
        url("rounds"),
        url("round", 1),
        url("round", 2),
        url("round_progress", 2),
        url("results_round", 1),
        url("results_round", 2),
        url("exports"),
        url("settings"),
        url("export_answers", 1, "csv"),
        url("export_answers", 2, "csv"),
        url("export_answers", 2, "xlsx"),
        url("export_results", 2, "csv"),
        url("export_bundle"),
        reverse("roadmaps:study", args=[study.slug]),
    ]


def api_paths(study: Study) -> list[str]:
    base = f"/api/v1/studies/{study.slug}/"
    return [
        "/api/v1/studies/",
        base,
        base + "panelists/",
        base + "rounds/",
        base + "rounds/1/",
        base + "rounds/2/results/",
        base + "rounds/1/answers/",
        base + "rounds/2/answers/",
        base + "rounds/2/answers/?format=csv",
    ]


def body(response) -> str:
    if response.get("Content-Type", "").startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    ):
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(response.content))
        return " ".join(
            str(cell.value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows()
            for cell in row
        )
    return (
        b"".join(response.streaming_content).decode()
        if response.streaming
        else (response.content.decode())
    )


def test_an_analyst_sees_pseudonyms_on_every_console_page_and_export(study, analyst):
    assert not study.show_identities
    for path in console_paths(study):
        response = analyst.get(path, follow=True)
        assert response.status_code == 200, path
        text = body(response)
        assert shows_identity(text) == [], path
    assert "E01" in analyst.get(reverse("console:panel", args=[study.slug])).content.decode()


def test_an_analyst_sees_pseudonyms_in_every_api_answer(study, analyst):
    for path in api_paths(study):
        accept = {} if "format=" in path else {"HTTP_ACCEPT": "application/json"}
        response = analyst.get(path, **accept)
        assert response.status_code == 200, path
        assert shows_identity(body(response)) == [], path
    panelists = analyst.get(f"/api/v1/studies/{study.slug}/panelists/").json()["results"]
    assert {p["pseudonym"] for p in panelists} == {"E01", "E02", "E03", "E04"}


def test_the_same_pages_show_names_where_the_study_shows_identities(study, analyst):
    """The control: the pages above do carry names when they may."""
    Study.objects.filter(pk=study.pk).update(show_identities=True)
    panel = analyst.get(reverse("console:panel", args=[study.slug])).content.decode()
    assert "Secret Name 01" in panel
    panelists = analyst.get(f"/api/v1/studies/{study.slug}/panelists/").json()["results"]
    assert "secret01@example.org" in {p.get("email") for p in panelists}
    admin = signed_in(UserFactory(username="root", is_superuser=True))
    export = admin.get(reverse("console:export_answers", args=[study.slug, 2, "csv"]))
    assert "secret01@example.org" in body(export)


def test_a_viewer_never_sees_names_even_where_the_study_shows_them(study):
    Study.objects.filter(pk=study.pk).update(show_identities=True)
    user = UserFactory(username="vic")
    grant(user, study, "viewer")
    viewer = signed_in(user)
    for path in console_paths(study)[:9]:
        assert shows_identity(body(viewer.get(path, follow=True))) == [], path


# --- Export of one panelist's personal data ---------------------------------------------------


def test_the_personal_data_export_holds_the_person_links_history_and_every_answer(study, client):
    panelist = study.panelists.get(external_id="X01")
    client.get(link(study, "X01"))  # opened once
    data = panelist_personal_data(panelist=panelist)

    assert data["format"] == "delphi-personal-data/1"
    assert data["panelist"] == {
        "id": "X01",
        "pseudonym": "E01",
        "name": "Secret Name 01",
        "email": "secret01@example.org",
        "affiliation": "Hidden Institute 01",
        "language": "en",
        "erased_at": None,
    }
    opened = {i["round"]: i["opened_at"] for i in data["invitations"]}
    assert 2 in opened and opened[2] is not None
    assert [s["round"] for s in data["submissions"]] == [1, 2]
    held = Answer.objects.filter(submission__panelist=panelist).count()
    assert sum(len(s["answers"]) for s in data["submissions"]) == held
    reasons = [a.get("reason") for s in data["submissions"] for a in s["answers"]]
    assert "Seen it fail." in reasons
    json.dumps(data)  # JSON-ready as it is


def test_the_personal_data_export_never_holds_a_working_link(study):
    panelist = study.panelists.get(external_id="X01")
    text = json.dumps(panelist_personal_data(panelist=panelist))
    token = link(study, "X01").strip("/").split("/")[-1]
    assert token not in text
    for invitation in Invitation.objects.filter(panelist=panelist):
        assert invitation.token_hash not in text and invitation.token_salt not in text


# --- Erasure ----------------------------------------------------------------------------------


def results_without_time(study: Study) -> dict[int, dict]:
    documents = {}
    for round_ in study.rounds.order_by("number"):
        document = dict(snapshot_document(round_=round_))
        document.pop("computed_at", None)
        documents[round_.number] = document
    return documents


def test_erasure_clears_name_email_and_affiliation_and_keeps_the_answers(study):
    panelist = study.panelists.get(external_id="X01")
    answers_before = list(
        Answer.objects.filter(submission__panelist=panelist)
        .order_by("pk")
        .values_list("pk", "value", "reason", "draft")
    )
    panelist_erase(panelist=panelist)

    panelist.refresh_from_db()
    assert (panelist.name, panelist.email, panelist.affiliation) == (None, None, None)
    assert panelist.erased_at is not None
    assert panelist.pseudonym == "E01"
    answers_after = list(
        Answer.objects.filter(submission__panelist=panelist)
        .order_by("pk")
        .values_list("pk", "value", "reason", "draft")
    )
    assert answers_after == answers_before and answers_before


def test_erasure_leaves_every_rounds_results_identical_when_recomputed(study):
    before = results_without_time(study)
    versions = dict(study.rounds.values_list("number", "answers_version"))
    panelist_erase(panelist=study.panelists.get(external_id="X01"))
    for round_ in study.rounds.all():
        round_recompute(round_id=round_.pk)
    assert results_without_time(study) == before
    assert dict(study.rounds.values_list("number", "answers_version")) == versions


def test_erasure_withdraws_the_panelists_links(study, client):
    path = link(study, "X01")
    assert client.get(path).status_code == 200
    panelist_erase(panelist=study.panelists.get(external_id="X01"))
    assert client.get(path).status_code == 410
    assert not Invitation.objects.filter(
        panelist__external_id="X01", revoked_at__isnull=True
    ).exists()
    assert client.get(link(study, "X02")).status_code == 200  # others keep theirs


def test_erasure_leaves_the_pseudonymous_bundle_unchanged(study):
    before = bundle_for(study=study, identities=False)
    panelist_erase(panelist=study.panelists.get(external_id="X01"))
    assert bundle_for(study=study, identities=False) == before


def test_erasing_twice_keeps_the_first_erasure_time(study):
    panelist = study.panelists.get(external_id="X01")
    panelist_erase(panelist=panelist)
    first = Panelist.objects.get(pk=panelist.pk).erased_at
    panelist_erase(panelist=panelist)
    assert Panelist.objects.get(pk=panelist.pk).erased_at == first


def test_the_erased_export_says_when_and_holds_no_identity(study):
    panelist = study.panelists.get(external_id="X01")
    panelist_erase(panelist=panelist)
    data = panelist_personal_data(panelist=panelist)
    assert data["panelist"]["erased_at"] is not None
    assert shows_identity(json.dumps(data)) == []
    assert data["submissions"]  # the answers are still there


# --- Management commands ----------------------------------------------------------------------


def test_export_panelist_writes_the_json_file(study, tmp_path):
    target = tmp_path / "x01.json"
    out = io.StringIO()
    call_command("export_panelist", study.slug, "X01", "-o", str(target), stdout=out)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["panelist"]["name"] == "Secret Name 01"
    assert str(target) in out.getvalue()


def test_erase_panelist_accepts_a_pseudonym(study):
    out = io.StringIO()
    call_command("erase_panelist", study.slug, "E02", stdout=out)
    assert Panelist.objects.get(study=study, pseudonym="E02").email is None
    assert Panelist.objects.get(study=study, pseudonym="E01").email == "secret01@example.org"
    assert "E02" in out.getvalue()


@pytest.mark.parametrize(
    ("slug", "expert", "message"), [("nope", "X01", "no study"), ("private", "X99", "no expert")]
)
def test_the_commands_fail_with_one_clear_line(study, slug, expert, message, tmp_path):
    with pytest.raises(CommandError, match=message):
        call_command("erase_panelist", slug, expert)
    with pytest.raises(CommandError, match=message):
        call_command("export_panelist", slug, expert, "-o", str(tmp_path / "x.json"))


# --- Admin actions ----------------------------------------------------------------------------


def changelist() -> str:
    return reverse("admin:surveys_panelist_changelist")


def test_an_administrator_exports_a_panelists_data_from_the_admin(study):
    admin = signed_in(UserFactory(username="root", is_superuser=True))
    panelist = study.panelists.get(external_id="X03")
    response = admin.post(
        changelist(), {"action": "export_personal_data", "_selected_action": [panelist.pk]}
    )
    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == 'attachment; filename="private-E03-personal-data.json"'
    )
    assert json.loads(response.content)["panelist"]["email"] == "secret03@example.org"


def test_the_admin_asks_before_erasing_and_erases_on_confirmation(study):
    admin = signed_in(UserFactory(username="root", is_superuser=True))
    panelist = study.panelists.get(external_id="X03")
    data = {"action": "erase_personal_data", "_selected_action": [panelist.pk]}

    response = admin.post(changelist(), data)
    assert response.status_code == 200
    assert "cannot be undone" in response.content.decode()
    assert Panelist.objects.get(pk=panelist.pk).email is not None

    response = admin.post(changelist(), {**data, "confirm": "yes"}, follow=True)
    assert response.status_code == 200
    assert "Personal data erased for E03" in response.content.decode()
    assert Panelist.objects.get(pk=panelist.pk).email is None


def test_staff_without_superuser_rights_are_not_offered_the_actions(study):
    from django.contrib.auth.models import Permission

    staff = UserFactory(username="clerk", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_panelist", "change_panelist"])
    )
    client = signed_in(staff)
    page = client.get(changelist()).content.decode()
    assert "erase_personal_data" not in page and "export_personal_data" not in page
    panelist = study.panelists.get(external_id="X03")
    client.post(
        changelist(),
        {"action": "erase_personal_data", "_selected_action": [panelist.pk], "confirm": "yes"},
    )
    assert Panelist.objects.get(pk=panelist.pk).email == "secret03@example.org"
