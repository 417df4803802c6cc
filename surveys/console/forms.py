"""Forms of the analyst console. They parse and check input; services do the writing."""

from datetime import datetime
from fractions import Fraction
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from scoring import method

from ..models import Study, StudyRole
from .services import PanelistData, StudyData

DEFAULTS = method.MethodSettings().to_dict()
MATURITY_LABELS = {
    "achieved": _("Already achieved"),
    "short": _("Within 5 years"),
    "medium": _("In 5–10 years"),
    "long": _("In over 10 years"),
    "unpredictable": _("Unpredictable"),
}


def measure_labels() -> dict[str, Any]:
    return {
        "familiarity": _("Familiarity (the expert's weight)"),
        "importance": _("Importance"),
        "maturity": _("Time to maturity"),
        "regional_advantage": _("Regional advantage"),
        "investment": _("Suitable for more investment"),
        "stages": _("Stages to develop (products)"),
        "comment": _("Comment (free text)"),
    }


# The settings read as shares, shown as percentages where that is exact (3/5 as 60%).
SHARES = (
    "stage_suitable_above",
    "stage_disputed_from",
    "agreement_threshold",
    "stability_changed_share",
)
HELPED = (
    "importance_low",
    "allow_dont_know",
    "advantage_ratio",
    *SHARES,
    "consensus_rule",
    "importance_consensus_iqr",
    "agreement_from",
    "maturity_consensus_iqr",
)


def share_text(value: str) -> str:
    """A ratio as the form shows it: "60%" when exact, else the fraction ("2/3")."""
    percent = Fraction(value) * 100
    return f"{percent.numerator}%" if percent.denominator == 1 else value


def _default_text(key: str) -> str:
    if key == "importance_low":
        return "–".join(str(v) for v in DEFAULTS["importance_scale"])
    value = DEFAULTS[key]
    if isinstance(value, bool):
        return str(pgettext_lazy("boolean", "yes") if value else pgettext_lazy("boolean", "no"))
    if key == "consensus_rule":
        return str(CONSENSUS_RULES[value])
    if key in SHARES:
        return share_text(value)
    return str(value)


CONSENSUS_RULES = {
    "iqr": _("Interquartile range (IQR)"),
    "agreement": _("Agreement share"),
}


class RatioField(forms.CharField):
    """A share or ratio typed as a fraction (2/3), a decimal (0.6) or a percentage (60%)."""

    def to_python(self, value: Any) -> str:
        text = (super().to_python(value) or "").strip().replace(" ", "")
        if text.endswith("%"):
            try:
                return str(Fraction(text[:-1]) / 100)
            except (ValueError, ZeroDivisionError) as exc:
                raise forms.ValidationError(
                    _("Give a number, a fraction or a percentage.")
                ) from exc
        return text


