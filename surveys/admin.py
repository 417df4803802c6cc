import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .framework import framework_changed
from .models import (
    Answer,
    ApiKey,
    AuditEntry,
    Invitation,
    Milestone,
    Node,
    Panelist,
    Round,
    Study,
    StudyRole,
    Submission,
)


class NodeInline(admin.TabularInline):
    model = Node
    fk_name = "parent"
    fields = ("code", "name", "position", "measures")
    extra = 0
    show_change_link = True


class StudyRoleInline(admin.TabularInline):
    model = StudyRole
    extra = 0
    autocomplete_fields = ("user",)


class RoundInline(admin.TabularInline):
    model = Round
    fields = ("number", "status", "opened_at", "closed_at")
    extra = 0
    show_change_link = True


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ("slug", "region", "base_year", "horizon_start", "horizon_end", "updated_at")
    search_fields = ("slug", "region", "title")
    list_filter = ("base_year", "region")
    inlines = (RoundInline, StudyRoleInline)


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    """Tree edits here bypass the console's checks; they still retire the cached trees."""

    list_display = ("code", "study", "parent", "position", "measures")
    list_filter = ("study",)
    search_fields = ("code", "name")
    ordering = ("study", "position")
    list_select_related = ("study", "parent")
    raw_id_fields = ("parent",)
    inlines = (NodeInline,)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        framework_changed(form.instance.study)

    def delete_model(self, request: HttpRequest, obj: Node) -> None:
        study = obj.study
        super().delete_model(request, obj)
        framework_changed(study)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Node]) -> None:
        studies = list(Study.objects.filter(nodes__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for study in studies:
            framework_changed(study)


@admin.register(Panelist)
class PanelistAdmin(admin.ModelAdmin):
    list_display = ("pseudonym", "external_id", "name", "email", "affiliation", "language", "study")
    list_filter = ("study", "language")
    search_fields = ("pseudonym", "external_id", "name", "email", "affiliation")
    actions = ("export_personal_data", "erase_personal_data")

    # Personal data (surveys.privacy): a copy for the person, and erasure that keeps the answers.
    # Administrators only: these show or destroy what analysts are not even shown.
    def has_personal_data_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    @admin.action(
        description=gettext_lazy("Export personal data (JSON)"), permissions=["personal_data"]
    )
    def export_personal_data(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        from .privacy import panelist_personal_data

        documents = [
            panelist_personal_data(panelist=p)
            for p in queryset.select_related("study").order_by("study__slug", "pseudonym")
        ]
        single = len(documents) == 1
        body = json.dumps(documents[0] if single else documents, ensure_ascii=False, indent=2)
        name = (
            f"{documents[0]['study']}-{documents[0]['panelist']['pseudonym']}"
            if single
            else "panelists"
        )
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}-personal-data.json"'
        response["Cache-Control"] = "private, no-store"
        return response

    @admin.action(
        description=gettext_lazy("Erase personal data (keep the answers)"),
        permissions=["personal_data"],
    )
    def erase_personal_data(
        self, request: HttpRequest, queryset: QuerySet
    ) -> TemplateResponse | None:
        from .privacy import panelist_erase

        panelists = list(queryset.select_related("study").order_by("study__slug", "pseudonym"))
        if request.POST.get("confirm") != "yes":
            # Erasure cannot be undone: ask first, as Django's own delete action does.
            return TemplateResponse(
                request,
                "security/admin_erase_confirm.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Erase personal data"),
                    "opts": self.model._meta,
                    "panelists": panelists,
                    "action": "erase_personal_data",
                    "action_checkbox_name": ACTION_CHECKBOX_NAME,
                },
            )
        for panelist in panelists:
            panelist_erase(panelist=panelist)
        self.message_user(
            request,
            _("Personal data erased for %(pseudonyms)s; their answers are kept.")
            % {"pseudonyms": ", ".join(p.pseudonym for p in panelists)},
            messages.SUCCESS,
        )
        return None


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ("study", "number", "status", "opened_at", "closed_at", "answers_version")
    list_filter = ("status", "study")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("round", "panelist", "sent_at", "opened_at", "revoked_at")
    list_filter = ("round__study", "round__number")
    search_fields = ("panelist__pseudonym", "panelist__external_id")
    # The token itself is never stored; its hash is of no use to a person.
    exclude = ("token_hash", "token_salt")
    list_select_related = ("round__study", "panelist")


class AnswerInline(admin.TabularInline):
    """Read-only: answers are the experts' record, and scoring keeps a packed copy of them."""

    model = Answer
    fields = ("node", "measure", "draft", "value", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("round", "panelist", "status", "submitted_at", "updated_at")
    list_filter = ("status", "round__study", "round__number")
    search_fields = ("panelist__pseudonym", "panelist__external_id")
    list_select_related = ("round__study", "panelist")
    inlines = (AnswerInline,)


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ("year", "label", "node", "study")
    list_filter = ("study",)
    search_fields = ("label",)
    raw_id_fields = ("node",)


@admin.register(StudyRole)
class StudyRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "study", "role")
    list_filter = ("role", "study")
    search_fields = ("user__username", "study__slug")
    autocomplete_fields = ("user",)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The whole audit log, read-only: it records what was done and must not be rewritten."""

    list_display = ("at", "username", "study", "action", "method", "path", "status")
    list_filter = ("action", "study")
    search_fields = ("username", "path", "action")
    date_hierarchy = "at"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Who holds a key to the REST API, and since when; a key is retired by deleting it here.
    Keys are made with `manage.py api_key` (only their digest is stored, so none is shown)."""

    list_display = ("user", "created_at")
    search_fields = ("user__username",)
    fields = ("user", "created_at")
    readonly_fields = ("user", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
