"""Studies, their framework tree, the panel, rounds, invitations and answers.

Names and labels are stored as given in a bundle: a plain string, or an object keyed by language
code (`en`, `zh-hans`), so that a bundle exported again is the one that was imported.
"""

import json
from functools import lru_cache

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from scoring import method

from .i18n import localized


class Study(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.JSONField(_("title"), help_text=_('A string or {"en": …, "zh-hans": …}'))
    region = models.CharField(_("region"), max_length=200, blank=True)
    base_year = models.PositiveSmallIntegerField(_("base year"))
    horizon_start = models.PositiveSmallIntegerField(_("horizon start"))
    horizon_end = models.PositiveSmallIntegerField(_("horizon end"))
    settings = models.JSONField(_("method settings"), default=dict, blank=True)
    show_identities = models.BooleanField(
        _("analysts see panelists' names"),
        default=False,
        help_text=_("Off by default: analysts see pseudonyms (E01, E02, …)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("study")
        verbose_name_plural = _("studies")
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(horizon_end__gte=models.F("horizon_start")),
                name="study_horizon_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    def display_title(self, language: str | None = None) -> str:
        return localized(self.title, language)

    @property
    def method_settings(self) -> method.MethodSettings:
        try:
            text = json.dumps(self.settings, sort_keys=True)
        except TypeError:  # not JSON yet (values set in code, before a save)
            return method.MethodSettings.from_dict(self.settings)
        return _method_settings_parsed(text)


@lru_cache(maxsize=256)
def _method_settings_parsed(text: str) -> method.MethodSettings:
    # Every questionnaire request reads the settings, and checking them costs more than the
    # JSON text that keys them here. The settings object is frozen and shared: never mutated.
    return method.MethodSettings.from_dict(json.loads(text))


class Node(models.Model):
    """A node of the framework tree: layer, factor or field. Questions are asked at leaves."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    code = models.CharField(_("code"), max_length=60)
    name = models.JSONField(_("name"))
    position = models.PositiveIntegerField(_("position"), default=0)
    # None inherits the parent's list; a list (possibly empty) overrides it for the subtree.
    measures = models.JSONField(_("measures"), null=True, blank=True)

    class Meta:
        verbose_name = _("framework node")
        verbose_name_plural = _("framework nodes")
        ordering = ["study", "position"]
        constraints = [
            models.UniqueConstraint(fields=["study", "code"], name="node_code_unique_in_study"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name()}"

    def display_name(self, language: str | None = None) -> str:
        return localized(self.name, language)


class Panelist(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="panelists")
    external_id = models.CharField(_("identifier"), max_length=60)
    pseudonym = models.CharField(_("pseudonym"), max_length=20)
    name = models.CharField(_("name"), max_length=200, null=True, blank=True)
    email = models.EmailField(_("e-mail"), null=True, blank=True)
    affiliation = models.CharField(_("affiliation"), max_length=300, null=True, blank=True)
    language = models.CharField(
        _("language"), max_length=10, null=True, blank=True, choices=settings.LANGUAGES
    )
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("panelist")
        verbose_name_plural = _("panelists")
        ordering = ["study", "pseudonym"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "external_id"], name="panelist_id_unique_in_study"
            ),
            models.UniqueConstraint(
                fields=["study", "pseudonym"], name="panelist_pseudonym_unique_in_study"
            ),
        ]

    def __str__(self) -> str:
        return self.pseudonym


class Round(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("number"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every change to the round's submitted answers; snapshots record the version they
    # were computed from so a late job never replaces a newer snapshot.
    answers_version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["study", "number"]
        constraints = [
            models.UniqueConstraint(fields=["study", "number"], name="round_number_unique"),
            models.UniqueConstraint(
                fields=["study"],
                condition=Q(status="open"),
                name="one_open_round_per_study",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "closed"]), name="round_status_valid"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="round_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.study.slug} round {self.number}"


class Invitation(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="invitations")
    panelist = models.ForeignKey(Panelist, on_delete=models.CASCADE, related_name="invitations")
    # The token is derived from the salt and the secret key; only its SHA-256 is stored
    # (surveys.tokens), so a leaked database does not leak working links.
    token_salt = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["round", "panelist"], name="one_invitation_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.panelist}"


class Submission(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="submissions")
    panelist = models.ForeignKey(Panelist, on_delete=models.CASCADE, related_name="submissions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.UniqueConstraint(fields=["round", "panelist"], name="one_submission_per_round"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted"]), name="submission_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.panelist} · {self.status}"


_M = {name: code for code, name in enumerate(method.MEASURES)}


class Answer(models.Model):
    """One answer of one panelist to one question (leaf × measure) in one round.

    A submission holds the expert's working copy (`draft=True`, saved on every change) and the
    submitted copy (`draft=False`, replaced whole on submit). Scoring reads submitted answers only.
    `code` is the value as the small integer the scoring engine works on (null for comments).
    """

    class Measure(models.IntegerChoices):
        FAMILIARITY = _M["familiarity"], "familiarity"
        IMPORTANCE = _M["importance"], "importance"
        MATURITY = _M["maturity"], "maturity"
        REGIONAL_ADVANTAGE = _M["regional_advantage"], "regional_advantage"
        INVESTMENT = _M["investment"], "investment"
        STAGES = _M["stages"], "stages"
        COMMENT = _M["comment"], "comment"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="answers")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="answers")
    measure = models.PositiveSmallIntegerField(choices=Measure.choices)
    draft = models.BooleanField(default=False)
    value = models.JSONField()
    code = models.SmallIntegerField(null=True)
    reason = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "node", "measure", "draft"], name="one_answer_per_question"
            ),
            # The engine's value codes, per measure (see scoring.method): the database refuses
            # a value that scoring could not read even when Python checks are bypassed.
            models.CheckConstraint(
                condition=(
                    Q(measure=_M["familiarity"], code__gte=1, code__lte=5)
                    | Q(measure=_M["importance"], code=method.DONT_KNOW)
                    | Q(measure=_M["importance"], code__gte=1, code__lte=99)
                    | Q(measure=_M["maturity"], code__gte=0, code__lte=4)
                    | Q(
                        measure__in=[_M["regional_advantage"], _M["investment"]],
                        code__gte=0,
                        code__lte=2,
                    )
                    | Q(measure=_M["stages"], code__gte=0, code__lte=7)
                    | Q(measure=_M["comment"], code__isnull=True)
                ),
                name="answer_code_valid_for_measure",
            ),
        ]
        indexes = [models.Index(fields=["submission", "draft"], name="answer_submission_draft")]

    def __str__(self) -> str:
        return f"{self.node.code} {self.get_measure_display()} = {self.value}"


class PackedAnswers(models.Model):
    """A submission's submitted answers packed for scoring (surveys.packing).

    Written in the same transaction as the answer rows, so that a recompute reads one value per
    expert instead of one row per answer; kept apart from Submission so that reading
    submissions never loads it.
    """

    submission = models.OneToOneField(
        Submission, on_delete=models.CASCADE, primary_key=True, related_name="packed"
    )
    data = models.BinaryField()

    class Meta:
        verbose_name = _("packed answers")
        verbose_name_plural = _("packed answers")

    def __str__(self) -> str:
        return f"{self.submission_id}: {len(self.data) // 8} answers"


class Milestone(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="milestones")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="milestones")
    year = models.PositiveSmallIntegerField(_("year"))
    label = models.JSONField(_("label"))
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["study", "position"]

    def __str__(self) -> str:
        return f"{self.year} {localized(self.label)}"


class StudyRole(models.Model):
    class Role(models.TextChoices):
        ANALYST = "analyst", _("analyst")
        VIEWER = "viewer", _("viewer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="study_roles"
    )
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)

    class Meta:
        verbose_name = _("study role")
        verbose_name_plural = _("study roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "study"], name="one_role_per_user_and_study"),
            models.CheckConstraint(
                condition=Q(role__in=["analyst", "viewer"]), name="study_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.study} · {self.role}"


class AuditEntry(models.Model):
    """One thing an analyst or administrator did: a change, or a download of data."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    username = models.CharField(_("user"), max_length=150)  # kept if the user is deleted
    study = models.ForeignKey(
        Study, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_entries"
    )
    action = models.CharField(_("action"), max_length=100)  # the URL name, e.g. console:round_open
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}"


class ApiKey(models.Model):
    """A user's key to the REST API. Only the key's SHA-256 is kept: the key itself is shown
    once, when it is made (`surveys.api.keys`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_key"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"API key of {self.user}"
