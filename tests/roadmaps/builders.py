"""A generated study of any size, for the roadmap's speed tests and its benchmark."""

import random
from typing import Any

TECH = ["familiarity", "importance", "maturity", "regional_advantage", "investment"]
PRODUCTS = ["familiarity", "importance", "maturity", "stages"]
MATURITY = ["achieved", "short", "medium", "long", "unpredictable"]


def large_bundle(
    *, fields: int = 300, experts: int = 5, slug: str = "large-study", seed: int = 7
) -> dict[str, Any]:
    """A bundle with `fields` fields in factors of 20 (two thirds technology, a third products),
    an environment layer with milestones, and two closed rounds answered by every expert."""
    rng = random.Random(seed)
    tech_count = fields * 2 // 3
    layers: list[dict[str, Any]] = []
    for layer_code, layer_name, measures, count in (
        ("T", "Technology layer", TECH, tech_count),
        ("P", "Product layer", PRODUCTS, fields - tech_count),
    ):
        factors = []
        for f in range(0, count, 20):
            code = f"{layer_code}.F{f // 20 + 1}"
            factors.append(
                {
                    "code": code,
                    "name": {"en": f"Factor {code}", "zh-hans": f"要素 {code}"},
                    "children": [
                        {
                            "code": f"{code}.{i + 1}",
                            "name": {
                                "en": f"Field {code}.{i + 1} with a fairly long descriptive name",
                                "zh-hans": f"领域 {code}.{i + 1}",
                            },
                        }
                        for i in range(min(20, count - f))
                    ],
                }
            )
        layers.append(
            {"code": layer_code, "name": layer_name, "measures": measures, "children": factors}
        )
    layers.append(
        {
            "code": "E",
            "name": "Environment layer",
            "measures": ["comment"],
            "children": [{"code": "E.MK", "name": "Market"}, {"code": "E.PO", "name": "Policy"}],
        }
    )
    leaves = [
        (leaf["code"], layer["measures"])
        for layer in layers[:2]
        for factor in layer["children"]
        for leaf in factor["children"]
    ]
    rounds = []
    for number in (1, 2):
        responses = []
        for e in range(experts):
            for code, measures in leaves:
                for measure in measures:
                    value: Any
                    if measure in ("familiarity", "importance"):
                        value = rng.randint(1, 5)
                    elif measure == "maturity":
                        value = rng.choice(MATURITY)
                    elif measure in ("regional_advantage", "investment"):
                        value = rng.choice(["yes", "yes", "no", "unsure"])
                    else:
                        value = [
                            s
                            for s in ("rd", "production", "industrialization")
                            if rng.random() < 0.5
                        ]
                    responses.append(
                        {"expert": f"X{e:02d}", "node": code, "measure": measure, "value": value}
                    )
        rounds.append({"number": number, "status": "closed", "responses": responses})
    return {
        "format": "delphi-bundle/1",
        "study": {
            "slug": slug,
            "title": {"en": f"A study of {fields} fields", "zh-hans": f"{fields} 个领域的研究"},
            "base_year": 2024,
            "horizon": [2024, 2034],
            "settings": {},
        },
        "framework": layers,
        "experts": [{"id": f"X{e:02d}", "name": f"Expert {e}"} for e in range(experts)],
        "milestones": [
            {
                "node": "E.PO",
                "year": 2020 + i,
                "label": {"en": f"Policy {i}", "zh-hans": f"政策 {i}"},
            }
            for i in range(8)
        ],
        "rounds": rounds,
    }
