"""/rounds/{n}/answers/: the raw submitted answers, pseudonymous, as JSON pages or CSV."""

import csv
import io

from surveys.questionnaire import draft_save_many

from ..factories import PanelistFactory, small_bundle

S = "/api/v1/studies/small-study"


def rows(response) -> list[dict]:
    return response.json()["results"]


def test_the_export_lists_each_submitted_answer_by_pseudonym(study, caller):
    response = caller("viewer").get(f"{S}/rounds/1/answers/")
    assert response.json()["count"] == 9  # the responses of small_bundle()
    first = rows(response)[0]
    assert set(first) == {"expert", "node", "measure", "value", "reason", "submitted_at"}
    assert {r["expert"] for r in rows(response)} == {"E01", "E02"}
    assert "Ada" not in response.content.decode()


def test_draft_answers_are_not_exported(study, caller):
    newcomer = PanelistFactory(study=study, pseudonym="E03", external_id="C")
    round_ = study.rounds.get(number=1)
    draft_save_many(
        round_=round_,
        panelist=newcomer,
        answers=[{"node": "T.2", "measure": "familiarity", "value": 3}],
    )
    experts = {r["expert"] for r in rows(caller("viewer").get(f"{S}/rounds/1/answers/"))}
    assert "E03" not in experts


def test_the_export_filters_by_node_measure_and_expert(study, caller):
    viewer = caller("viewer")
    url = f"{S}/rounds/1/answers/"
    on_t1 = rows(viewer.get(url, node="T.1"))
    assert {r["node"] for r in on_t1} == {"T.1"} and len(on_t1) == 6
    importance = rows(viewer.get(url, node="T.1", measure="importance"))
    assert sorted((r["expert"], r["value"]) for r in importance) == [("E01", 5), ("E02", 3)]
    assert [r["measure"] for r in rows(viewer.get(url, expert="E02", node="P.1"))] == [
        "familiarity",
        "stages",
    ]


def test_an_unknown_measure_filter_is_a_bad_request(study, caller):
    response = caller("viewer").get(f"{S}/rounds/1/answers/", measure="beauty")
    assert response.status_code == 400
    assert "measure" in response.json()["errors"]


def test_the_csv_export_holds_every_answer_with_lists_as_json(study, caller):
    viewer = caller("viewer")
    response = viewer.get(f"{S}/rounds/1/answers/", format="csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == viewer.get(f"{S}/rounds/1/answers/").json()["count"]
    stages = next(r for r in table if r["measure"] == "stages")
    assert (stages["expert"], stages["node"], stages["value"]) == ("E02", "P.1", '["rd"]')


def test_a_comment_that_looks_like_a_formula_is_exported_as_text(db, caller_for_bundle):
    bundle = small_bundle()
    bundle["rounds"][0]["responses"][-1]["value"] = '=HYPERLINK("http://x")'
    analyst = caller_for_bundle(bundle)
    response = analyst.get(f"{S}/rounds/1/answers/", format="csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    comment = next(r for r in csv.DictReader(io.StringIO(text)) if r["measure"] == "comment")
    assert comment["value"] == '\'=HYPERLINK("http://x")'


def test_errors_of_a_csv_request_are_json(study, caller):
    response = caller("viewer").get(f"{S}/rounds/1/answers/", format="csv", measure="beauty")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


def test_the_export_of_an_unknown_round_is_not_found(study, caller):
    assert caller("viewer").get(f"{S}/rounds/5/answers/").status_code == 404


def test_the_export_pages_by_fifty(db, caller_for_bundle):
    bundle = small_bundle()
    experts = [{"id": f"X{i}", "name": f"Expert {i}"} for i in range(30)]
    bundle["experts"] = experts
    bundle["rounds"][0]["responses"] = [
        {"expert": e["id"], "node": "T.1", "measure": measure, "value": value}
        for e in experts
        for measure, value in (("familiarity", 3), ("importance", 4))
    ]
    analyst = caller_for_bundle(bundle)
    first = analyst.get(f"{S}/rounds/1/answers/").json()
    assert (first["count"], len(first["results"])) == (60, 50)
    second = analyst.get(f"{S}/rounds/1/answers/", page=2).json()
    assert len(second["results"]) == 10 and second["next"] is None
    assert analyst.get(f"{S}/rounds/1/answers/", page=3).status_code == 404
