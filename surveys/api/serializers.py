"""Serializers of the API: parsing and shaping only; writes go through surveys.services."""

import re
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scoring import method

from ..bundles.validate import BundleError
from ..bundles.validate import validate_study as validate_study_fields
from ..models import Answer, Node, Panelist, Round, Study

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
ROLES = ["admin", "analyst", "viewer"]
# Inline enums: one choice set under several field names would need named components.
MEASURE_SCHEMA = {"type": "string", "enum": list(method.MEASURES)}
YEAR = {"min_value": 1900, "max_value": 2300}
# PostgreSQL stores neither NUL nor lone surrogates in text or JSON; refuse them as input.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: Any) -> Any:
    """`value` unchanged, or a ValidationError naming an unstorable character in any string."""
    if isinstance(value, str):
        if UNSTORABLE.search(value):
            raise serializers.ValidationError("contains a character that cannot be stored")
    elif isinstance(value, dict):
        for key, item in value.items():
            storable(key)
            storable(item)
    elif isinstance(value, list):
        for item in value:
            storable(item)
    return value


LOCALIZED_TEXT_SCHEMA = {
    "oneOf": [
        {"type": "string", "minLength": 1, "maxLength": 500},
        {
            "type": "object",
            "properties": {
                code: {"type": "string", "minLength": 1, "maxLength": 500}
                for code in LANGUAGE_CODES
            },
            "additionalProperties": False,
            "minProperties": 1,
        },
    ],
    "description": 'A plain string, or the text by language: {"en": …, "zh-hans": …}.',
}


@extend_schema_field(LOCALIZED_TEXT_SCHEMA)
class LocalizedTextField(serializers.JSONField):
    """A name or title as stored: a string or an object keyed by language (spec/bundle.md)."""


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "integer", "minimum": 1900, "maximum": 2300},
        "minItems": 2,
        "maxItems": 2,
        "description": "The first and the last year of the roadmap: [start, end].",
    }
)
class HorizonField(serializers.Field):
    """The study's horizon as `[start, end]`, stored in two columns."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", **kwargs)

    def to_representation(self, study: Study) -> list[int]:
        return [study.horizon_start, study.horizon_end]

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # Checked with the other fields by the bundle's rules (StudySerializer.validate).
        return {"horizon": data}


class StudySerializer(serializers.Serializer):
    slug = serializers.CharField(
        max_length=80, help_text="Letters, digits, '-' or '_'; fixed once the study exists."
    )
    title = LocalizedTextField()
    region = serializers.CharField(max_length=200, allow_blank=True, required=False)
    base_year = serializers.IntegerField(
        help_text="The survey year: expected maturity year = base_year + weighted years.", **YEAR
    )
    horizon = HorizonField()
    settings = serializers.DictField(
        required=False,
        help_text="Method settings (spec/bundle.md); a missing key takes method.md's default.",
    )
    show_identities = serializers.BooleanField(
        required=False, help_text="Whether analysts see panelists' names, not only pseudonyms."
    )
    role = serializers.SerializerMethodField(help_text="Your role on this study.")
    open_round = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The number of the open round, if any."
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field(serializers.ChoiceField(choices=ROLES))
    def get_role(self, study: Study) -> str | None:
        user = self.context["request"].user
        if user.is_superuser:
            return "admin"
        return getattr(study, "my_role", None)

    def validate_title(self, value: Any) -> Any:
        return storable(value)

    def validate_settings(self, value: Any) -> Any:
        return storable(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The bundle's rules for a study, applied to the study as it would be after the write."""
        study: Study | None = self.instance
        if study is not None and attrs.get("slug", study.slug) != study.slug:
            raise serializers.ValidationError({"slug": ["cannot change once the study exists"]})
        current: dict[str, Any] = (
            {
                "slug": study.slug,
                "title": study.title,
                "region": study.region,
                "base_year": study.base_year,
                "horizon": [study.horizon_start, study.horizon_end],
                "settings": study.settings,
            }
            if study is not None
            else {}
        )
        merged = {**current, **{k: v for k, v in attrs.items() if k != "show_identities"}}
        try:
            clean, _settings = validate_study_fields(merged)
        except BundleError as exc:
            field, _, rest = exc.path.removeprefix("study.").partition(".")
            field = re.sub(r"\[\d+\]$", "", field)
            message = f"{rest}: {exc.message}" if rest else exc.message
            raise serializers.ValidationError({field: [message]}) from exc
        if "show_identities" in attrs:
            clean["show_identities"] = attrs["show_identities"]
        return clean  # the whole study as it will be (the services take every field)


