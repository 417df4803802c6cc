"""Who may open a console page: every view goes through `study_access` (StudyRole).

A study the user has no role in answers 404, as if it did not exist (its slug may itself be
confidential); a viewer asking for a change gets 403.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from ..models import Round, Study
from ..permissions import role_of
from .selectors import identities_visible


@dataclass(frozen=True)
class Access:
    study: Study
    role: str  # "admin", "analyst" or "viewer"

    @property
    def can_change(self) -> bool:
        return self.role in ("admin", "analyst")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def identities(self) -> bool:
        return identities_visible(role=self.role, study=self.study)


def study_access(request: HttpRequest, slug: str, *, change: bool = False) -> Access:
    study = get_object_or_404(Study, slug=slug)
    role = role_of(request.user, study)
    if role is None:
        raise Http404("no such study")
    access = Access(study=study, role=role)
    if change and not access.can_change:
        raise PermissionDenied("viewers may not change the study")
    return access


def round_of(access: Access, number: int) -> Round:
    return get_object_or_404(Round, study=access.study, number=number)
