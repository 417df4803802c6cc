"""A study's framework tree loaded in one query, with each leaf's inherited measures resolved.

Every questionnaire save, page and submit needs the tree, and it changes rarely (an analyst's
edit): each process keeps the trees it has read, keyed by the study's `updated_at`, which every
edit of the tree moves forward (`framework_changed`). A request reads the study row anyway (with
the invitation, or the console's access check), so a cached tree costs no query.
"""

import dataclasses
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from scoring import method

from .models import Node, Study

CACHE_SIZE = 64  # trees per process; a few hundred kilobytes each at 700 fields


@dataclass(frozen=True)
class Leaf:
    pk: int
    code: str
    name: object
    measures: tuple[str, ...]


@dataclass
class Framework:
    study: Study
    settings: method.MethodSettings
    nodes: list[Node]  # in tree order (position)
    leaves: dict[str, Leaf] = field(default_factory=dict)  # in tree order
    children: dict[int | None, list[Node]] = field(default_factory=dict)
    by_pk: dict[int, Node] = field(default_factory=dict)

    def measures_of(self, node: Node) -> tuple[str, ...]:
        """The questions asked at a node: its own list, or its nearest ancestor's."""
        current: Node | None = node
        while current is not None:
            if current.measures is not None:
                return tuple(current.measures)
            current = self.by_pk.get(current.parent_id) if current.parent_id else None
        return ()

    def scoring_leaves(self) -> list[method.Leaf]:
        return [
            method.Leaf(code=leaf.code, measures=leaf.measures) for leaf in self.leaves.values()
        ]


_TreeKey = tuple[int, datetime, datetime]
_trees: "OrderedDict[_TreeKey, Framework]" = OrderedDict()
_trees_lock = threading.Lock()


def framework_load(*, study: Study) -> Framework:
    """The study's framework. Its nodes are shared between requests: read them, never change
    them (edits go through `surveys.console.services`, which call `framework_changed`)."""
    key = (study.pk, study.created_at, study.updated_at)
    with _trees_lock:
        tree = _trees.get(key)
        if tree is not None:
            _trees.move_to_end(key)
    if tree is None:
        tree = _tree_read(study)
        with _trees_lock:
            _trees[key] = tree
            while len(_trees) > CACHE_SIZE:
                _trees.popitem(last=False)
    # The settings are not part of the tree: they are read from the study the caller holds.
    return dataclasses.replace(tree, study=study, settings=study.method_settings)


def framework_changed(study: Study) -> None:
    """Record an edit of the study's tree, in the edit's transaction.

    Other processes see the new `updated_at` when the edit commits. This process forgets the
    study's trees now and again on commit: a caller may still hold a study object read before
    the edit, or read the tree half-way through the edit.
    """
    now = timezone.now()
    Study.objects.filter(pk=study.pk).update(updated_at=now)
    study.updated_at = now
    _forget(study.pk)
    transaction.on_commit(lambda: _forget(study.pk))


def _forget(study_pk: int) -> None:
    with _trees_lock:
        for key in [key for key in _trees if key[0] == study_pk]:
            del _trees[key]


def framework_cache_clear() -> None:
    with _trees_lock:
        _trees.clear()


def _tree_read(study: Study) -> Framework:
    nodes = list(Node.objects.filter(study=study).order_by("position", "pk"))
    children: dict[int | None, list[Node]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    framework = Framework(
        study=study,
        settings=study.method_settings,
        nodes=nodes,
        children=children,
        by_pk={node.pk: node for node in nodes},
    )
    for node in nodes:
        if node.pk not in children:
            framework.leaves[node.code] = Leaf(
                node.pk, node.code, node.name, framework.measures_of(node)
            )
    return framework