class StudyForm(forms.Form):
    slug = forms.CharField(
        label=_("Identifier (used in addresses)"),
        max_length=80,
        validators=[
            RegexValidator(r"^[-a-zA-Z0-9_]+$", _("Letters, digits, hyphens and underscores only."))
        ],
        help_text=_("For example beijing-bii-2023. It cannot change later."),
    )
    title_en = forms.CharField(label=_("Title in English"), max_length=500, required=False)
    title_zh = forms.CharField(label=_("Title in Chinese"), max_length=500, required=False)
    region = forms.CharField(label=_("Region"), max_length=200, required=False)
    base_year = forms.IntegerField(
        label=_("Base year (the survey year)"), min_value=1900, max_value=2300
    )
    horizon_start = forms.IntegerField(label=_("Horizon from"), min_value=1900, max_value=2300)
    horizon_end = forms.IntegerField(label=_("Horizon to"), min_value=1900, max_value=2300)
    show_identities = forms.BooleanField(
        label=_("Analysts see panelists' names (otherwise pseudonyms E01, E02, …)"),
        required=False,
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    # method.md settings, each with its default shown.
    importance_low = forms.IntegerField(
        label=_("Importance scale from"),
        min_value=0,
        max_value=100,
    )
    importance_high = forms.IntegerField(
        label=_("Importance scale to"),
        min_value=1,
        max_value=100,
    )
    allow_dont_know = forms.BooleanField(
        label=_("Experts may answer “cannot evaluate” for importance"),
        required=False,
    )
    advantage_ratio = RatioField(
        label=_("Verdict “yes”/“no” when more than this share agrees"),
    )
    stage_suitable_above = RatioField(
        label=_("A stage is suitable when more than this share chose it"),
    )
    stage_disputed_from = RatioField(
        label=_("A stage is disputed from this share (below: unsuitable)"),
    )
    consensus_rule = forms.ChoiceField(
        label=_("Consensus on importance by"),
        choices=list(CONSENSUS_RULES.items()),
    )
    importance_consensus_iqr = forms.DecimalField(
        label=_("Importance consensus: IQR at most"),
        min_value=0,
    )
    agreement_from = forms.IntegerField(
        label=_("Agreement counts ratings of at least"),
    )
    agreement_threshold = RatioField(
        label=_("Agreement consensus: share above"),
    )
    maturity_consensus_iqr = forms.DecimalField(
        label=_("Maturity consensus: IQR at most (years)"),
        min_value=0,
    )
    stability_changed_share = RatioField(
        label=_("Stable when the share of changed answers is below"),
    )

    def __init__(self, *args: Any, creating: bool, can_show_identities: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.creating = creating
        for choice in method.MATURITY_CHOICES:
            self.fields[f"years_{choice}"] = forms.DecimalField(
                label=str(MATURITY_LABELS[choice]),
                min_value=0,
                max_digits=6,
                decimal_places=2,
                help_text=_("Default: %(value)s years")
                % {"value": DEFAULTS["maturity_years"][choice]},
            )
        # Defaults in the reader's language, so set here rather than when the module loads.
        for key in HELPED:
            self.fields[key].help_text = _("Default: %(value)s") % {"value": _default_text(key)}
        if not creating:
            del self.fields["slug"]
        if not can_show_identities:
            self.fields["show_identities"].disabled = True

    @classmethod
    def initial_for(cls, study: Study | None) -> dict[str, Any]:
        values = method.MethodSettings.from_dict(study.settings if study else {}).to_dict()
        initial: dict[str, Any] = {
            "importance_low": values["importance_scale"][0],
            "importance_high": values["importance_scale"][1],
            **{f"years_{c}": y for c, y in values["maturity_years"].items()},
            **{key: share_text(values[key]) for key in SHARES},
            **{
                key: values[key]
                for key in (
                    "allow_dont_know",
                    "advantage_ratio",
                    "consensus_rule",
                    "importance_consensus_iqr",
                    "agreement_from",
                    "maturity_consensus_iqr",
                )
            },
        }
        if study is None:
            initial.update({"base_year": 2024, "horizon_start": 2024, "horizon_end": 2034})
        else:
            title = study.title if isinstance(study.title, dict) else {"en": study.title}
            initial.update(
                {
                    "title_en": title.get("en", ""),
                    "title_zh": title.get("zh-hans", ""),
                    "region": study.region,
                    "base_year": study.base_year,
                    "horizon_start": study.horizon_start,
                    "horizon_end": study.horizon_end,
                    "show_identities": study.show_identities,
                    "version": study.updated_at.isoformat(),
                }
            )
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("title_en") or "").strip() and not (data.get("title_zh") or "").strip():
            self.add_error("title_en", _("Give a title in at least one language."))
        start, end = data.get("horizon_start"), data.get("horizon_end")
        if start is not None and end is not None and end < start:
            self.add_error("horizon_end", _("The horizon cannot end before it starts."))
        if self.errors:
            return data
        try:
            method.MethodSettings.from_dict(self.method_settings())
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data

    def method_settings(self) -> dict[str, Any]:
        data = self.cleaned_data

        def number(value: Any) -> int | float:
            return int(value) if value == int(value) else float(value)

        return {
            "importance_scale": [data["importance_low"], data["importance_high"]],
            "allow_dont_know": bool(data.get("allow_dont_know")),
            "maturity_years": {c: number(data[f"years_{c}"]) for c in method.MATURITY_CHOICES},
            "advantage_ratio": data["advantage_ratio"],
            "stage_suitable_above": data["stage_suitable_above"],
            "stage_disputed_from": data["stage_disputed_from"],
            "consensus_rule": data["consensus_rule"],
            "importance_consensus_iqr": number(data["importance_consensus_iqr"]),
            "agreement_from": data["agreement_from"],
            "agreement_threshold": data["agreement_threshold"],
            "maturity_consensus_iqr": number(data["maturity_consensus_iqr"]),
            "stability_changed_share": data["stability_changed_share"],
        }

    def study_data(self) -> StudyData:
        data = self.cleaned_data
        title = {
            lang: text.strip()
            for lang, text in (("en", data.get("title_en")), ("zh-hans", data.get("title_zh")))
            if text and text.strip()
        }
        return StudyData(
            title=title,
            region=(data.get("region") or "").strip(),
            base_year=data["base_year"],
            horizon_start=data["horizon_start"],
            horizon_end=data["horizon_end"],
            settings=self.method_settings(),
        )

    def version_seen(self) -> datetime | None:
        return parse_datetime(self.cleaned_data.get("version") or "")


class NodeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=60)
    name_en = forms.CharField(label=_("Name in English"), max_length=500, required=False)
    name_zh = forms.CharField(label=_("Name in Chinese"), max_length=500, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("name_en") or "").strip() and not (data.get("name_zh") or "").strip():
            self.add_error("name_en", _("Give a name in at least one language."))
        return data

    def names(self) -> dict[str, str]:
        return {
            "en": self.cleaned_data.get("name_en", ""),
            "zh-hans": self.cleaned_data.get("name_zh", ""),
        }


class MeasuresForm(forms.Form):
    inherit = forms.BooleanField(label=_("Same questions as the node above"), required=False)
    measures = forms.MultipleChoiceField(
        label=_("Questions asked at the leaves below"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = measure_labels()
        field = self.fields["measures"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(m, labels[m]) for m in method.MEASURES]

    def selected(self) -> list[str] | None:
        if self.cleaned_data.get("inherit"):
            return None
        return list(self.cleaned_data.get("measures") or [])


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))


class PanelistForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(
        label=_("E-mail"), required=False, help_text=_("Without one, you share the link by hand.")
    )
    affiliation = forms.CharField(label=_("Affiliation"), max_length=300, required=False)
    language = forms.ChoiceField(
        label=_("Language of the e-mails and the questionnaire"),
        choices=[("", _("The site's default"))] + list(settings.LANGUAGES),
        required=False,
    )

    def person(self) -> PanelistData:
        data = self.cleaned_data
        return PanelistData(
            name=data["name"].strip(),
            email=(data.get("email") or "").strip() or None,
            affiliation=(data.get("affiliation") or "").strip() or None,
            language=data.get("language") or None,
        )


class RoleForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (StudyRole.Role.ANALYST, _("Analyst (may change the study)")),
            (StudyRole.Role.VIEWER, _("Viewer (may read it)")),
        ],
    )