class NodeSerializer(serializers.ModelSerializer):
    name = LocalizedTextField(read_only=True)
    parent = serializers.SerializerMethodField(help_text="The parent node's code; null at the top.")
    measures = serializers.SerializerMethodField(
        help_text="The node's own list of measures; null inherits its parent's."
    )
    leaf = serializers.SerializerMethodField(help_text="Whether questions are asked here.")
    asks = serializers.SerializerMethodField(
        help_text="The measures asked at this leaf (inherited lists resolved); empty elsewhere."
    )

    class Meta:
        model = Node
        fields = ["code", "name", "parent", "position", "measures", "leaf", "asks"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_parent(self, node: Node) -> str | None:
        return self.context["codes"].get(node.parent_id)

    @extend_schema_field({"type": "array", "items": MEASURE_SCHEMA, "nullable": True})
    def get_measures(self, node: Node) -> list[str] | None:
        return node.measures

    def get_leaf(self, node: Node) -> bool:
        return node.code in self.context["leaves"]

    @extend_schema_field({"type": "array", "items": MEASURE_SCHEMA})
    def get_asks(self, node: Node) -> list[str]:
        leaf = self.context["leaves"].get(node.code)
        return list(leaf.measures) if leaf is not None else []


IDENTITY_FIELDS = ("external_id", "name", "email", "affiliation")


class PanelistSerializer(serializers.ModelSerializer):
    """A panelist: the pseudonym always; identity fields only to those allowed to see them."""

    # Not required: they are left out for callers who may not see identities.
    external_id = serializers.CharField(required=False, help_text="The identifier in bundles.")
    name = serializers.CharField(required=False, allow_null=True)
    email = serializers.CharField(required=False, allow_null=True)
    affiliation = serializers.CharField(required=False, allow_null=True)
    language = serializers.ChoiceField(choices=LANGUAGE_CODES, allow_null=True, read_only=True)
    erased = serializers.SerializerMethodField(help_text="Whether personal data was erased.")

    class Meta:
        model = Panelist
        fields = ["pseudonym", *IDENTITY_FIELDS, "language", "erased"]
        read_only_fields = ["pseudonym"]

    def get_erased(self, panelist: Panelist) -> bool:
        return panelist.erased_at is not None

    def to_representation(self, panelist: Panelist) -> dict[str, Any]:
        data = super().to_representation(panelist)
        if not self.context.get("identities"):
            for field in IDENTITY_FIELDS:
                data.pop(field, None)
        return data


class PanelistCreateSerializer(serializers.Serializer):
    """A new panelist; the pseudonym (and identifier) are given by the platform."""

    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(
        max_length=254, required=False, allow_null=True, allow_blank=True
    )
    affiliation = serializers.CharField(
        max_length=300, required=False, allow_null=True, allow_blank=True
    )
    language = serializers.ChoiceField(choices=LANGUAGE_CODES, required=False, allow_null=True)


class RoundSerializer(serializers.ModelSerializer):
    invited = serializers.IntegerField(read_only=True, help_text="Invitations sent in the round.")
    submitted = serializers.IntegerField(read_only=True, help_text="Submissions received.")
    has_results = serializers.BooleanField(
        read_only=True, help_text="Whether results have been computed (…/results/)."
    )

    class Meta:
        model = Round
        fields = [
            "number",
            "status",
            "opened_at",
            "closed_at",
            "answers_version",
            "invited",
            "submitted",
            "has_results",
        ]
        read_only_fields = fields


class ResultsPanelSerializer(serializers.Serializer):
    invited = serializers.IntegerField()
    responded = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)
    kendall_w = serializers.FloatField(allow_null=True)
    kendall_chi2 = serializers.FloatField(allow_null=True)
    kendall_p = serializers.FloatField(allow_null=True)
    kendall_experts = serializers.IntegerField(allow_null=True)


class ResultEntrySerializer(serializers.Serializer):
    """One leaf and measure; the other figures depend on the measure (spec/bundle.md)."""

    node = serializers.CharField()
    measure = serializers.CharField(help_text=f"One of {', '.join(method.SCORED_MEASURES)}.")
    n = serializers.IntegerField()


class ResultsDocumentSerializer(serializers.Serializer):
    """A `delphi-results/1` document (documentation only: the snapshot is returned as stored)."""

    format = serializers.CharField()
    study = serializers.CharField()
    round = serializers.IntegerField()
    computed_at = serializers.CharField()
    panel = ResultsPanelSerializer()
    results = ResultEntrySerializer(many=True)


class AnswerSerializer(serializers.ModelSerializer):
    """One submitted answer; the expert by pseudonym only."""

    expert = serializers.CharField(source="submission.panelist.pseudonym", read_only=True)
    node = serializers.CharField(source="node.code", read_only=True)
    measure = serializers.SerializerMethodField()
    value = serializers.JSONField(read_only=True)
    submitted_at = serializers.DateTimeField(source="submission.submitted_at", read_only=True)

    class Meta:
        model = Answer
        fields = ["expert", "node", "measure", "value", "reason", "submitted_at"]
        read_only_fields = fields

    @extend_schema_field(MEASURE_SCHEMA)
    def get_measure(self, answer: Answer) -> str:
        return method.MEASURES[answer.measure]
