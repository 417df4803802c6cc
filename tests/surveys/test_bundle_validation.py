"""Each kind of defect spec/bundle.md lists is refused whole, naming its JSON path."""

import pytest

from surveys.bundles import BundleError, bundle_import
from surveys.models import Answer, Node, Panelist, Study

from ..factories import small_bundle

pytestmark = pytest.mark.django_db


def assert_rejected_at(bundle: dict, path: str) -> BundleError:
    with pytest.raises(BundleError) as caught:
        bundle_import(data=bundle)
    assert caught.value.path == path
    assert Study.objects.count() == 0
    assert Node.objects.count() == 0
    assert Panelist.objects.count() == 0
    assert Answer.objects.count() == 0
    return caught.value


def responses(bundle: dict) -> list[dict]:
    return bundle["rounds"][0]["responses"]


def test_a_valid_bundle_is_imported():
    study = bundle_import(data=small_bundle())
    assert study.slug == "small-study"
    assert Answer.objects.filter(submission__round__study=study).count() == 9


def test_an_unknown_node_is_refused():
    bundle = small_bundle()
    responses(bundle)[1]["node"] = "T.9"
    error = assert_rejected_at(bundle, "rounds[0].responses[1].node")
    assert "T.9" in error.message


def test_an_unknown_expert_is_refused():
    bundle = small_bundle()
    responses(bundle)[2]["expert"] = "Z"
    assert_rejected_at(bundle, "rounds[0].responses[2].expert")


def test_an_unknown_measure_is_refused():
    bundle = small_bundle()
    responses(bundle)[3]["measure"] = "advantage"
    assert_rejected_at(bundle, "rounds[0].responses[3].measure")


def test_an_unknown_measure_in_the_framework_is_refused():
    bundle = small_bundle()
    bundle["framework"][1]["measures"].append("prospect")
    assert_rejected_at(bundle, "framework[1].measures[3]")


def test_a_value_out_of_range_is_refused():
    bundle = small_bundle()
    responses(bundle)[1]["value"] = 6
    error = assert_rejected_at(bundle, "rounds[0].responses[1].value")
    assert "1 to 5" in error.message


def test_a_familiarity_of_zero_is_refused():
    bundle = small_bundle()
    responses(bundle)[0]["value"] = 0
    assert_rejected_at(bundle, "rounds[0].responses[0].value")


def test_a_value_of_the_wrong_type_is_refused():
    bundle = small_bundle()
    responses(bundle)[1]["value"] = "5"
    assert_rejected_at(bundle, "rounds[0].responses[1].value")


def test_a_boolean_is_not_a_number():
    bundle = small_bundle()
    responses(bundle)[1]["value"] = True
    assert_rejected_at(bundle, "rounds[0].responses[1].value")


def test_an_unknown_maturity_choice_is_refused():
    bundle = small_bundle()
    responses(bundle)[2]["value"] = "soon"
    assert_rejected_at(bundle, "rounds[0].responses[2].value")


def test_an_unknown_stage_is_refused():
    bundle = small_bundle()
    responses(bundle)[7]["value"] = ["rd", "marketing"]
    assert_rejected_at(bundle, "rounds[0].responses[7].value")


def test_dont_know_is_refused_where_the_study_does_not_allow_it():
    bundle = small_bundle()
    responses(bundle)[1]["value"] = "dont_know"
    error = assert_rejected_at(bundle, "rounds[0].responses[1].value")
    assert "allow_dont_know" in error.message


def test_dont_know_is_accepted_where_the_study_allows_it():
    bundle = small_bundle(settings={"allow_dont_know": True})
    responses(bundle)[1]["value"] = "dont_know"
    assert bundle_import(data=bundle).slug == "small-study"


def test_importance_follows_the_study_scale():
    bundle = small_bundle(settings={"importance_scale": [1, 7]})
    responses(bundle)[1]["value"] = 7
    assert bundle_import(data=bundle).slug == "small-study"


def test_a_measure_not_asked_on_that_leaf_is_refused():
    bundle = small_bundle()
    responses(bundle)[3]["node"] = "P.1"  # products ask stages, not regional advantage
    responses(bundle)[3]["expert"] = "B"
    error = assert_rejected_at(bundle, "rounds[0].responses[3].measure")
    assert "not asked" in error.message


