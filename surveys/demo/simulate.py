"""The demo study: the seed framework with a simulated panel of ten experts.

The panel is generated reproducibly (a fixed seed): each field has a latent importance and time
to maturity, each expert a familiarity with it and some noise; in round 2 experts move part of the
way towards the round-1 median, as Delphi panels do. Round 1 is closed with every answer; round 2
is open with most experts submitted and a few still to answer.
"""

import json
import random
import statistics
from pathlib import Path
from typing import Any

from scoring import method

FRAMEWORK_FILE = Path(__file__).with_name("seed_framework.json")
SEED = 2023
PANEL_SIZE = 10
ROUND2_SUBMITTED = 7  # E01…E07 submitted round 2; E08 has a draft; E09, E10 have not started

AFFILIATIONS = [
    "Peking University",
    "Tsinghua University",
    "Institute of Automation, CAS",
    "Institute of Computing Technology, CAS",
    "Chinese Institute for Brain Research, Beijing",
    "Beijing Academy of Artificial Intelligence",
    "Peking Union Medical College",
]
COMMENTS = {
    "E.MK": [
        "Scenario opening in medical BCI is the main driver.",
        "概念验证和临床验证平台仍需完善。",
        "产业配套条件不足，企业创新成本高。",
        "Application scenarios in rehabilitation are the first market.",
    ],
    "E.PO": [
        "隐私数据保护是首要风险。",
        "Liability between producers, users and insurers is unclear.",
        "需要出台类脑智能科技伦理指南。",
        "Ethical boundaries of experiments on humans need clear rules.",
    ],
}


def seed_framework() -> dict[str, Any]:
    return json.loads(FRAMEWORK_FILE.read_text(encoding="utf-8"))


def _leaves(
    framework: list[dict], inherited: list[str] | None = None
) -> list[tuple[str, list[str]]]:
    leaves = []
    for node in framework:
        measures = node.get("measures", inherited)
        if node.get("children"):
            leaves.extend(_leaves(node["children"], measures))
        else:
            leaves.append((node["code"], measures or []))
    return leaves


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


