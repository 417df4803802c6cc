from django.contrib import admin

from .models import (
    Answer,
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
    list_display = ("code", "study", "parent", "position", "measures")
    list_filter = ("study",)
    search_fields = ("code", "name")
    ordering = ("study", "position")
    list_select_related = ("study", "parent")
    raw_id_fields = ("parent",)
    inlines = (NodeInline,)


@admin.register(Panelist)
class PanelistAdmin(admin.ModelAdmin):
    list_display = ("pseudonym", "external_id", "name", "email", "affiliation", "language", "study")
    list_filter = ("study", "language")
    search_fields = ("pseudonym", "external_id", "name", "email", "affiliation")


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
