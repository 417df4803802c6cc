"""A study's framework tree loaded in one query, with each leaf's inherited measures resolved."""

from dataclasses import dataclass, field

from scoring import method

from .models import Node, Study


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

    def scoring_leaves(self) -> list[method.Leaf]:
        return [
            method.Leaf(code=leaf.code, measures=leaf.measures) for leaf in self.leaves.values()
        ]


def framework_load(*, study: Study) -> Framework:
    nodes = list(Node.objects.filter(study=study).order_by("position", "pk"))
    by_pk = {node.pk: node for node in nodes}
    children: dict[int | None, list[Node]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)

    def measures_of(node: Node) -> tuple[str, ...]:
        current: Node | None = node
        while current is not None:
            if current.measures is not None:
                return tuple(current.measures)
            current = by_pk.get(current.parent_id) if current.parent_id else None
        return ()

    framework = Framework(
        study=study, settings=study.method_settings, nodes=nodes, children=children
    )
    for node in nodes:
        if node.pk not in children:
            framework.leaves[node.code] = Leaf(node.pk, node.code, node.name, measures_of(node))
    return framework