def test_an_answer_on_a_node_that_is_not_a_leaf_is_refused():
    bundle = small_bundle()
    responses(bundle)[1]["node"] = "T"
    assert_rejected_at(bundle, "rounds[0].responses[1].node")


def test_an_answer_without_the_experts_familiarity_is_refused():
    bundle = small_bundle()
    del responses(bundle)[4]  # B's familiarity on T.1; B's importance on T.1 remains
    error = assert_rejected_at(bundle, "rounds[0].responses[4]")
    assert "familiarity" in error.message


def test_a_duplicate_answer_is_refused():
    bundle = small_bundle()
    responses(bundle).append(dict(responses(bundle)[1], value=4))
    error = assert_rejected_at(bundle, "rounds[0].responses[9]")
    assert "duplicate" in error.message


def test_an_existing_slug_is_refused_without_replace():
    bundle_import(data=small_bundle())
    with pytest.raises(BundleError) as caught:
        bundle_import(data=small_bundle())
    assert caught.value.path == "study.slug"
    assert Study.objects.count() == 1


def test_an_existing_slug_is_replaced_with_replace():
    first = bundle_import(data=small_bundle())
    second = bundle_import(data=small_bundle(region="Elsewhere"), replace=True)
    assert Study.objects.get().region == "Elsewhere"
    assert first.pk != second.pk


def test_a_duplicate_node_code_is_refused():
    bundle = small_bundle()
    bundle["framework"][0]["children"][1]["code"] = "T.1"
    assert_rejected_at(bundle, "framework[0].children[1].code")


def test_a_duplicate_expert_id_is_refused():
    bundle = small_bundle()
    bundle["experts"][1]["id"] = "A"
    assert_rejected_at(bundle, "experts[1].id")


def test_a_bad_email_is_refused():
    bundle = small_bundle()
    bundle["experts"][0]["email"] = "not-an-address"
    assert_rejected_at(bundle, "experts[0].email")


def test_a_milestone_on_an_unknown_node_is_refused():
    bundle = small_bundle()
    bundle["milestones"][0]["node"] = "X"
    assert_rejected_at(bundle, "milestones[0].node")


def test_an_unknown_setting_is_refused():
    bundle = small_bundle(settings={"advantage_ration": "2/3"})
    assert_rejected_at(bundle, "study.settings.advantage_ration")


def test_a_bad_setting_value_is_refused():
    assert_rejected_at(
        small_bundle(settings={"advantage_ratio": "two thirds"}), "study.settings.advantage_ratio"
    )


def test_a_wrong_format_is_refused():
    bundle = small_bundle()
    bundle["format"] = "delphi-bundle/2"
    assert_rejected_at(bundle, "format")


def test_a_horizon_that_ends_before_it_starts_is_refused():
    assert_rejected_at(small_bundle(horizon=[2030, 2020]), "study.horizon")


def test_two_open_rounds_are_refused():
    bundle = small_bundle()
    bundle["rounds"].append({"number": 2, "status": "open", "responses": []})
    assert_rejected_at(bundle, "rounds[1].status")


def test_a_duplicate_round_number_is_refused():
    bundle = small_bundle()
    bundle["rounds"].append({"number": 1, "status": "closed", "responses": []})
    assert_rejected_at(bundle, "rounds[1].number")


def test_a_defect_in_the_last_answer_leaves_nothing_written():
    bundle = small_bundle()
    responses(bundle)[-1]["value"] = 42  # a comment must be text
    assert_rejected_at(bundle, "rounds[0].responses[8].value")


def test_a_nul_character_in_a_name_is_refused():
    bundle = small_bundle()
    bundle["framework"][0]["children"][0]["name"]["en"] = "Field\x00one"
    assert_rejected_at(bundle, "framework[0].children[0].name.en")


def test_a_lone_surrogate_in_a_comment_is_refused():
    bundle = small_bundle()
    responses(bundle)[8]["value"] = "bad \ud800 text"
    assert_rejected_at(bundle, "rounds[0].responses[8].value")
