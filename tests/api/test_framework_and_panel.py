"""/nodes/ and /panelists/: the framework tree and the panel, with their filters."""

from surveys.models import Invitation, Panelist

S = "/api/v1/studies/small-study"


def codes(response) -> list[str]:
    return [item["code"] for item in response.json()["results"]]


def test_nodes_come_in_tree_order(study, caller):
    assert codes(caller("viewer").get(f"{S}/nodes/")) == ["T", "T.1", "T.2", "P", "P.1", "E"]


def test_nodes_filter_by_parent_and_by_top_level(study, caller):
    viewer = caller("viewer")
    assert codes(viewer.get(f"{S}/nodes/", parent="T")) == ["T.1", "T.2"]
    assert codes(viewer.get(f"{S}/nodes/", root="true")) == ["T", "P", "E"]
    assert codes(viewer.get(f"{S}/nodes/", code="P.1")) == ["P.1"]


def test_a_leaf_shows_the_questions_it_inherits_and_an_inner_node_none(study, caller):
    viewer = caller("viewer")
    leaf = viewer.get(f"{S}/nodes/T.1/").json()
    assert leaf["parent"] == "T"
    assert leaf["measures"] is None
    assert leaf["leaf"] is True
    assert leaf["asks"] == ["familiarity", "importance", "maturity", "regional_advantage"]
    inner = viewer.get(f"{S}/nodes/T/").json()
    assert (inner["leaf"], inner["asks"], inner["parent"]) == (False, [], None)


def test_an_unknown_node_is_not_found(study, caller):
    response = caller("viewer").get(f"{S}/nodes/T.9/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_viewer_sees_pseudonyms_and_no_names(study, caller):
    results = caller("viewer").get(f"{S}/panelists/").json()["results"]
    assert [p["pseudonym"] for p in results] == ["E01", "E02"]
    assert all(set(p) == {"pseudonym", "language", "erased"} for p in results)


def test_an_analyst_sees_no_names_unless_the_study_shows_identities(study, caller):
    analyst = caller("analyst")
    assert "name" not in analyst.get(f"{S}/panelists/E01/").json()
    study.show_identities = True
    study.save()
    shown = analyst.get(f"{S}/panelists/E01/").json()
    assert (shown["name"], shown["email"], shown["external_id"]) == ("Ada", "ada@example.org", "A")


def test_a_viewer_sees_no_names_even_when_the_study_shows_identities(study, caller):
    study.show_identities = True
    study.save()
    assert "name" not in caller("viewer").get(f"{S}/panelists/E01/").json()


def test_an_administrator_sees_names(study, caller):
    assert caller("admin").get(f"{S}/panelists/E02/").json()["name"] == "Bo"


def test_panelists_filter_by_language(study, caller):
    response = caller("viewer").get(f"{S}/panelists/", language="zh-hans")
    assert [p["pseudonym"] for p in response.json()["results"]] == ["E02"]


def test_an_unknown_language_filter_is_a_bad_request_naming_it(study, caller):
    response = caller("viewer").get(f"{S}/panelists/", language="fr")
    assert response.status_code == 400
    assert "language" in response.json()["errors"]


def test_an_added_panelist_gets_the_next_pseudonym_and_an_invitation_to_the_open_round(
    study, caller
):
    response = caller("analyst").post(
        f"{S}/panelists/", {"name": "Cy", "email": "cy@example.org", "language": "en"}
    )
    assert response.status_code == 201
    assert response.json()["pseudonym"] == "E03"
    assert "name" not in response.json()  # the analyst does not see names in this study
    added = Panelist.objects.get(study=study, pseudonym="E03")
    assert added.email == "cy@example.org"
    assert Invitation.objects.filter(panelist=added, round__number=1).exists()


def test_a_panelist_with_the_e_mail_of_another_is_a_conflict(study, caller):
    response = caller("analyst").post(
        f"{S}/panelists/", {"name": "Ada 2", "email": "ada@example.org"}
    )
    assert response.status_code == 409
    assert Panelist.objects.filter(study=study).count() == 2


def test_a_panelist_needs_a_name_and_a_valid_e_mail(study, caller):
    response = caller("analyst").post(f"{S}/panelists/", {"email": "not-an-address"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "email"}
