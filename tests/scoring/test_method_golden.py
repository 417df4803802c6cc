"""The engine reproduces the golden results of the seed study (shared/examples/) figure for figure.

Floats are compared with exact equality, not a tolerance: the engine computes every figure
exactly and rounds once, and `sd` with numpy in expert-id order as the golden files were made, so
every digit is reproducible. No Django here: this tests `scoring.method` alone.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scoring.method import (
    MEASURE_CODES,
    AnswerArrays,
    Leaf,
    MethodSettings,
    compute_round,
    encode_value,
)


def examples_dir() -> Path:
    # CI clones the repository next to a copy of shared/, so look beside the repository root.
    shared = os.environ.get("DELPHI_SHARED_DIR")
    base = Path(shared) if shared else Path(__file__).resolve().parents[2].parent / "shared"
    return base / "examples"


def load(name: str) -> Any:
    path = examples_dir() / name
    if not path.is_file():
        pytest.fail(f"golden example {path} not found; set DELPHI_SHARED_DIR to shared/")
    return json.loads(path.read_text(encoding="utf-8"))


def framework_leaves(nodes: list[dict[str, Any]], inherited: tuple[str, ...] = ()) -> list[Leaf]:
    """Leaves in tree order; `measures` is inherited unless a descendant sets its own."""
    leaves: list[Leaf] = []
    for node in nodes:
        measures = tuple(node.get("measures", inherited))
        if node.get("children"):
            leaves.extend(framework_leaves(node["children"], measures))
        else:
            leaves.append(Leaf(code=node["code"], measures=measures))
    return leaves


class Study:
    def __init__(self) -> None:
        self.bundle = load("brain-inspired-beijing.json")
        self.leaves = framework_leaves(self.bundle["framework"])
        self.leaf_index = {leaf.code: i for i, leaf in enumerate(self.leaves)}
        # Expert ids as the DB would give them: ascending in the bundle's order (E01, E02, ...).
        self.expert_id = {e["id"]: i + 1 for i, e in enumerate(self.bundle["experts"])}
        self.settings = MethodSettings.from_dict(self.bundle["study"]["settings"])
        self.base_year = self.bundle["study"]["base_year"]

    def answers(self, round_index: int) -> AnswerArrays:
        return AnswerArrays.from_records(
            (
                self.expert_id[r["expert"]],
                self.leaf_index[r["node"]],
                MEASURE_CODES[r["measure"]],
                encode_value(r["measure"], r["value"]),
            )
            for r in self.bundle["rounds"][round_index]["responses"]
        )

    def compute(self, round_number: int, **overrides: Any) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "leaves": self.leaves,
            "answers": self.answers(round_number - 1),
            "settings": self.settings,
            "invited": len(self.bundle["experts"]),
            "base_year": self.base_year,
            "previous": self.answers(round_number - 2) if round_number > 1 else None,
        }
        arguments.update(overrides)
        return compute_round(**arguments)


@pytest.fixture(scope="module")
def study() -> Study:
    return Study()


def golden(round_number: int) -> dict[str, Any]:
    return load(f"brain-inspired-beijing.round{round_number}.results.json")


def mismatches(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """Every difference, listed, so one failing run shows them all."""
    problems = []
    if got["panel"] != want["panel"]:
        problems.append(f"panel: got {got['panel']}, want {want['panel']}")
    if list(got["panel"]) != list(want["panel"]):
        problems.append(f"panel key order: {list(got['panel'])}")
    got_keys = [(e["node"], e["measure"]) for e in got["results"]]
    want_keys = [(e["node"], e["measure"]) for e in want["results"]]
    if got_keys != want_keys:
        problems.append(f"entries differ: got {got_keys}, want {want_keys}")
    for mine, theirs in zip(got["results"], want["results"], strict=False):
        where = f"{theirs['node']}/{theirs['measure']}"
        if list(mine) != list(theirs):
            problems.append(f"{where} keys: got {list(mine)}, want {list(theirs)}")
        for key, value in theirs.items():
            if key not in mine or mine[key] != value or type(mine[key]) is not type(value):
                problems.append(f"{where} {key}: got {mine.get(key)!r}, want {value!r}")
    return problems


@pytest.mark.parametrize("round_number", [1, 2])
def test_every_figure_matches_the_golden_results(study: Study, round_number: int) -> None:
    want = golden(round_number)
    got = study.compute(round_number)
    assert set(got) == {"panel", "results"}
    assert mismatches(got, want) == []


@pytest.mark.parametrize("round_number", [1, 2])
def test_the_output_is_plain_json_data(study: Study, round_number: int) -> None:
    got = study.compute(round_number)

    def check(value: Any, where: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                assert type(key) is str, where
                check(item, f"{where}.{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                check(item, f"{where}[{i}]")
        else:
            # numpy scalars would serialise differently (or not at all) downstream.
            assert type(value) in (str, int, float, bool, type(None)), (where, type(value))

    check(got, "result")
    assert json.loads(json.dumps(got)) == got


def test_shuffled_rows_give_the_same_results(study: Study) -> None:
    answers = study.answers(1)
    previous = study.answers(0)
    rng = np.random.default_rng(7)
    order, before = rng.permutation(len(answers)), rng.permutation(len(previous))
    shuffled = AnswerArrays(
        answers.expert[order], answers.leaf[order], answers.measure[order], answers.value[order]
    )
    shuffled_previous = AnswerArrays(
        previous.expert[before],
        previous.leaf[before],
        previous.measure[before],
        previous.value[before],
    )
    got = study.compute(2, answers=shuffled, previous=shuffled_previous)
    assert mismatches(got, golden(2)) == []


def test_round_two_without_a_previous_round_has_null_stability(study: Study) -> None:
    got = study.compute(2, previous=None)
    assert all(e["changed_share"] is None and e["stable"] is None for e in got["results"])
    # Everything else is still the golden round 2.
    strip = [
        {k: v for k, v in e.items() if k not in ("changed_share", "stable")}
        for e in golden(2)["results"]
    ]
    assert [
        {k: v for k, v in e.items() if k not in ("changed_share", "stable")} for e in got["results"]
    ] == strip
