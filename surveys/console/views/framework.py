"""Building a study's framework tree in the browser, or from an XLSX template or a bundle."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ...framework import framework_load
from ...models import Node
from .. import services
from ..access import Access, study_access
from ..forms import MeasuresForm, NodeForm, UploadForm, measure_labels
from ..framework_files import framework_template, parse_framework_bundle, parse_framework_xlsx
from ..services import ConsoleError
from .common import XLSX, download, render_study

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


@dataclass
class TreeRow:
    node: Node
    depth: int
    is_leaf: bool
    measures: tuple[str, ...]  # effective
    inherited: bool
    locked: bool  # answers exist on it or below it
    first: bool
    last: bool


def tree_rows(access: Access) -> list[TreeRow]:
    framework = framework_load(study=access.study)
    answered = services.answered_node_ids(study=access.study)
    rows: list[TreeRow] = []

    def walk(parent: int | None, depth: int) -> bool:
        locked_any = False
        siblings = framework.children.get(parent, [])
        for index, node in enumerate(siblings):
            row = TreeRow(
                node=node,
                depth=depth,
                is_leaf=node.pk not in framework.children,
                measures=framework.measures_of(node),
                inherited=node.measures is None,
                locked=node.pk in answered,
                first=index == 0,
                last=index == len(siblings) - 1,
            )
            rows.append(row)
            if walk(node.pk, depth + 1):
                row.locked = True
            locked_any = locked_any or row.locked
        return locked_any

    walk(None, 0)
    return rows


def _back(slug: str, node: Node | None = None) -> HttpResponse:
    url = reverse("console:framework", args=[slug])
    return redirect(f"{url}#node-{node.pk}" if node is not None else url)


@login_required
def framework(request: HttpRequest, slug: str) -> HttpResponse:
    access = study_access(request, slug)
    rows = tree_rows(access)
    return render_study(
        request,
        "console/framework.html",
        access,
        "framework",
        {
            "rows": rows,
            "labels": measure_labels(),
            "add_form": NodeForm(),
            "parents": [row for row in rows if not (row.is_leaf and row.locked)],
            "upload": UploadForm(),
            "any_locked": any(row.locked for row in rows),
        },
    )


def _node(access: Access, node_id: int) -> Node:
    return get_object_or_404(Node, pk=node_id, study=access.study)


@login_required
@require_POST
def node_add(request: HttpRequest, slug: str) -> HttpResponse:
    access = study_access(request, slug, change=True)
    form = NodeForm(request.POST)
    parent_id = request.POST.get("parent") or None
    parent = _node(access, int(parent_id)) if parent_id and parent_id.isdigit() else None
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return _back(slug)
    try:
        node = services.node_add(
            study=access.study,
            parent=parent,
            code=form.cleaned_data["code"],
            name=form.names(),
            # A new layer asks nothing until its questions are set; a child inherits.
            measures=[] if parent is None else None,
        )
    except ConsoleError as exc:
        messages.error(request, str(exc))
        return _back(slug)
    messages.success(request, _("%(code)s is added.") % {"code": node.code})
    return _back(slug, node)


@login_required
def node_edit(request: HttpRequest, slug: str, node_id: int) -> HttpResponse:
    access = study_access(request, slug)
    node = _node(access, node_id)
    rows = tree_rows(access)
    row = next(r for r in rows if r.node.pk == node.pk)
    name = node.name if isinstance(node.name, dict) else {"en": node.name}
    form = NodeForm(
        initial={
            "code": node.code,
            "name_en": name.get("en", ""),
            "name_zh": name.get("zh-hans", ""),
        }
    )
    if request.method == "POST":
        access = study_access(request, slug, change=True)
        form = NodeForm(request.POST)
        if form.is_valid():
            try:
                services.node_rename(node=node, code=form.cleaned_data["code"], name=form.names())
            except ConsoleError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("%(code)s is saved.") % {"code": node.code})
                return _back(slug, node)
    subtree = _subtree_pks(rows, node)
    return render_study(
        request,
        "console/node_edit.html",
        access,
        "framework",
        {
            "node": node,
            "row": row,
            "form": form,
            "measures_form": MeasuresForm(
                initial={"inherit": node.measures is None, "measures": list(row.measures)}
            ),
            "parents": [r for r in rows if r.node.pk not in subtree],
            "labels": measure_labels(),
        },
    )


def _subtree_pks(rows: list[TreeRow], node: Node) -> set[int]:
    found, inside, depth = set(), False, 0
    for row in rows:
        if row.node.pk == node.pk:
            inside, depth = True, row.depth
            found.add(row.node.pk)
        elif inside and row.depth > depth:
            found.add(row.node.pk)
        elif inside:
            break
    return found


@login_required
@require_POST
def node_measures(request: HttpRequest, slug: str, node_id: int) -> HttpResponse:
    access = study_access(request, slug, change=True)
    node = _node(access, node_id)
    form = MeasuresForm(request.POST)
    if form.is_valid():
        try:
            services.node_set_measures(node=node, measures=form.selected())
        except ConsoleError as exc:
            messages.error(request, str(exc))
            return redirect("console:node_edit", slug=slug, node_id=node.pk)
        messages.success(request, _("The questions of %(code)s are saved.") % {"code": node.code})
    return _back(slug, node)


@login_required
@require_POST
def node_move(request: HttpRequest, slug: str, node_id: int) -> HttpResponse:
    access = study_access(request, slug, change=True)
    node = _node(access, node_id)
    direction = request.POST.get("direction")
    try:
        if direction in ("up", "down"):
            services.node_shift(node=node, step=-1 if direction == "up" else 1)
        else:
            parent_id = request.POST.get("parent") or ""
            parent = _node(access, int(parent_id)) if parent_id.isdigit() else None
            services.node_move(node=node, parent=parent, index=10**6)
            messages.success(request, _("%(code)s is moved.") % {"code": node.code})
    except ConsoleError as exc:
        messages.error(request, str(exc))
    return _back(slug, node)


@login_required
@require_POST
def node_delete(request: HttpRequest, slug: str, node_id: int) -> HttpResponse:
    access = study_access(request, slug, change=True)
    node = _node(access, node_id)
    try:
        services.node_delete(node=node)
    except ConsoleError as exc:
        messages.error(request, str(exc))
        return _back(slug, node)
    messages.success(
        request, _("%(code)s is deleted, with the nodes below it.") % {"code": node.code}
    )
    return _back(slug)


@login_required
def template_download(request: HttpRequest, slug: str) -> HttpResponse:
    access = study_access(request, slug)
    return download(
        framework_template(study=access.study), f"{access.study.slug}-framework.xlsx", XLSX
    )


@login_required
@require_POST
def framework_upload(request: HttpRequest, slug: str) -> HttpResponse:
    access = study_access(request, slug, change=True)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return _back(slug)
    file = form.cleaned_data["file"]
    name = file.name.lower()
    try:
        if file.size > MAX_UPLOAD_BYTES:
            raise ConsoleError(_("The file is larger than 10 MB."))
        content: Any = file.read()
        if name.endswith(".xlsx"):
            rows = parse_framework_xlsx(content)
        elif name.endswith(".json"):
            rows = parse_framework_bundle(content, study=access.study)
        else:
            raise ConsoleError(_("Upload the XLSX template or a bundle (.json)."))
        nodes = services.framework_replace(study=access.study, rows=rows)
    except ConsoleError as exc:
        messages.error(request, _("Nothing was changed. %(problem)s") % {"problem": str(exc)})
        return _back(slug)
    messages.success(
        request, _("The framework is replaced: %(count)s nodes.") % {"count": len(nodes)}
    )
    return _back(slug)
