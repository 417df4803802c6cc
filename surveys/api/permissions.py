"""Who may do what through the API: the pages' rules (surveys.permissions), as DRF permissions.

Viewers read, analysts of the study write, administrators do everything. A study on which the
user has no role answers 404, as if it did not exist.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from ..models import Study
from ..permissions import can_change


class StudyPermission(BasePermission):
    """/studies/: administrators create; analysts of a study (and administrators) change it."""

    message = "Only an analyst of this study or an administrator may change it."

    def has_permission(self, request: Request, view: object) -> bool:
        if getattr(view, "action", None) == "create":
            self.message = "Only an administrator may create a study."
            return bool(request.user.is_superuser)
        return True

    def has_object_permission(self, request: Request, view: object, study: Study) -> bool:
        if request.method in SAFE_METHODS:
            return True
        data = request.data
        if isinstance(data, dict) and "show_identities" in data and not request.user.is_superuser:
            # A privacy setting: analysts may not grant themselves the panel's names.
            self.message = "Only an administrator may change whether analysts see names."
            return False
        return can_change(request.user, study)


class StudyRolePermission(BasePermission):
    """Below /studies/{slug}/: any role reads, analysts and administrators write."""

    message = "Only an analyst of this study or an administrator may do this."

    def has_permission(self, request: Request, view: object) -> bool:
        study = view.study  # type: ignore[attr-defined]  # 404 when not visible
        if request.method in SAFE_METHODS:
            return True
        return can_change(request.user, study)
