"""Script in names, labels, comments and reasons is shown as text on every page and export, and
no export cell reaches a spreadsheet as a formula."""

import csv
import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from surveys.models import Milestone, Node
from tests.factories import UserFactory, grant

from .hostile import (
    PAYLOADS,
    RAW_MARKUP,
    SLUG,
    hostile_study,
    looks_like_formula,
    questionnaire_path,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def study():
    return hostile_study()


@pytest.fixture
def root_client(study) -> Client:
    """A superuser: sees every page, with names, which are hostile too."""
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True))
    return client


def escaped_forms(payload: str) -> tuple[str, ...]:
    """How a payload shows when escaped: HTML entities, or JSON's \\u003c in json_script data."""
    html = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        html,
        html.replace('"', "&quot;"),
        html.replace('"', "&#x27;").replace("'", "&#x27;"),
        payload.replace("<", "\\u003C").replace(">", "\\u003E"),
        payload.replace("<", "\\u003c").replace(">", "\\u003e"),
    )


def shows_escaped(page: str) -> bool:
    return any(form in page for payload in PAYLOADS for form in escaped_forms(payload))


def console_pages(study) -> list[str]:
    def url(name: str, *args) -> str:
        return reverse(f"console:{name}", args=[study.slug, *args])

    node = Node.objects.get(study=study, code="T.2")
    milestone = Milestone.objects.filter(study=study).first()
    return [
        reverse("console:home"),
        url("overview"),
        url("settings"),
        url("framework"),
        url("node_edit", node.pk),
        url("panel"),
        url("panel_import"),
        url("rounds"),
        url("round", 1),
        url("round", 2),
        url("round_close", 2),
        url("results"),
        url("results_round", 1),
        url("results_round", 2),
        url("exports"),
        reverse("roadmaps:study", args=[study.slug]),
        reverse("roadmaps:round", args=[study.slug, 1]),
        reverse("roadmaps:round", args=[study.slug, 2]),
        reverse("roadmaps:milestones", args=[study.slug]),
        reverse("roadmaps:milestone_edit", args=[study.slug, milestone.pk]),
        "/admin/surveys/panelist/",
        "/admin/surveys/node/",
        f"/admin/surveys/study/{study.pk}/change/",
    ]


def test_every_console_roadmap_and_admin_page_shows_the_payloads_as_text(study, root_client):
    for path in console_pages(study):
        for language in ("en", "zh-hans"):
            response = root_client.get(path, HTTP_ACCEPT_LANGUAGE=language, follow=True)
            assert response.status_code == 200, path
            page = response.content.decode()
            for markup in RAW_MARKUP:
                assert markup not in page, f"{path} ({language}) shows {markup!r} as markup"
            assert shows_escaped(page), f"{path} ({language}) shows none of the hostile text"


@pytest.mark.parametrize("expert", ["A", "B", "C"])
def test_the_questionnaire_shows_names_comments_and_reasons_as_text(client, study, expert):
    response = client.get(questionnaire_path(study, expert))
    assert response.status_code == 200
    page = response.content.decode()
    for markup in RAW_MARKUP:
        assert markup not in page
    assert shows_escaped(page)


def test_the_submitting_experts_own_hostile_reason_comes_back_escaped(client, study):
    page = client.get(questionnaire_path(study, "A")).content.decode()
    # Ada's reason and comment from round 2, as she typed them, escaped.
    assert "=2+3 &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "+Rules &lt;script&gt;" in page


def test_the_results_show_the_panels_comments_escaped(study, root_client):
    page = root_client.get(reverse("console:results_round", args=[SLUG, 1])).content.decode()
    assert "=1+2 &lt;script&gt;alert(1)&lt;/script&gt;" in page


def csv_cells(content: bytes) -> list[str]:
    text = content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def xlsx_cells(content: bytes) -> list:
    workbook = load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def export_urls(study) -> dict[str, str]:
    return {
        "results-csv": reverse("console:export_results", args=[SLUG, 1, "csv"]),
        "results-xlsx": reverse("console:export_results", args=[SLUG, 1, "xlsx"]),
        "answers-csv-1": reverse("console:export_answers", args=[SLUG, 1, "csv"]),
        "answers-csv-2": reverse("console:export_answers", args=[SLUG, 2, "csv"]),
        "answers-xlsx-2": reverse("console:export_answers", args=[SLUG, 2, "xlsx"]),
        "roadmap-csv": reverse("roadmaps:table_csv", args=[SLUG, 1]),
    }


@pytest.mark.parametrize("name", ["results-csv", "answers-csv-1", "answers-csv-2", "roadmap-csv"])
def test_no_csv_export_cell_starts_a_formula(study, root_client, name):
    response = root_client.get(export_urls(study)[name])
    assert response.status_code == 200
    cells = csv_cells(response.content)
    formulas = [cell for cell in cells if looks_like_formula(cell)]
    assert formulas == []
    # The hostile names did reach the file, neutralised by a leading quote.
    assert any(cell.startswith("'=") or cell.startswith("'+") for cell in cells)


@pytest.mark.parametrize("name", ["results-xlsx", "answers-xlsx-2"])
def test_no_xlsx_export_cell_is_a_formula(study, root_client, name):
    response = root_client.get(export_urls(study)[name])
    assert response.status_code == 200
    cells = xlsx_cells(response.content)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert [t for t in texts if looks_like_formula(t)] == []
    assert any(t.startswith(("'=", "'+", "'-", "'@")) for t in texts)


def test_the_raw_answers_export_keeps_the_hostile_reason_as_quoted_text(study, root_client):
    cells = csv_cells(root_client.get(export_urls(study)["answers-csv-2"]).content)
    assert "'=2+3 <script>alert(1)</script>" in cells
    assert "'+Rules <script>alert(1)</script> \"><img src=x onerror=alert(1)>" in cells


def test_the_standalone_roadmap_export_carries_the_names_escaped(study, root_client):
    response = root_client.get(reverse("roadmaps:export_html", args=[SLUG, 1]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    page = response.content.decode()
    for markup in RAW_MARKUP:
        assert markup not in page
    assert shows_escaped(page)


def test_the_figure_json_holds_the_names_as_data(study, root_client):
    response = root_client.get(reverse("roadmaps:figure_json", args=[SLUG, 1]))
    figure = json.loads(response.content)
    assert any(payload in json.dumps(figure, ensure_ascii=False) for payload in PAYLOADS)


def test_an_analyst_without_identities_sees_no_hostile_name_either(study):
    analyst = UserFactory(username="ana")
    grant(analyst, study, "analyst")
    client = Client()
    client.force_login(analyst)
    page = client.get(reverse("console:panel", args=[SLUG])).content.decode()
    assert "Ada" not in page and "E01" in page
