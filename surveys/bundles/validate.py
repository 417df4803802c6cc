"""Validation of `delphi-bundle/1` documents (spec/bundle.md).

Validation runs completely before anything is written, and the first defect found is reported
with its JSON path (`rounds[0].responses[17].value`), so an import is all-or-nothing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from scoring import method

FORMAT = "delphi-bundle/1"
LANGUAGES = ("en", "zh-hans")
ROUND_STATUSES = ("draft", "open", "closed")
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,80}$")


class BundleError(ValueError):
    """A defect in a bundle, located by its JSON path."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass
class NodeSpec:
    code: str
    name: Any
    measures: list[str] | None
    parent: str | None
    position: int
    effective_measures: tuple[str, ...] = ()
    is_leaf: bool = True


@dataclass
class ResponseSpec:
    expert: str
    node: str
    measure: str
    value: Any
    code: int | None


@dataclass
class RoundSpec:
    number: int
    status: str
    responses: list[ResponseSpec] = field(default_factory=list)


@dataclass
class ValidBundle:
    """A bundle that passed validation, in the order its parts are to be written."""

    study: dict[str, Any]
    nodes: list[NodeSpec]
    experts: list[dict[str, Any]]
    milestones: list[dict[str, Any]]
    rounds: list[RoundSpec]

    @property
    def answer_count(self) -> int:
        return sum(len(r.responses) for r in self.rounds)


def _is_int(value: Any) -> bool:
    # JSON true/false are Python bools, which are ints: refuse them as numbers.
    return isinstance(value, int) and not isinstance(value, bool)


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BundleError(path, "must be an object")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise BundleError(path, "must be a list")
    return value


