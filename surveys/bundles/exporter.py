"""Writing a study as a `delphi-bundle/1` document (the inverse of the importer)."""

from collections import defaultdict
from typing import Any

from scoring import method

from ..models import Answer, Node, Study
from .validate import FORMAT


def bundle_export(*, study: Study) -> dict[str, Any]:
    nodes = list(study.nodes.order_by("position"))
    return {
        "format": FORMAT,
        "study": _study(study),
        "framework": _framework(nodes),
        "experts": [_expert(p) for p in study.panelists.order_by("pk")],
        "milestones": [
            {"node": m.node.code, "year": m.year, "label": m.label}
            for m in study.milestones.select_related("node").order_by("position", "pk")
        ],
        "rounds": [_round(r) for r in study.rounds.order_by("number")],
    }


def _study(study: Study) -> dict[str, Any]:
    data: dict[str, Any] = {"slug": study.slug, "title": study.title}
    if study.region:
        data["region"] = study.region
    data["base_year"] = study.base_year
    data["horizon"] = [study.horizon_start, study.horizon_end]
    data["settings"] = study.settings
    return data


def _framework(nodes: list[Node]) -> list[dict[str, Any]]:
    children: dict[int | None, list[Node]] = defaultdict(list)
    for node in nodes:
        children[node.parent_id].append(node)

    def build(node: Node) -> dict[str, Any]:
        data: dict[str, Any] = {"code": node.code, "name": node.name}
        if node.measures is not None:
            data["measures"] = node.measures
        if children[node.pk]:
            data["children"] = [build(child) for child in children[node.pk]]
        return data

    return [build(root) for root in children[None]]


def _expert(panelist: Any) -> dict[str, Any]:
    data = {"id": panelist.external_id}
    for key in ("name", "email", "affiliation", "language"):
        value = getattr(panelist, key)
        if value is not None:
            data[key] = value
    return data


def _round(round_: Any) -> dict[str, Any]:
    answers = (
        Answer.objects.filter(submission__round=round_, draft=False)
        .order_by("submission__panelist_id", "node__position", "measure")
        .values_list("submission__panelist__external_id", "node__code", "measure", "value")
    )
    return {
        "number": round_.number,
        "status": round_.status,
        "responses": [
            {"expert": expert, "node": node, "measure": method.MEASURES[measure], "value": value}
            for expert, node, measure, value in answers.iterator(chunk_size=5000)
        ],
    }
