from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.models import Milestone, Node, Study


class NodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Node) -> str:  # type: ignore[override]
        return f"{obj.code} · {obj.display_name()}"


class MilestoneForm(forms.Form):
    node = NodeChoiceField(
        label=_("Framework node"),
        queryset=Node.objects.none(),
        help_text=_("Usually a factor of the environment layer (policy, market)."),
    )
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2300)
    label_en = forms.CharField(label=_("Label in English"), max_length=300, required=False)
    label_zh_hans = forms.CharField(
        label=_("Label in Simplified Chinese"), max_length=300, required=False
    )

    def __init__(self, *args: Any, study: Study, milestone: Milestone | None = None, **kwargs: Any):
        if milestone is not None and "initial" not in kwargs:
            label = milestone.label
            kwargs["initial"] = {
                "node": milestone.node_id,
                "year": milestone.year,
                # A plain-string label (from a bundle) is shown as the English one.
                "label_en": label if isinstance(label, str) else label.get("en", ""),
                "label_zh_hans": "" if isinstance(label, str) else label.get("zh-hans", ""),
            }
        super().__init__(*args, **kwargs)
        node_field = self.fields["node"]
        assert isinstance(node_field, forms.ModelChoiceField)
        node_field.queryset = Node.objects.filter(study=study).order_by("position", "pk")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            not (data.get("label_en") or "").strip()
            and not (data.get("label_zh_hans") or "").strip()
        ):
            raise forms.ValidationError(_("Give the label in at least one language."))
        return data

    @property
    def label(self) -> dict[str, str]:
        return {
            "en": self.cleaned_data.get("label_en") or "",
            "zh-hans": self.cleaned_data.get("label_zh_hans") or "",
        }