def text_problem(value: str) -> str | None:
    """Why a text cannot be stored (the database refuses NUL and lone surrogates), or None."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode text"
    return None


def _text(value: Any, path: str, *, required: bool = True, max_length: int = 300) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise BundleError(path, "must be a non-empty string" if required else "must be a string")
    if len(value) > max_length:
        raise BundleError(path, f"is longer than {max_length} characters")
    problem = text_problem(value)
    if problem:
        raise BundleError(path, problem)
    return value


def _localized(value: Any, path: str) -> Any:
    """A name or label: a plain string or an object keyed by language code."""
    if isinstance(value, str):
        _text(value, path, max_length=500)
        return value
    if isinstance(value, dict) and value:
        for language, text in value.items():
            if language not in LANGUAGES:
                raise BundleError(
                    f"{path}.{language}",
                    f"unknown language (expected one of {', '.join(LANGUAGES)})",
                )
            _text(text, f"{path}.{language}", max_length=500)
        return value
    raise BundleError(path, "must be a string or an object keyed by language (en, zh-hans)")


def _year(value: Any, path: str) -> int:
    if not _is_int(value) or not 1900 <= value <= 2300:
        raise BundleError(path, "must be a year (an integer between 1900 and 2300)")
    return value


def validate_study(data: Any) -> tuple[dict[str, Any], method.MethodSettings]:
    study = _object(data, "study")
    slug = study.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise BundleError("study.slug", "must be 1-80 letters, digits, '-' or '_'")
    title = _localized(study.get("title"), "study.title")
    region = _text(study.get("region"), "study.region", required=False, max_length=200)
    base_year = _year(study.get("base_year"), "study.base_year")
    horizon = study.get("horizon")
    if not (isinstance(horizon, list) and len(horizon) == 2):
        raise BundleError("study.horizon", "must be a list of two years [start, end]")
    start = _year(horizon[0], "study.horizon[0]")
    end = _year(horizon[1], "study.horizon[1]")
    if end < start:
        raise BundleError("study.horizon", "must not end before it starts")
    raw_settings = _object(study.get("settings", {}), "study.settings")
    known = {f.name for f in dataclasses.fields(method.MethodSettings)}
    for key, value in raw_settings.items():
        if key not in known:
            raise BundleError(f"study.settings.{key}", "unknown setting")
        try:  # one key at a time, so the error names the setting at fault
            method.MethodSettings.from_dict({key: value})
        except (ValueError, TypeError) as exc:
            raise BundleError(f"study.settings.{key}", str(exc)) from exc
    try:
        method_settings = method.MethodSettings.from_dict(raw_settings)
    except (ValueError, TypeError) as exc:  # settings valid alone but not together
        raise BundleError("study.settings", str(exc)) from exc
    clean = {
        "slug": slug,
        "title": title,
        "region": region,
        "base_year": base_year,
        "horizon": (start, end),
        "settings": raw_settings,
    }
    return clean, method_settings


def _walk_framework(
    items: Any, path: str, parent: str | None
) -> Iterator[tuple[str, dict, str | None, int]]:
    for position, item in enumerate(_list(items, path)):
        item_path = f"{path}[{position}]"
        node = _object(item, item_path)
        yield item_path, node, parent, position
        if "children" in node:
            code = node.get("code")
            yield from _walk_framework(node["children"], f"{item_path}.children", code)


def _validate_framework(data: Any) -> list[NodeSpec]:
    if not isinstance(data, list) or not data:
        raise BundleError("framework", "must be a non-empty list of nodes")
    nodes: dict[str, NodeSpec] = {}
    for position, (path, node, parent, _pos) in enumerate(_walk_framework(data, "framework", None)):
        code = _text(node.get("code"), f"{path}.code", max_length=60)
        assert code is not None
        if code in nodes:
            raise BundleError(f"{path}.code", f"duplicate node code {code!r}")
        name = _localized(node.get("name"), f"{path}.name")
        measures = node.get("measures")
        if measures is not None:
            _list(measures, f"{path}.measures")
            for index, measure in enumerate(measures):
                if measure not in method.MEASURES:
                    raise BundleError(
                        f"{path}.measures[{index}]",
                        f"unknown measure {measure!r} "
                        f"(expected one of {', '.join(method.MEASURES)})",
                    )
            if len(set(measures)) != len(measures):
                raise BundleError(f"{path}.measures", "lists a measure twice")
        unknown = set(node) - {"code", "name", "measures", "children"}
        if unknown:
            raise BundleError(f"{path}.{sorted(unknown)[0]}", "unknown key")
        if parent is not None:
            nodes[parent].is_leaf = False
        nodes[code] = NodeSpec(code, name, measures, parent, position)
    for spec in nodes.values():
        spec.effective_measures = effective_measures(spec, nodes)
    return list(nodes.values())


def effective_measures(spec: NodeSpec, nodes: dict[str, NodeSpec]) -> tuple[str, ...]:
    """The node's own list of measures, or the nearest ancestor's (spec: inherited to leaves)."""
    current: NodeSpec | None = spec
    while current is not None:
        if current.measures is not None:
            return tuple(current.measures)
        current = nodes[current.parent] if current.parent is not None else None
    return ()


def _validate_experts(data: Any) -> list[dict[str, Any]]:
    experts: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(_list(data, "experts")):
        path = f"experts[{index}]"
        expert = _object(item, path)
        expert_id = _text(expert.get("id"), f"{path}.id", max_length=60)
        assert expert_id is not None
        if expert_id in seen:
            raise BundleError(f"{path}.id", f"duplicate expert id {expert_id!r}")
        seen.add(expert_id)
        email = _text(expert.get("email"), f"{path}.email", required=False, max_length=254)
        if email is not None:
            try:
                validate_email(email)
            except ValidationError as exc:
                raise BundleError(f"{path}.email", "is not a valid e-mail address") from exc
        language = expert.get("language")
        if language is not None and language not in LANGUAGES:
            raise BundleError(f"{path}.language", f"must be one of {', '.join(LANGUAGES)}")
        unknown = set(expert) - {"id", "name", "email", "affiliation", "language"}
        if unknown:
            raise BundleError(f"{path}.{sorted(unknown)[0]}", "unknown key")
        experts.append(
            {
                "id": expert_id,
                "name": _text(expert.get("name"), f"{path}.name", required=False, max_length=200),
                "email": email,
                "affiliation": _text(
                    expert.get("affiliation"), f"{path}.affiliation", required=False
                ),
                "language": language,
            }
        )
    return experts


def _validate_milestones(data: Any, node_codes: set[str]) -> list[dict[str, Any]]:
    milestones = []
    for index, item in enumerate(_list(data, "milestones")):
        path = f"milestones[{index}]"
        milestone = _object(item, path)
        node = milestone.get("node")
        if node not in node_codes:
            raise BundleError(f"{path}.node", f"unknown node {node!r}")
        milestones.append(
            {
                "node": node,
                "year": _year(milestone.get("year"), f"{path}.year"),
                "label": _localized(milestone.get("label"), f"{path}.label"),
            }
        )
    return milestones


def value_error(measure: str, value: Any, settings: method.MethodSettings) -> str | None:
    """Why `value` is not a valid answer to `measure` under the study's settings, or None."""
    if measure == "familiarity":
        if not _is_int(value) or not 1 <= value <= 5:
            return f"familiarity must be an integer from 1 to 5, got {value!r}"
    elif measure == "importance":
        low, high = settings.importance_scale
        if value == "dont_know":
            if not settings.allow_dont_know:
                return "this study does not allow 'dont_know' (settings.allow_dont_know)"
        elif not _is_int(value) or not low <= value <= high:
            allowed = " or 'dont_know'" if settings.allow_dont_know else ""
            return f"importance must be an integer from {low} to {high}{allowed}, got {value!r}"
    elif measure == "maturity":
        if value not in method.MATURITY_CHOICES:
            return f"maturity must be one of {', '.join(method.MATURITY_CHOICES)}, got {value!r}"
    elif measure in ("regional_advantage", "investment"):
        if value not in method.VERDICT_CHOICES:
            return f"{measure} must be one of {', '.join(method.VERDICT_CHOICES)}, got {value!r}"
    elif measure == "stages":
        if not isinstance(value, list) or any(v not in method.STAGE_CHOICES for v in value):
            return f"stages must be a list of {', '.join(method.STAGE_CHOICES)}, got {value!r}"
        if len(set(value)) != len(value):
            return "stages lists a stage twice"
    elif measure == "comment":
        if not isinstance(value, str):
            return f"comment must be a string, got {value!r}"
        if text_problem(value):
            return f"comment {text_problem(value)}"
        if len(value) > 10_000:
            return "comment is longer than 10000 characters"
    return None


