from django.contrib import admin

from .models import ResultSnapshot


@admin.register(ResultSnapshot)
class ResultSnapshotAdmin(admin.ModelAdmin):
    list_display = ("round", "answers_version", "computed_at")
    list_filter = ("round__study",)
    readonly_fields = ("round", "answers_version", "computed_at", "document")
