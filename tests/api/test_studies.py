"""/api/v1/studies/: reading, creating and changing studies."""

from fractions import Fraction

import pytest

from scoring.selectors import snapshot_document
from surveys.models import Study

S = "/api/v1/studies/small-study/"
NEW = {
    "slug": "robotics-2025",
    "title": {"en": "Robotics", "zh-hans": "机器人"},
    "region": "Shanghai",
    "base_year": 2025,
    "horizon": [2025, 2035],
    "settings": {"advantage_ratio": "3/4"},
}


def test_a_study_shows_its_title_years_settings_and_open_round(study, caller):
    data = caller("viewer").get(S).json()
    assert data["title"] == {"en": "Small study", "zh-hans": "小型研究"}
    assert (data["base_year"], data["horizon"]) == (2024, [2024, 2034])
    assert data["settings"] == {}
    assert data["open_round"] == 1
    assert data["role"] == "viewer"


def test_an_administrator_creates_a_study(study, caller):
    response = caller("admin").post("/api/v1/studies/", NEW)
    assert response.status_code == 201, response.content
    created = Study.objects.get(slug="robotics-2025")
    assert (created.horizon_start, created.horizon_end) == (2025, 2035)
    assert created.method_settings.advantage_ratio == Fraction(3, 4)
    assert response.json()["role"] == "admin"
    assert response.json()["open_round"] is None


def test_a_slug_that_exists_already_is_a_conflict(study, caller):
    response = caller("admin").post("/api/v1/studies/", {**NEW, "slug": "small-study"})
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"horizon": [2035, 2025]}, "horizon"),
        ({"horizon": [2025]}, "horizon"),
        ({"base_year": 1800}, "base_year"),
        ({"title": {"fr": "Robotique"}}, "title"),
        ({"title": ""}, "title"),
        ({"title": "nul\x00byte"}, "title"),
        ({"settings": {"advantage_ratio": 0.2}}, "settings"),
        ({"settings": {"no_such_setting": 1}}, "settings"),
        ({"slug": "not a slug"}, "slug"),
    ],
)
def test_invalid_input_is_refused_naming_the_field(study, caller, change, field):
    response = caller("admin").post("/api/v1/studies/", {**NEW, **change})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"]
    assert body["detail"].startswith(f"{field}:")
    assert not Study.objects.filter(slug=NEW["slug"]).exists()


def test_an_analyst_changes_the_region_and_only_the_region(study, caller):
    response = caller("analyst").patch(S, {"region": "Elsewhere"})
    assert response.status_code == 200
    study.refresh_from_db()
    assert study.region == "Elsewhere"
    assert study.title == {"en": "Small study", "zh-hans": "小型研究"}
    assert (study.base_year, study.horizon_start, study.horizon_end) == (2024, 2024, 2034)


def test_the_slug_cannot_change(study, caller):
    response = caller("analyst").patch(S, {"slug": "renamed"})
    assert response.status_code == 400
    assert "slug" in response.json()["errors"]


def test_changing_the_base_year_recomputes_the_expected_years(
    study, caller, django_capture_on_commit_callbacks
):
    def expected_year() -> float:
        document = snapshot_document(round_=study.rounds.get(number=1))
        entry = next(
            e for e in document["results"] if (e["node"], e["measure"]) == ("T.1", "maturity")
        )
        return entry["expected_year"]

    before = expected_year()
    with django_capture_on_commit_callbacks(execute=True):
        response = caller("analyst").patch(S, {"base_year": 2026})
    assert response.status_code == 200
    assert expected_year() == before + 2


def test_the_importance_scale_cannot_change_once_answers_exist(study, caller):
    response = caller("analyst").patch(S, {"settings": {"importance_scale": [1, 7]}})
    assert response.status_code == 409
    assert "scale" in response.json()["detail"]


def test_analysts_may_not_grant_themselves_the_panels_names(study, caller):
    response = caller("analyst").patch(S, {"show_identities": True})
    assert response.status_code == 403
    study.refresh_from_db()
    assert study.show_identities is False


def test_an_administrator_lets_analysts_see_names(study, caller):
    response = caller("admin").patch(S, {"show_identities": True})
    assert response.status_code == 200
    assert response.json()["show_identities"] is True


def test_a_body_that_is_not_json_is_a_bad_request(study, caller):
    analyst = caller("analyst")
    response = analyst.client.patch(
        S, "{not json", content_type="application/json", headers=analyst.headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_body_that_is_not_an_object_is_a_bad_request(study, caller):
    response = caller("analyst").patch(S, 5)
    assert response.status_code == 400
