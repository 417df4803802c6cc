"""The console's home, a study's overview and settings, and creating a study."""

import json
from typing import cast

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ...bundles import BundleError, bundle_import
from ...framework import framework_load
from ...models import Round, StudyRole
from ..access import study_access
from ..forms import RoleForm, StudyForm, UploadForm
from ..selectors import current_round, round_progress, study_cards
from ..services import ConsoleError, role_grant, role_revoke, study_create, study_update
from .common import render_study

MAX_BUNDLE_BYTES = 50 * 1024 * 1024


def signed_in_user(request: HttpRequest) -> User:
    """The user of a view behind login_required (never anonymous there)."""
    return cast(User, request.user)


def may_create_studies(user: object) -> bool:
    return bool(getattr(user, "is_superuser", False) or getattr(user, "is_staff", False))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "console/home.html",
        {"cards": study_cards(user=request.user), "can_create": may_create_studies(request.user)},
    )


@login_required
def study_new(request: HttpRequest) -> HttpResponse:
    if not may_create_studies(request.user):
        raise PermissionDenied("only staff create studies")
    form = StudyForm(
        request.POST or None,
        initial=StudyForm.initial_for(None),
        creating=True,
        can_show_identities=request.user.is_superuser,
    )
    if request.method == "POST" and form.is_valid():
        try:
            study = study_create(
                slug=form.cleaned_data["slug"],
                data=form.study_data(),
                user=signed_in_user(request),
            )
        except ConsoleError as exc:
            form.add_error("slug", str(exc))
        else:
            if request.user.is_superuser and form.cleaned_data.get("show_identities"):
                study.show_identities = True
                study.save(update_fields=["show_identities"])
            messages.success(request, _("The study is created. Now build its framework."))
            return redirect("console:framework", slug=study.slug)
    return render(
        request,
        "console/study_new.html",
        {"form": form, "upload": UploadForm(), "defaults_note": True},
    )


@login_required
@require_POST
def study_import(request: HttpRequest) -> HttpResponse:
    """Create a study from a whole `delphi-bundle/1` file (framework, panel, rounds, answers)."""
    if not may_create_studies(request.user):
        raise PermissionDenied("only staff create studies")
    upload = UploadForm(request.POST, request.FILES)
    if not upload.is_valid():
        messages.error(request, _("Choose a bundle file (.json) to upload."))
        return redirect("console:study_new")
    file = upload.cleaned_data["file"]
    if file.size > MAX_BUNDLE_BYTES:
        messages.error(request, _("The bundle is larger than 50 MB."))
        return redirect("console:study_new")
    try:
        data = json.loads(file.read().decode("utf-8-sig"))
        study = bundle_import(data=data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        messages.error(request, _("The file is not a JSON study bundle."))
        return redirect("console:study_new")
    except BundleError as exc:
        messages.error(
            request,
            _("The bundle was not imported (nothing was saved). At %(path)s: %(message)s")
            % {"path": exc.path, "message": exc.message},
        )
        return redirect("console:study_new")
    if not request.user.is_superuser:
        role_grant(study=study, user=signed_in_user(request), role=StudyRole.Role.ANALYST)
    messages.success(request, _("The study %(slug)s is imported.") % {"slug": study.slug})
    return redirect("console:overview", slug=study.slug)


@login_required
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    access = study_access(request, slug)
    study = access.study
    framework = framework_load(study=study)
    round_ = current_round(study=study)
    progress = (
        round_progress(round_=round_)
        if round_ is not None and round_.status != Round.Status.DRAFT
        else None
    )
    return render_study(
        request,
        "console/overview.html",
        access,
        "overview",
        {
            "node_count": len(framework.nodes),
            "leaf_count": len(framework.leaves),
            "panel_size": study.panelists.count(),
            "rounds": list(study.rounds.order_by("number")),
            "round": round_,
            "progress": progress,
        },
    )


@login_required
def study_settings(request: HttpRequest, slug: str) -> HttpResponse:
    access = study_access(request, slug)
    study = access.study
    if request.method == "POST":
        access = study_access(request, slug, change=True)
        form = StudyForm(
            request.POST,
            initial=StudyForm.initial_for(study),
            creating=False,
            can_show_identities=access.is_admin,
        )
        if form.is_valid():
            try:
                study_update(
                    study=study,
                    data=form.study_data(),
                    version=form.version_seen(),
                    show_identities=form.cleaned_data.get("show_identities")
                    if access.is_admin
                    else None,
                )
            except ConsoleError as exc:
                messages.error(request, str(exc))
                status = 409
            else:
                messages.success(request, _("The settings are saved."))
                return redirect("console:settings", slug=slug)
        else:
            status = 400
    else:
        form = StudyForm(
            initial=StudyForm.initial_for(study),
            creating=False,
            can_show_identities=access.is_admin,
        )
        status = 200
    if not access.can_change:
        for field in form.fields.values():
            field.disabled = True
    roles = (
        StudyRole.objects.filter(study=study)
        .select_related("user")
        .order_by("role", "user__username")
    )
    return render_study(
        request,
        "console/settings.html",
        access,
        "settings",
        {"form": form, "roles": roles, "role_form": RoleForm()},
        status=status,
    )


@login_required
@require_POST
def role_add(request: HttpRequest, slug: str) -> HttpResponse:
    access = study_access(request, slug, change=True)
    form = RoleForm(request.POST)
    if form.is_valid():
        user = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
        if user is None:
            messages.error(request, _("There is no user of that name."))
        else:
            role_grant(study=access.study, user=user, role=form.cleaned_data["role"])
            messages.success(
                request, _("%(user)s now has a role in this study.") % {"user": user.get_username()}
            )
    return redirect(reverse("console:settings", args=[slug]) + "#team")


@login_required
@require_POST
def role_remove(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    access = study_access(request, slug, change=True)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is not None:
        try:
            role_revoke(study=access.study, user=user)
        except ConsoleError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The role is removed."))
    return redirect(reverse("console:settings", args=[slug]) + "#team")
