"""/rounds/: the round's life (draft, open, closed) and its results."""

from scoring.models import ResultSnapshot
from surveys.models import Invitation, Round
from surveys.services import round_close

from ..factories import RoundFactory

S = "/api/v1/studies/small-study"


def test_a_round_shows_its_status_and_counts(study, caller):
    data = caller("viewer").get(f"{S}/rounds/1/").json()
    assert data["status"] == "open"
    assert (data["invited"], data["submitted"], data["has_results"]) == (2, 2, True)


def test_rounds_filter_by_status(study, caller):
    RoundFactory(study=study, number=2)
    viewer = caller("viewer")
    drafts = viewer.get(f"{S}/rounds/", status="draft").json()["results"]
    assert [r["number"] for r in drafts] == [2]
    assert viewer.get(f"{S}/rounds/", status="sleeping").status_code == 400


def test_a_new_round_is_the_next_number_as_a_draft(study, caller):
    response = caller("analyst").post(f"{S}/rounds/")
    assert response.status_code == 201
    assert (response.json()["number"], response.json()["status"]) == (2, "draft")


def test_a_second_draft_round_is_a_conflict(study, caller):
    analyst = caller("analyst")
    analyst.post(f"{S}/rounds/")
    response = analyst.post(f"{S}/rounds/")
    assert response.status_code == 409
    assert Round.objects.filter(study=study).count() == 2


def test_opening_a_round_while_another_is_open_is_a_conflict_naming_it(study, caller):
    RoundFactory(study=study, number=2)
    response = caller("analyst").post(f"{S}/rounds/2/open/")
    assert response.status_code == 409
    assert "Round 1 is open" in response.json()["detail"]
    assert Round.objects.get(study=study, number=2).status == "draft"


def test_opening_a_draft_round_invites_the_whole_panel(study, caller):
    round_close(round_=study.rounds.get(number=1))
    RoundFactory(study=study, number=2)
    response = caller("analyst").post(f"{S}/rounds/2/open/")
    assert response.status_code == 200
    assert response.json()["status"] == "open"
    assert response.json()["opened_at"] is not None
    assert Invitation.objects.filter(round__study=study, round__number=2).count() == 2


def test_opening_an_open_round_is_a_conflict(study, caller):
    assert caller("analyst").post(f"{S}/rounds/1/open/").status_code == 409


def test_closing_a_round_computes_its_results(study, caller, django_capture_on_commit_callbacks):
    ResultSnapshot.objects.filter(round__study=study).delete()
    analyst = caller("analyst")
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst.post(f"{S}/rounds/1/close/")
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    results = analyst.get(f"{S}/rounds/1/results/").json()
    assert (results["format"], results["study"], results["round"]) == (
        "delphi-results/1",
        "small-study",
        1,
    )
    assert results["panel"]["responded"] == 2


def test_closing_a_closed_round_is_a_conflict(study, caller):
    analyst = caller("analyst")
    analyst.post(f"{S}/rounds/1/close/")
    response = analyst.post(f"{S}/rounds/1/close/")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_results_are_the_stored_snapshot(study, caller):
    stored = ResultSnapshot.objects.get(round__study=study, round__number=1).document
    assert caller("viewer").get(f"{S}/rounds/1/results/").json() == stored


def test_a_round_without_results_yet_answers_404_saying_so(study, caller):
    RoundFactory(study=study, number=2)
    response = caller("viewer").get(f"{S}/rounds/2/results/")
    assert response.status_code == 404
    assert response.json()["detail"] == "No results have been computed for round 2 yet."


def test_unknown_and_malformed_round_numbers_are_not_found_as_json(study, caller):
    viewer = caller("viewer")
    for number in ("7", "0", "-1", "one", "99999999999999999999"):
        response = viewer.get(f"{S}/rounds/{number}/")
        assert response.status_code == 404, number
        assert response.json()["code"] == "not_found"
