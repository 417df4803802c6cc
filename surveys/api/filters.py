"""Query filters of the API (django-filter); an invalid value answers 400."""

import django_filters
from django.db.models import QuerySet

from scoring import method

from ..models import Answer, Node, Panelist, Round


class NodeFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(help_text="The node with this code.")
    parent = django_filters.CharFilter(
        field_name="parent__code", help_text="The children of the node with this code."
    )
    root = django_filters.BooleanFilter(
        field_name="parent", lookup_expr="isnull", help_text="true: the top-level nodes only."
    )

    class Meta:
        model = Node
        fields = ["code", "parent", "root"]


class PanelistFilter(django_filters.FilterSet):
    class Meta:
        model = Panelist
        fields = ["language"]


class RoundFilter(django_filters.FilterSet):
    class Meta:
        model = Round
        fields = ["status"]


class AnswerFilter(django_filters.FilterSet):
    node = django_filters.CharFilter(field_name="node__code", help_text="Answers on this node.")
    measure = django_filters.ChoiceFilter(
        choices=[(name, name) for name in method.MEASURES],
        method="filter_measure",
        help_text="Answers to this measure.",
    )
    expert = django_filters.CharFilter(
        field_name="submission__panelist__pseudonym", help_text="Answers of this pseudonym."
    )

    class Meta:
        model = Answer
        fields = ["node", "measure", "expert"]

    def filter_measure(self, queryset: QuerySet[Answer], name: str, value: str) -> QuerySet:
        return queryset.filter(measure=method.MEASURES.index(value))
