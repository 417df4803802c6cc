"""Hand-computed cases at the edges of method.md's rules (thresholds are compared exactly)."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from scoring.method import (
    DONT_KNOW,
    MEASURE_CODES,
    MEASURES,
    AnswerArrays,
    Leaf,
    MethodSettings,
    compute_round,
    decode_value,
    encode_value,
)

VERDICT_LEAF = Leaf("T.X.1", ("regional_advantage", "investment"))
STAGES_LEAF = Leaf("P.FP.1", ("stages",))
TECH = ("familiarity", "importance", "maturity", "regional_advantage", "investment")
Row = tuple[int, int, str, Any]  # (expert, leaf index, measure, value as in a bundle)


def answers(rows: list[Row]) -> AnswerArrays:
    return AnswerArrays.from_records(
        (expert, leaf, MEASURE_CODES[measure], encode_value(measure, value))
        for expert, leaf, measure, value in rows
    )


def run(
    leaves: list[Leaf],
    rows: list[Row],
    *,
    settings: dict[str, Any] | None = None,
    previous: list[Row] | None = None,
    invited: int = 10,
    base_year: int = 2023,
) -> dict[str, Any]:
    return compute_round(
        leaves=leaves,
        answers=answers(rows),
        settings=MethodSettings.from_dict(settings),
        invited=invited,
        base_year=base_year,
        previous=None if previous is None else answers(previous),
    )


def entry(result: dict[str, Any], node: str, measure: str) -> dict[str, Any]:
    found = [e for e in result["results"] if e["node"] == node and e["measure"] == measure]
    assert len(found) == 1, f"expected one {node}/{measure} entry, got {found}"
    return found[0]


def verdict_rows(yes: int, no: int, unsure: int, measure: str = "regional_advantage") -> list[Row]:
    values = ["yes"] * yes + ["no"] * no + ["unsure"] * unsure
    return [(i + 1, 0, measure, value) for i, value in enumerate(values)]


def stage_rows(selected: int, n: int, stage: str = "rd") -> list[Row]:
    return [(i + 1, 0, "stages", [stage] if i < selected else []) for i in range(n)]


def importance_rows(ratings: list[Any], leaf: int = 0) -> list[Row]:
    return [(i + 1, leaf, "importance", rating) for i, rating in enumerate(ratings)]


# --- regional advantage and investment verdicts (method.md §3) --------------------------------


def test_six_of_nine_yes_is_disputed() -> None:
    # 6/9 is exactly 2/3, which is not *more* than 2/3.
    result = entry(run([VERDICT_LEAF], verdict_rows(6, 3, 0)), "T.X.1", "regional_advantage")
    assert result["n"] == 9
    assert result["counts"] == {"yes": 6, "no": 3, "unsure": 0}
    assert result["verdict"] == "disputed"


def test_seven_of_nine_yes_is_yes() -> None:
    result = entry(run([VERDICT_LEAF], verdict_rows(7, 1, 1)), "T.X.1", "regional_advantage")
    assert result["verdict"] == "yes"


def test_seven_of_nine_no_is_no_and_unsure_answers_count_in_n() -> None:
    result = entry(run([VERDICT_LEAF], verdict_rows(0, 7, 2)), "T.X.1", "regional_advantage")
    assert (result["n"], result["verdict"]) == (9, "no")


def test_unsure_answers_dilute_a_yes_majority() -> None:
    # 6 yes of 10 (4 unsure) is 60%: not more than 2/3.
    result = entry(run([VERDICT_LEAF], verdict_rows(6, 0, 4)), "T.X.1", "regional_advantage")
    assert result["verdict"] == "disputed"


def test_investment_entries_look_like_regional_advantage_ones() -> None:
    result = entry(run([VERDICT_LEAF], verdict_rows(3, 0, 0, "investment")), "T.X.1", "investment")
    assert list(result) == [
        "node", "measure", "n", "counts", "verdict", "changed_share", "stable"
    ]  # fmt: skip
    assert result["verdict"] == "yes"


# --- stage verdicts (method.md §3) --------------------------------------------------------------


def test_stage_share_of_exactly_sixty_percent_is_disputed() -> None:
    result = entry(run([STAGES_LEAF], stage_rows(6, 10)), "P.FP.1", "stages")
    assert result["counts"]["rd"] == 6
    assert result["verdicts"]["rd"] == "disputed"


def test_stage_share_of_three_fifths_is_disputed_too() -> None:
    result = entry(run([STAGES_LEAF], stage_rows(3, 5)), "P.FP.1", "stages")
    assert result["verdicts"]["rd"] == "disputed"


def test_stage_share_above_sixty_percent_is_suitable() -> None:
    result = entry(run([STAGES_LEAF], stage_rows(7, 10)), "P.FP.1", "stages")
    assert result["verdicts"]["rd"] == "suitable"


def test_stage_share_of_exactly_thirty_percent_is_disputed() -> None:
    result = entry(run([STAGES_LEAF], stage_rows(3, 10)), "P.FP.1", "stages")
    assert result["verdicts"]["rd"] == "disputed"


def test_stage_share_below_thirty_percent_is_unsuitable() -> None:
    result = entry(run([STAGES_LEAF], stage_rows(2, 10)), "P.FP.1", "stages")
    assert result["verdicts"]["rd"] == "unsuitable"
    # 29 of 100 is just below.
    result = entry(run([STAGES_LEAF], stage_rows(29, 100)), "P.FP.1", "stages")
    assert result["verdicts"]["rd"] == "unsuitable"


def test_an_empty_stage_selection_counts_toward_n() -> None:
    rows = [
        (1, 0, "stages", ["rd", "industrialization"]),
        (2, 0, "stages", []),
        (3, 0, "stages", []),
    ]
    result = entry(run([STAGES_LEAF], rows), "P.FP.1", "stages")
    assert result["n"] == 3
    assert result["counts"] == {"rd": 1, "production": 0, "industrialization": 1}
    # 1/3 is between 30% and 60%; 0/3 is below 30%.
    assert result["verdicts"] == {
        "rd": "disputed",
        "production": "unsuitable",
        "industrialization": "disputed",
    }


# --- weights and means (method.md §3) -----------------------------------------------------------


def test_familiarity_weights_importance_and_maturity() -> None:
    leaf = Leaf("T.BR.1", ("familiarity", "importance", "maturity"))
    rows: list[Row] = [
        (1, 0, "familiarity", 1),
        (1, 0, "importance", 2),
        (1, 0, "maturity", "short"),
        (2, 0, "familiarity", 3),
        (2, 0, "importance", 5),
        (2, 0, "maturity", "long"),
    ]
    result = run([leaf], rows)
    importance = entry(result, "T.BR.1", "importance")
    # (1*2 + 3*5) / (1 + 3) = 17/4; unweighted (2 + 5) / 2.
    assert importance["weighted_mean"] == 4.25
    assert importance["mean"] == 3.5
    maturity = entry(result, "T.BR.1", "maturity")
    # (1*5 + 3*15) / 4 = 12.5 years, so 2023 + 12.5.
    assert maturity["weighted_years"] == 12.5
    assert maturity["expected_year"] == 2035.5
    assert maturity["mean"] == 10.0


def test_a_study_without_familiarity_weighs_every_expert_equally() -> None:
    leaf = Leaf("T.BR.1", ("importance", "maturity"))
    rows: list[Row] = importance_rows([1, 2, 5]) + [
        (1, 0, "maturity", "achieved"),
        (2, 0, "maturity", "medium"),
        (3, 0, "maturity", "unpredictable"),
    ]
    result = run([leaf], rows)
    importance = entry(result, "T.BR.1", "importance")
    assert importance["weighted_mean"] == importance["mean"] == 8 / 3
    maturity = entry(result, "T.BR.1", "maturity")
    assert maturity["weighted_years"] == maturity["mean"] == 40 / 3
    assert maturity["expected_year"] == float(2023 + Fraction(40, 3))


def test_an_answer_without_familiarity_where_the_leaf_asks_it_is_refused() -> None:
    leaf = Leaf("T.BR.1", ("familiarity", "importance"))
    rows: list[Row] = [(1, 0, "familiarity", 4), (1, 0, "importance", 4), (2, 0, "importance", 3)]
    with pytest.raises(ValueError, match="expert 2 .*without their familiarity"):
        run([leaf], rows)


def test_familiarity_alone_gives_no_entry() -> None:
    leaf = Leaf("T.BR.1", ("familiarity", "importance"))
    result = run([leaf], [(1, 0, "familiarity", 4)])
    assert result["results"] == []
    assert result["panel"]["responded"] == 1


# --- importance statistics (method.md §4) -------------------------------------------------------


def importance_of(ratings: list[Any], settings: dict[str, Any] | None = None) -> dict[str, Any]:
    return entry(
        run([Leaf("A", ("importance",))], importance_rows(ratings), settings=settings),
        "A",
        "importance",
    )


def test_quartiles_interpolate_linearly_between_order_statistics() -> None:
    result = importance_of([4, 1, 3, 2])
    # Type 7: q1 at position 0.75 -> 1 + 0.75; median at 1.5 -> 2.5; q3 at 2.25 -> 3.25.
    assert (result["q1"], result["median"], result["q3"], result["iqr"]) == (1.75, 2.5, 3.25, 1.5)
    assert result["consensus"] is False  # iqr 1.5 > 1
    assert result["sd"] == float(np.std([4, 1, 3, 2], ddof=1))
    assert result["sd"] == pytest.approx(math.sqrt(5 / 3), rel=1e-15)


def test_an_iqr_of_exactly_one_is_consensus() -> None:
    result = importance_of([3, 3, 4, 4])
    assert result["iqr"] == 1.0
    assert result["consensus"] is True


def test_a_single_rating_has_no_sd() -> None:
    result = entry(run([Leaf("A", ("importance",))], importance_rows([4])), "A", "importance")
    assert result["n"] == 1
    assert result["sd"] is None
    assert (result["q1"], result["median"], result["q3"], result["iqr"]) == (4.0, 4.0, 4.0, 0.0)


def test_dont_know_counts_in_agreement_share_but_not_in_n() -> None:
    rows = importance_rows([4, 5, 2, "dont_know"])
    result = entry(
        run([Leaf("A", ("importance",))], rows, settings={"allow_dont_know": True}),
        "A",
        "importance",
    )
    assert result["n"] == 3
    assert result["dont_know"] == 1
    assert result["mean"] == 11 / 3
    assert result["agreement_share"] == 0.5  # 2 of all 4 answers rate >= 4


def test_all_answers_dont_know_leaves_the_numeric_fields_null() -> None:
    rows = importance_rows(["dont_know"] * 3)
    result = entry(
        run([Leaf("A", ("importance",))], rows, settings={"allow_dont_know": True}),
        "A",
        "importance",
    )
    assert result["n"] == 0
    assert result["dont_know"] == 3
    for key in ("weighted_mean", "mean", "median", "q1", "q3", "iqr", "sd"):
        assert result[key] is None, key
    assert result["agreement_share"] == 0.0
    # Under the iqr rule there is no iqr to judge: consensus is null rather than false.
    assert result["consensus"] is None


def test_all_dont_know_under_the_agreement_rule_is_no_consensus() -> None:
    rows = importance_rows(["dont_know"] * 3)
    settings = {"allow_dont_know": True, "consensus_rule": "agreement"}
    result = entry(run([Leaf("A", ("importance",))], rows, settings=settings), "A", "importance")
    assert result["consensus"] is False


def test_dont_know_is_refused_unless_the_study_allows_it() -> None:
    with pytest.raises(ValueError, match="out of range for importance"):
        run([Leaf("A", ("importance",))], importance_rows([4, "dont_know"]))


# --- overridden settings ------------------------------------------------------------------------


def test_an_advantage_ratio_of_one_half_makes_six_of_ten_a_yes() -> None:
    def verdict(rows: list[Row], settings: dict[str, Any] | None = None) -> str:
        result = entry(run([VERDICT_LEAF], rows, settings=settings), "T.X.1", "regional_advantage")
        return str(result["verdict"])

    half = {"advantage_ratio": "1/2"}
    assert verdict(verdict_rows(6, 2, 2)) == "disputed"
    assert verdict(verdict_rows(6, 2, 2), half) == "yes"
    assert verdict(verdict_rows(5, 5, 0), half) == "disputed"  # exactly half is not more


def test_stage_thresholds_can_be_overridden() -> None:
    settings = {"stage_suitable_above": 0.5, "stage_disputed_from": 0.2}
    expected = {6: "suitable", 5: "disputed", 2: "disputed", 1: "unsuitable"}
    for selected, verdict in expected.items():
        result = entry(
            run([STAGES_LEAF], stage_rows(selected, 10), settings=settings), "P.FP.1", "stages"
        )
        assert result["verdicts"]["rd"] == verdict, selected


def test_an_importance_scale_of_one_to_seven() -> None:
    settings = {"importance_scale": [1, 7], "agreement_from": 6}
    rows = importance_rows([7, 6, 1])
    result = entry(run([Leaf("A", ("importance",))], rows, settings=settings), "A", "importance")
    assert result["mean"] == 14 / 3
    assert result["median"] == 6.0
    assert result["agreement_share"] == 2 / 3
    with pytest.raises(ValueError, match="out of range"):
        run([Leaf("A", ("importance",))], importance_rows([8]), settings=settings)
    with pytest.raises(ValueError, match="out of range"):
        run([Leaf("A", ("importance",))], importance_rows([6]))  # 6 is off the default 1-5


def test_custom_maturity_years() -> None:
    settings = {"maturity_years": {"short": 3, "long": 12.5}}
    leaf = Leaf("A", ("familiarity", "maturity"))
    rows: list[Row] = [
        (1, 0, "familiarity", 2),
        (1, 0, "maturity", "short"),
        (2, 0, "familiarity", 1),
        (2, 0, "maturity", "long"),
        (3, 0, "familiarity", 1),
        (3, 0, "maturity", "medium"),  # keeps its default, 10
    ]
    result = entry(run([leaf], rows, settings=settings), "A", "maturity")
    # (2*3 + 12.5 + 10) / 4 = 28.5 / 4
    assert result["weighted_years"] == 7.125
    assert result["expected_year"] == 2030.125
    assert result["mean"] == 25.5 / 3
    assert (result["q1"], result["median"], result["q3"]) == (6.5, 10.0, 11.25)
    assert result["iqr"] == 4.75
    assert result["consensus"] is True  # 4.75 <= 5 years


def test_maturity_consensus_is_an_iqr_of_at_most_five_years() -> None:
    leaf = Leaf("A", ("maturity",))
    at_five = [(i + 1, 0, "maturity", v) for i, v in enumerate(["short", "short", "medium"] * 2)]
    # 5, 5, 5, 5, 10, 10: q1 at 1.25 -> 5, q3 at 3.75 -> 5 + 0.75 * 5 = 8.75; iqr 3.75.
    assert entry(run([leaf], at_five), "A", "maturity")["iqr"] == 3.75
    assert entry(run([leaf], at_five), "A", "maturity")["consensus"] is True
    exactly_five = [(i + 1, 0, "maturity", v) for i, v in enumerate(["short", "medium"] * 2)]
    # 5, 5, 10, 10: q1 at 0.75 -> 5, q3 at 2.25 -> 10: iqr exactly 5 is consensus.
    assert entry(run([leaf], exactly_five), "A", "maturity")["iqr"] == 5.0
    assert entry(run([leaf], exactly_five), "A", "maturity")["consensus"] is True
    wide = [(i + 1, 0, "maturity", v) for i, v in enumerate(["short", "short", "long", "long"])]
    # 5, 5, 15, 15: q1 at 0.75 -> 5, q3 at 2.25 -> 15: iqr 10.
    assert entry(run([leaf], wide), "A", "maturity")["iqr"] == 10.0
    assert entry(run([leaf], wide), "A", "maturity")["consensus"] is False
    exact = [(i + 1, 0, "maturity", v) for i, v in enumerate(["short", "medium", "medium"])]
    # 5, 10, 10: q1 at 0.5 -> 7.5, q3 at 1.5 -> 10: iqr 2.5; with the limit at 2.5, consensus.
    settings = {"maturity_consensus_iqr": 2.5}
    assert entry(run([leaf], exact, settings=settings), "A", "maturity")["consensus"] is True
    settings = {"maturity_consensus_iqr": 2.4}
    assert entry(run([leaf], exact, settings=settings), "A", "maturity")["consensus"] is False


def test_the_agreement_rule_needs_more_than_the_threshold() -> None:
    settings = {"consensus_rule": "agreement"}
    leaf = [Leaf("A", ("importance",))]
    # 3 of 4 at >= 4 is exactly 0.75: not more than 0.75.
    exact = entry(run(leaf, importance_rows([4, 5, 4, 1]), settings=settings), "A", "importance")
    assert exact["agreement_share"] == 0.75
    assert exact["consensus"] is False
    above = entry(run(leaf, importance_rows([4, 5, 4, 4, 1]), settings=settings), "A", "importance")
    assert above["consensus"] is True
    # A repeating-decimal threshold is exact too: 2 of 3 is not more than "2/3".
    third = {"consensus_rule": "agreement", "agreement_threshold": "2/3"}
    result = entry(run(leaf, importance_rows([5, 5, 1]), settings=third), "A", "importance")
    assert result["consensus"] is False


# --- a skipping expert, Kendall's W (method.md §4) ----------------------------------------------


def test_a_leaf_skipped_by_one_expert() -> None:
    leaves = [Leaf(code, ("importance",)) for code in ("A", "B", "C")]
    rows: list[Row] = []
    ratings = {1: (5, 4, 3), 2: (4, 4, 2), 3: (3, None, 1)}  # expert 3 skips B entirely
    for expert, values in ratings.items():
        rows += [(expert, leaf, "importance", v) for leaf, v in enumerate(values) if v is not None]
    result = run(leaves, rows)
    assert entry(result, "B", "importance")["n"] == 2
    assert entry(result, "A", "importance")["n"] == 3
    assert result["panel"]["responded"] == 3
    # Kendall's W only ranks experts who rated every leaf.
    assert result["panel"]["kendall_experts"] == 2


def test_kendalls_w_with_ties_on_a_hand_computed_matrix() -> None:
    #            A  B  C  D        average ranks within each expert
    # expert 1:  5  4  4  2   ->   4    2.5  2.5  1     ties: one pair  -> 2^3 - 2 = 6
    # expert 2:  3  3  3  5   ->   2    2    2    4     ties: one triple -> 3^3 - 3 = 24
    # expert 3:  1  2  3  4   ->   1    2    3    4     no ties
    # rank sums R_j = 7, 6.5, 7.5, 9; mean m(k+1)/2 = 7.5; S = 0.25 + 1 + 0 + 2.25 = 3.5
    # W = 12 S / (m^2 (k^3 - k) - m sum T) = 42 / (9 * 60 - 3 * 30) = 42 / 450 = 7/75
    # chi2 = m (k - 1) W = 9 * 7/75 = 21/25 = 0.84 with 3 degrees of freedom.
    # Expert 4 said dont_know on D, so is not ranked.
    leaves = [Leaf(code, ("importance",)) for code in "ABCD"]
    matrix = {1: (5, 4, 4, 2), 2: (3, 3, 3, 5), 3: (1, 2, 3, 4), 4: (5, 5, 5, "dont_know")}
    rows = [
        (expert, leaf, "importance", v)
        for expert, values in matrix.items()
        for leaf, v in enumerate(values)
    ]
    panel = run(leaves, rows, settings={"allow_dont_know": True})["panel"]
    assert panel["kendall_experts"] == 3
    assert panel["kendall_w"] == 7 / 75
    assert panel["kendall_chi2"] == 0.84
    # Chi-square survival function with 3 degrees of freedom, in closed form.
    x = 0.84
    p = math.erfc(math.sqrt(x / 2)) + math.sqrt(2 * x / math.pi) * math.exp(-x / 2)
    assert panel["kendall_p"] == pytest.approx(p, rel=1e-12)


def test_kendalls_w_is_null_with_fewer_than_two_experts_or_leaves() -> None:
    two_leaves = [Leaf("A", ("importance",)), Leaf("B", ("importance",))]
    one_expert = run(two_leaves, [(1, 0, "importance", 4), (1, 1, "importance", 2)])["panel"]
    assert one_expert["kendall_experts"] == 1
    assert one_expert["kendall_w"] is one_expert["kendall_chi2"] is one_expert["kendall_p"] is None
    one_leaf = run([Leaf("A", ("importance",))], importance_rows([4, 2, 5]))["panel"]
    assert one_leaf["kendall_experts"] == 3
    assert one_leaf["kendall_w"] is None
    no_importance = run([VERDICT_LEAF], verdict_rows(2, 1, 0))["panel"]
    assert no_importance["kendall_experts"] == 0
    assert no_importance["kendall_w"] is None


def test_kendalls_w_is_null_when_every_expert_ties_every_leaf() -> None:
    leaves = [Leaf("A", ("importance",)), Leaf("B", ("importance",))]
    rows: list[Row] = [(e, leaf, "importance", 3) for e in (1, 2) for leaf in (0, 1)]
    panel = run(leaves, rows)["panel"]
    assert panel["kendall_experts"] == 2
    assert panel["kendall_w"] is None  # 0/0


def test_kendalls_w_is_one_when_experts_agree_perfectly() -> None:
    leaves = [Leaf(code, ("importance",)) for code in "ABC"]
    rows: list[Row] = [(e, leaf, "importance", leaf + 1) for e in (1, 2, 3) for leaf in range(3)]
    assert run(leaves, rows)["panel"]["kendall_w"] == 1.0


# --- changes between rounds (method.md §4) ------------------------------------------------------


def test_changed_share_of_exactly_fifteen_percent_is_not_stable() -> None:
    before = verdict_rows(20, 0, 0)
    after = verdict_rows(17, 3, 0)  # 3 of 20 experts changed: 15%
    result = entry(run([VERDICT_LEAF], after, previous=before), "T.X.1", "regional_advantage")
    assert result["changed_share"] == 0.15
    assert result["stable"] is False
    after = verdict_rows(18, 2, 0)  # 10%
    result = entry(run([VERDICT_LEAF], after, previous=before), "T.X.1", "regional_advantage")
    assert (result["changed_share"], result["stable"]) == (0.1, True)


def test_an_expert_who_answered_only_in_round_two_is_left_out_of_changed_share() -> None:
    before = verdict_rows(2, 0, 0)  # experts 1 and 2
    after = [(1, 0, "regional_advantage", "yes"), (2, 0, "regional_advantage", "no")]
    after.append((3, 0, "regional_advantage", "no"))  # a newcomer
    result = entry(run([VERDICT_LEAF], after, previous=before), "T.X.1", "regional_advantage")
    assert result["changed_share"] == 0.5  # 1 of the 2 who answered both rounds, not 1 of 3
    assert result["n"] == 3


def test_no_expert_in_both_rounds_leaves_stability_null() -> None:
    before = [(1, 0, "regional_advantage", "yes")]
    after = [(2, 0, "regional_advantage", "yes")]
    result = entry(run([VERDICT_LEAF], after, previous=before), "T.X.1", "regional_advantage")
    assert result["changed_share"] is None
    assert result["stable"] is None


def test_stages_change_when_the_selected_set_differs() -> None:
    before: list[Row] = [
        (1, 0, "stages", ["rd"]),
        (2, 0, "stages", ["rd", "production"]),
        (3, 0, "stages", []),
        (4, 0, "stages", ["industrialization"]),
    ]
    after: list[Row] = [
        (1, 0, "stages", ["rd", "production"]),  # changed
        (2, 0, "stages", ["production", "rd"]),  # the same set
        (3, 0, "stages", []),  # the same (empty) set
        (4, 0, "stages", []),  # changed
    ]
    result = entry(run([STAGES_LEAF], after, previous=before), "P.FP.1", "stages")
    assert result["changed_share"] == 0.5


def test_dont_know_to_a_rating_is_a_change() -> None:
    settings = {"allow_dont_know": True}
    before = importance_rows(["dont_know", 4, 4, 4])
    after = importance_rows([4, 4, 4, 4])
    result = entry(
        run([Leaf("A", ("importance",))], after, settings=settings, previous=before),
        "A",
        "importance",
    )
    assert result["changed_share"] == 0.25
    assert result["stable"] is False


# --- the shape of the output --------------------------------------------------------------------


def test_entries_are_sorted_by_node_code_then_measure_name_and_skip_comments() -> None:
    leaves = [
        Leaf("T.B", TECH),
        Leaf("E.MK", ("comment",)),
        Leaf("P.A", ("familiarity", "importance", "maturity", "stages")),
    ]
    rows: list[Row] = [
        (1, 0, "familiarity", 3),
        (1, 0, "importance", 4),
        (1, 0, "maturity", "short"),
        (1, 0, "regional_advantage", "yes"),
        (1, 0, "investment", "no"),
        (1, 2, "familiarity", 2),
        (1, 2, "importance", 5),
        (1, 2, "maturity", "achieved"),
        (1, 2, "stages", ["rd"]),
        (2, 1, "comment", "only a comment"),
    ]
    result = run(leaves, rows, invited=4)
    assert [(e["node"], e["measure"]) for e in result["results"]] == [
        ("P.A", "importance"),
        ("P.A", "maturity"),
        ("P.A", "stages"),
        ("T.B", "importance"),
        ("T.B", "investment"),
        ("T.B", "maturity"),
        ("T.B", "regional_advantage"),
    ]
    # A comment is a response: expert 2 responded.
    assert result["panel"]["responded"] == 2
    assert result["panel"]["response_rate"] == 0.5
    assert list(result["panel"]) == [
        "invited",
        "responded",
        "response_rate",
        "kendall_w",
        "kendall_chi2",
        "kendall_p",
        "kendall_experts",
    ]
    json.dumps(result)


def test_a_round_without_answers() -> None:
    result = compute_round(
        leaves=[VERDICT_LEAF],
        answers=AnswerArrays.empty(),
        settings=MethodSettings(),
        invited=0,
        base_year=2023,
        previous=AnswerArrays.empty(),
    )
    assert result == {
        "panel": {
            "invited": 0,
            "responded": 0,
            "response_rate": None,
            "kendall_w": None,
            "kendall_chi2": None,
            "kendall_p": None,
            "kendall_experts": 0,
        },
        "results": [],
    }


def test_expert_ids_need_not_be_small_or_contiguous() -> None:
    rows = [(10**12 + 7, 0, "regional_advantage", "yes"), (-3, 0, "regional_advantage", "no")]
    before = [(10**12 + 7, 0, "regional_advantage", "no"), (-3, 0, "regional_advantage", "no")]
    result = entry(run([VERDICT_LEAF], rows, previous=before), "T.X.1", "regional_advantage")
    assert result["counts"] == {"yes": 1, "no": 1, "unsure": 0}
    assert result["changed_share"] == 0.5


# --- refused data -------------------------------------------------------------------------------


def test_a_duplicate_answer_is_refused() -> None:
    rows = verdict_rows(2, 0, 0) + [(1, 0, "regional_advantage", "no")]
    with pytest.raises(ValueError, match="expert 1 answered regional_advantage twice"):
        run([VERDICT_LEAF], rows)


def test_a_measure_the_leaf_does_not_ask_is_refused() -> None:
    with pytest.raises(ValueError, match="does not ask stages"):
        run([VERDICT_LEAF], [(1, 0, "stages", ["rd"])])


def test_an_unknown_leaf_index_is_refused() -> None:
    with pytest.raises(ValueError, match="leaf index 3 is out of range"):
        run([VERDICT_LEAF], [(1, 3, "regional_advantage", "yes")])


def test_bad_previous_round_data_is_refused_too() -> None:
    before = verdict_rows(1, 0, 0) + verdict_rows(1, 0, 0)
    with pytest.raises(ValueError, match="previous"):
        run([VERDICT_LEAF], verdict_rows(1, 0, 0), previous=before)


def test_answer_columns_must_be_integers_of_equal_length() -> None:
    with pytest.raises(ValueError, match="equal lengths"):
        AnswerArrays(np.array([1, 2]), np.array([0]), np.array([3]), np.array([0]))
    with pytest.raises(ValueError, match="integers"):
        AnswerArrays(np.array([1.5]), np.array([0]), np.array([3]), np.array([0]))


# --- value codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "value", "code"),
    [
        ("familiarity", 5, 5),
        ("importance", 3, 3),
        ("importance", "dont_know", DONT_KNOW),
        ("maturity", "achieved", 0),
        ("maturity", "unpredictable", 4),
        ("regional_advantage", "unsure", 2),
        ("investment", "yes", 0),
        ("stages", [], 0),
        ("stages", ["rd", "industrialization"], 5),
        ("stages", ["production"], 2),
    ],
)
def test_values_encode_to_codes_and_back(measure: str, value: Any, code: int) -> None:
    assert encode_value(measure, value) == code
    assert decode_value(measure, code) == value


def test_a_comment_encodes_to_zero_and_decodes_to_nothing() -> None:
    assert encode_value("comment", "some text") == 0
    assert decode_value("comment", 0) is None


@pytest.mark.parametrize(
    ("measure", "value"),
    [
        ("familiarity", 0),
        ("familiarity", 6),
        ("familiarity", True),
        ("importance", "very"),
        ("importance", 4.0),
        ("maturity", "soon"),
        ("regional_advantage", "maybe"),
        ("stages", ["rd", "rd"]),
        ("stages", ["marketing"]),
        ("stages", "rd"),
        ("comment", 3),
        ("weather", "sunny"),
    ],
)
def test_unknown_values_are_refused(measure: str, value: Any) -> None:
    with pytest.raises(ValueError):
        encode_value(measure, value)


def test_unknown_codes_are_refused() -> None:
    for measure, code in [("maturity", 5), ("stages", 8), ("investment", -1), ("nope", 0)]:
        with pytest.raises(ValueError):
            decode_value(measure, code)


def test_measure_codes_are_positions_in_measures() -> None:
    assert [MEASURE_CODES[m] for m in MEASURES] == list(range(7))
    assert MEASURES[0] == "familiarity"


# --- settings -----------------------------------------------------------------------------------


def test_default_settings_are_the_method_defaults() -> None:
    assert MethodSettings.from_dict({}).to_dict() == {
        "maturity_years": {
            "achieved": 0,
            "short": 5,
            "medium": 10,
            "long": 15,
            "unpredictable": 30,
        },
        "advantage_ratio": "2/3",
        "stage_suitable_above": "3/5",
        "stage_disputed_from": "3/10",
        "importance_scale": [1, 5],
        "allow_dont_know": False,
        "agreement_from": 4,
        "consensus_rule": "iqr",
        "agreement_threshold": "3/4",
        "importance_consensus_iqr": 1,
        "maturity_consensus_iqr": 5,
        "stability_changed_share": "3/20",
        "reason_required": False,  # a questionnaire setting, carried here with the others
    }
    assert MethodSettings.from_dict(None) == MethodSettings()


def test_float_settings_mean_their_decimal_exactly() -> None:
    settings = MethodSettings.from_dict({"stage_suitable_above": 0.6, "advantage_ratio": 0.7})
    assert settings.stage_suitable_above == Fraction(3, 5)
    assert settings.advantage_ratio == Fraction(7, 10)
    assert MethodSettings.from_dict({"advantage_ratio": "2/3"}).advantage_ratio == Fraction(2, 3)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"advantage_ration": "2/3"}, "advantage_ration"),
        ({"advantage_ratio": "two thirds"}, "advantage_ratio"),
        ({"advantage_ratio": "1/3"}, "advantage_ratio"),
        ({"advantage_ratio": True}, "advantage_ratio"),
        ({"stage_suitable_above": 1.5}, "stage_suitable_above"),
        ({"stage_disputed_from": 0.7}, "stage_disputed_from"),
        ({"importance_scale": [5, 1]}, "importance_scale"),
        ({"importance_scale": [1]}, "importance_scale"),
        ({"importance_scale": "1-5"}, "importance_scale"),
        ({"allow_dont_know": "yes"}, "allow_dont_know"),
        ({"reason_required": 1}, "reason_required"),
        ({"agreement_from": 9}, "agreement_from"),
        ({"consensus_rule": "vote"}, "consensus_rule"),
        ({"agreement_threshold": "3/2"}, "agreement_threshold"),
        ({"importance_consensus_iqr": -1}, "importance_consensus_iqr"),
        ({"maturity_consensus_iqr": "5"}, "maturity_consensus_iqr"),
        ({"stability_changed_share": float("nan")}, "stability_changed_share"),
        ({"maturity_years": {"soon": 1}}, "maturity_years"),
        ({"maturity_years": {"short": "five"}}, "maturity_years.short"),
        ({"maturity_years": [5]}, "maturity_years"),
    ],
)
def test_bad_settings_are_refused_naming_the_key(data: dict[str, Any], key: str) -> None:
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        MethodSettings.from_dict(data)
