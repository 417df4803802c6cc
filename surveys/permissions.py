"""Who may see and change a study (StudyRole): analysts change, viewers read, superusers all."""

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.db.models import QuerySet

from .models import Study, StudyRole

User = AuthUser | AnonymousUser


def studies_visible_to(user: User) -> QuerySet[Study]:
    if not user.is_authenticated:
        return Study.objects.none()
    if user.is_superuser:
        return Study.objects.all()
    return Study.objects.filter(roles__user=user).distinct()


def role_of(user: User, study: Study) -> str | None:
    """'admin', 'analyst', 'viewer' or None."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return "admin"
    return StudyRole.objects.filter(user=user, study=study).values_list("role", flat=True).first()


def can_view(user: User, study: Study) -> bool:
    return role_of(user, study) is not None


def can_change(user: User, study: Study) -> bool:
    return role_of(user, study) in ("admin", StudyRole.Role.ANALYST)