class PanelSimulator:
    def __init__(self, framework: list[dict], seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.leaves = _leaves(framework)
        self.experts = [f"E{i + 1:02d}" for i in range(PANEL_SIZE)]
        rng = self.rng
        self.latent: dict[str, dict[str, Any]] = {
            code: {
                "importance": rng.uniform(2.8, 4.8),
                "maturity": rng.uniform(0.6, 3.4),
                "advantage": rng.random(),
                "stages": [rng.random() for _ in range(3)],
            }
            for code, _ in self.leaves
        }
        self.familiarity = {
            (expert, code): _clamp(rng.gauss(3.4, 1.0), 1, 5)
            for expert in self.experts
            for code, _ in self.leaves
        }

    def first_round(self) -> list[dict]:
        """Every expert's independent answers: the latent view of each field plus noise."""
        answers = []
        for expert in self.experts:
            for code, measures in self.leaves:
                answers.extend(self._answer(expert, code, measures))
        return answers

    def _answer(self, expert: str, code: str, measures: list[str]) -> list[dict]:
        rng, latent = self.rng, self.latent[code]
        out: list[dict] = []

        def add(measure: str, value: Any) -> None:
            out.append({"expert": expert, "node": code, "measure": measure, "value": value})

        if measures == ["comment"]:
            if rng.random() < 0.6:
                add("comment", rng.choice(COMMENTS.get(code, COMMENTS["E.MK"])))
            return out
        if "familiarity" in measures:
            add("familiarity", self.familiarity[(expert, code)])
        if "importance" in measures:
            add("importance", _clamp(rng.gauss(latent["importance"], 0.8), 1, 5))
        if "maturity" in measures:
            index = _clamp(rng.gauss(latent["maturity"], 0.7), 0, 4)
            add("maturity", method.MATURITY_CHOICES[index])
        for measure in ("regional_advantage", "investment"):
            if measure in measures:
                roll = rng.random() * 0.7 + latent["advantage"] * 0.3
                add(measure, "yes" if roll > 0.3 else ("no" if roll < 0.12 else "unsure"))
        if "stages" in measures:
            chosen = [
                stage
                for stage, p in zip(method.STAGE_CHOICES, latent["stages"], strict=True)
                if rng.random() < p
            ]
            add("stages", chosen)
        return out

    def revised_round(self, previous: list[dict]) -> list[dict]:
        """The next Delphi round: most experts keep their answer, some move towards the group.

        An answer away from the group's median moves one step towards it with probability
        one half; a verdict or a stage choice joins the majority now and then. So the panel
        converges, as Delphi panels do, and most fields come out stable.
        """
        rng = self.rng
        group = _group_views(previous)
        revised = []
        for answer in previous:
            key = (answer["node"], answer["measure"])
            value = answer["value"]
            if answer["measure"] == "importance" and rng.random() < 0.5:
                value = _step_towards(value, group[key])
            elif answer["measure"] == "maturity" and rng.random() < 0.5:
                index = method.MATURITY_CHOICES.index(value)
                value = method.MATURITY_CHOICES[_step_towards(index, group[key])]
            elif answer["measure"] in ("regional_advantage", "investment") and rng.random() < 0.15:
                value = group[key]
            elif answer["measure"] == "stages" and rng.random() < 0.2:
                value = list(group[key])
            elif answer["measure"] == "comment":
                continue
            revised.append({**answer, "value": value})
        for expert in self.experts:  # new comments in the light of the group's results
            for code, measures in self.leaves:
                if measures == ["comment"] and rng.random() < 0.4:
                    text = rng.choice(COMMENTS.get(code, COMMENTS["E.MK"]))
                    revised.append(
                        {"expert": expert, "node": code, "measure": "comment", "value": text}
                    )
        return revised


def _step_towards(value: int, target: float) -> int:
    if value < target:
        return value + 1
    if value > target:
        return value - 1
    return value


def _group_views(answers: list[dict]) -> dict[tuple[str, str], Any]:
    """The group's view per field: median of numeric answers, the modal verdict, the majority
    stage set."""
    by_key: dict[tuple[str, str], list[Any]] = {}
    for a in answers:
        by_key.setdefault((a["node"], a["measure"]), []).append(a["value"])
    views: dict[tuple[str, str], Any] = {}
    for (node, measure), values in by_key.items():
        if measure == "importance":
            views[(node, measure)] = statistics.median(values)
        elif measure == "maturity":
            views[(node, measure)] = statistics.median(
                method.MATURITY_CHOICES.index(v) for v in values
            )
        elif measure in ("regional_advantage", "investment"):
            views[(node, measure)] = statistics.mode(values)
        elif measure == "stages":
            views[(node, measure)] = [
                stage
                for stage in method.STAGE_CHOICES
                if 2 * sum(stage in v for v in values) > len(values)
            ]
    return views


def demo_bundle() -> dict[str, Any]:
    """The demo study as a `delphi-bundle/1` document (drafts are added after import)."""
    seed = seed_framework()
    simulator = PanelSimulator(seed["framework"])
    round1 = simulator.first_round()
    round2 = simulator.revised_round(round1)
    submitted = set(simulator.experts[:ROUND2_SUBMITTED])
    return {
        "format": "delphi-bundle/1",
        "study": seed["study"],
        "framework": seed["framework"],
        "experts": [
            {
                "id": expert,
                "name": f"Demo Expert {i + 1:02d}",
                "email": f"expert{i + 1:02d}@example.org",
                "affiliation": AFFILIATIONS[i % len(AFFILIATIONS)],
                "language": "zh-hans" if i % 3 else "en",
            }
            for i, expert in enumerate(simulator.experts)
        ],
        "milestones": seed["milestones"],
        "rounds": [
            {"number": 1, "status": "closed", "responses": round1},
            {
                "number": 2,
                "status": "open",
                "responses": [a for a in round2 if a["expert"] in submitted],
            },
        ],
    }


def demo_draft(bundle: dict[str, Any], expert: str) -> list[dict]:
    """A half-finished round-2 questionnaire: `expert`'s round-1 answers on the first leaves."""
    round1 = [a for a in bundle["rounds"][0]["responses"] if a["expert"] == expert]
    first_leaves = list(dict.fromkeys(a["node"] for a in round1))[:6]
    return [a for a in round1 if a["node"] in first_leaves]
