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

    def round_answers(self, previous: list[dict] | None = None) -> list[dict]:
        """One round's answers of every expert; with `previous`, converging towards its medians."""
        medians = _medians(previous) if previous else {}
        answers = []
        for expert in self.experts:
            for code, measures in self.leaves:
                answers.extend(self._answer(expert, code, measures, medians))
        return answers

    def _answer(self, expert: str, code: str, measures: list[str], medians: dict) -> list[dict]:
        rng, latent = self.rng, self.latent[code]
        out: list[dict] = []

        def add(measure: str, value: Any) -> None:
            out.append({"expert": expert, "node": code, "measure": measure, "value": value})

        if measures == ["comment"]:
            if rng.random() < 0.6:
                add("comment", rng.choice(COMMENTS.get(code, COMMENTS["E.MK"])))
            return out
        pull = 0.5 if medians else 0.0
        if "familiarity" in measures:
            add("familiarity", self.familiarity[(expert, code)])
        if "importance" in measures:
            guess = rng.gauss(latent["importance"], 0.8)
            target = medians.get((code, "importance"), guess)
            add("importance", _clamp(guess + pull * (target - guess), 1, 5))
        if "maturity" in measures:
            guess = rng.gauss(latent["maturity"], 0.7)
            target = medians.get((code, "maturity"), guess)
            index = _clamp(guess + pull * (target - guess), 0, 4)
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


def _medians(answers: list[dict]) -> dict[tuple[str, str], float]:
    values: dict[tuple[str, str], list[float]] = {}
    for a in answers:
        if a["measure"] == "importance":
            values.setdefault((a["node"], "importance"), []).append(a["value"])
        elif a["measure"] == "maturity":
            index = method.MATURITY_CHOICES.index(a["value"])
            values.setdefault((a["node"], "maturity"), []).append(index)
    return {key: statistics.median(v) for key, v in values.items()}


def demo_bundle() -> dict[str, Any]:
    """The demo study as a `delphi-bundle/1` document (drafts are added after import)."""
    seed = seed_framework()
    simulator = PanelSimulator(seed["framework"])
    round1 = simulator.round_answers()
    round2 = simulator.round_answers(previous=round1)
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