def _validate_rounds(
    data: Any,
    nodes: dict[str, NodeSpec],
    expert_ids: set[str],
    settings: method.MethodSettings,
) -> list[RoundSpec]:
    rounds: list[RoundSpec] = []
    numbers: set[int] = set()
    for r_index, item in enumerate(_list(data, "rounds")):
        path = f"rounds[{r_index}]"
        round_data = _object(item, path)
        number = round_data.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise BundleError(f"{path}.number", "must be a positive integer")
        if number in numbers:
            raise BundleError(f"{path}.number", f"duplicate round number {number}")
        numbers.add(number)
        status = round_data.get("status")
        if status not in ROUND_STATUSES:
            raise BundleError(f"{path}.status", f"must be one of {', '.join(ROUND_STATUSES)}")
        if status == "open" and any(r.status == "open" for r in rounds):
            raise BundleError(f"{path}.status", "only one round of a study can be open")
        spec = RoundSpec(number, status)
        seen: dict[tuple[str, str, str], int] = {}
        first_answer_at: dict[tuple[str, str], int] = {}
        familiarity_given: set[tuple[str, str]] = set()
        for a_index, response in enumerate(
            _list(round_data.get("responses", []), f"{path}.responses")
        ):
            a_path = f"{path}.responses[{a_index}]"
            answer = _object(response, a_path)
            expert = answer.get("expert")
            if not isinstance(expert, str) or expert not in expert_ids:
                raise BundleError(f"{a_path}.expert", f"unknown expert {expert!r}")
            code = answer.get("node")
            node = nodes.get(code) if isinstance(code, str) else None
            if node is None or not isinstance(code, str):
                raise BundleError(f"{a_path}.node", f"unknown node {code!r}")
            if not node.is_leaf:
                raise BundleError(
                    f"{a_path}.node", f"{code!r} is not a leaf: questions are asked only at leaves"
                )
            measure = answer.get("measure")
            if not isinstance(measure, str) or measure not in method.MEASURES:
                raise BundleError(f"{a_path}.measure", f"unknown measure {measure!r}")
            if measure not in node.effective_measures:
                raise BundleError(f"{a_path}.measure", f"{measure!r} is not asked on {code!r}")
            if "value" not in answer:
                raise BundleError(f"{a_path}.value", "is missing")
            value = answer["value"]
            problem = value_error(measure, value, settings)
            if problem:
                raise BundleError(f"{a_path}.value", problem)
            key = (expert, code, measure)
            if key in seen:
                raise BundleError(
                    a_path,
                    f"duplicate answer of {expert} to {measure} on {code} "
                    f"(first at {path}.responses[{seen[key]}])",
                )
            seen[key] = a_index
            if measure == "familiarity":
                familiarity_given.add((expert, code))
            else:
                first_answer_at.setdefault((expert, code), a_index)
            spec.responses.append(
                ResponseSpec(
                    expert,
                    code,
                    measure,
                    value,
                    None if measure == "comment" else method.encode_value(measure, value),
                )
            )
        # Familiarity weighs the other answers (method.md §2): none may stand without it.
        for (expert, code), a_index in sorted(first_answer_at.items(), key=lambda kv: kv[1]):
            if (
                "familiarity" in nodes[code].effective_measures
                and (expert, code) not in familiarity_given
            ):
                raise BundleError(
                    f"{path}.responses[{a_index}]",
                    f"{expert} answered on {code} without giving familiarity, which {code} asks",
                )
        rounds.append(spec)
    return rounds


def bundle_validate(data: Any) -> ValidBundle:
    """Check a parsed bundle against spec/bundle.md; raise BundleError at the first defect."""
    document = _object(data, "$")
    if document.get("format") != FORMAT:
        raise BundleError("format", f"must be {FORMAT!r}")
    unknown = set(document) - {"format", "study", "framework", "experts", "milestones", "rounds"}
    if unknown:
        raise BundleError(sorted(unknown)[0], "unknown key")
    study, settings = validate_study(document.get("study"))
    nodes = _validate_framework(document.get("framework"))
    by_code = {node.code: node for node in nodes}
    experts = _validate_experts(document.get("experts", []))
    milestones = _validate_milestones(document.get("milestones", []), set(by_code))
    rounds = _validate_rounds(
        document.get("rounds", []), by_code, {e["id"] for e in experts}, settings
    )
    return ValidBundle(study, nodes, experts, milestones, rounds)
