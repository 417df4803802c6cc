"""The progress count (on bits, for speed) agrees with the leaf rule it implements."""

from hypothesis import given
from hypothesis import strategies as st

from scoring import method
from surveys.framework import Framework, Leaf
from surveys.questionnaire import leaf_status, progress

MEASURE_SETS = [
    ("familiarity", "importance", "maturity", "regional_advantage", "investment"),
    ("familiarity", "importance", "stages"),
    ("comment",),
    ("importance", "maturity"),
    (),
]


def framework_of(leaf_measures: list[tuple[str, ...]]) -> Framework:
    framework = Framework(study=None, settings=method.MethodSettings(), nodes=[])
    for index, measures in enumerate(leaf_measures):
        code = f"L{index}"
        framework.leaves[code] = Leaf(pk=index, code=code, name=code, measures=measures)
    return framework


@given(
    st.lists(
        st.tuples(
            st.sampled_from(MEASURE_SETS),
            st.sets(st.sampled_from(method.MEASURES)),  # answers, on asked questions or not
        ),
        max_size=30,
    )
)
def test_progress_counts_what_leaf_status_says(leaves):
    framework = framework_of([measures for measures, _answered in leaves])
    answered = {f"L{i}": given for i, (_measures, given) in enumerate(leaves) if given}
    statuses = [leaf_status(m, answered.get(f"L{i}", set())) for i, (m, _a) in enumerate(leaves)]
    counted = progress(framework, answered)
    assert counted["total"] == len(leaves)
    assert counted["answered"] == statuses.count("complete")
    assert counted["skipped"] == statuses.count("empty")


def test_a_leaf_needs_its_required_questions_but_not_comments_or_stages():
    framework = framework_of([MEASURE_SETS[1], MEASURE_SETS[0]])
    counted = progress(framework, {"L0": {"familiarity", "importance"}, "L1": {"comment"}})
    assert counted == {"answered": 1, "total": 2, "skipped": 1, "percent": 50}
