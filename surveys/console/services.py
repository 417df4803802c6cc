"""Writes the analyst console makes: studies, the framework tree, the panel, rounds.

Every function is keyword-only and runs in one transaction (design.md: services). A refused
change raises `ConsoleError` with a message written for the analyst, and nothing is written.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from scoring import method

from ..framework import framework_changed
from ..models import Answer, Milestone, Node, Panelist, Round, Study, StudyRole
from ..round_gate import round_gate_exclusive
from ..services import invitations_create, pseudonym_for

if TYPE_CHECKING:
    from .panel_import import PreviewRow


class ConsoleError(ValueError):
    """A change the console refuses; the message says why, in the analyst's language."""


# ---------------------------------------------------------------------------------------------
# Studies
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudyData:
    title: dict[str, str]
    region: str
    base_year: int
    horizon_start: int
    horizon_end: int
    settings: dict[str, Any]


def settings_clean(raw: dict[str, Any]) -> dict[str, Any]:
    """The settings that differ from method.md's defaults (a missing key takes the default)."""
    try:
        given = method.MethodSettings.from_dict(raw).to_dict()
    except (TypeError, ValueError) as exc:
        raise ConsoleError(str(exc)) from exc
    defaults = method.MethodSettings().to_dict()
    return {key: value for key, value in given.items() if value != defaults[key]}


def study_create(*, slug: str, data: StudyData, user: User) -> Study:
    """A new study; its creator becomes its analyst."""
    with transaction.atomic():
        if Study.objects.filter(slug=slug).exists():
            raise ConsoleError(
                _("A study with the identifier %(slug)s exists already.") % {"slug": slug}
            )
        study = Study.objects.create(
            slug=slug,
            title=data.title,
            region=data.region,
            base_year=data.base_year,
            horizon_start=data.horizon_start,
            horizon_end=data.horizon_end,
            settings=settings_clean(data.settings),
        )
        if not getattr(user, "is_superuser", False):
            StudyRole.objects.create(user=user, study=study, role=StudyRole.Role.ANALYST)
    return study


def _answered(study: Study) -> bool:
    return Answer.objects.filter(submission__round__study=study).exists()


def study_update(
    *,
    study: Study,
    data: StudyData,
    version: datetime | None,
    show_identities: bool | None = None,
) -> Study:
    """Save the study's settings unless someone saved them since `version` was read.

    `version` is the `updated_at` the form was rendered with: a stale form is refused rather than
    silently overwriting a colleague's change.
    """
    from scoring.services import recompute_schedule

    with transaction.atomic():
        current = Study.objects.select_for_update().get(pk=study.pk)
        if version is None or current.updated_at != version:
            raise ConsoleError(
                _(
                    "Someone else saved this study's settings after you opened the form. Nothing "
                    "was saved: reload the page to see their changes, then make yours again."
                )
            )
        new_settings = settings_clean(data.settings)
        old = current.method_settings
        new = method.MethodSettings.from_dict(new_settings)
        if _answered(current):
            # Answers were checked against the scale they were given on; a new scale would make
            # them out of range.
            if new.importance_scale != old.importance_scale:
                raise ConsoleError(_("The importance scale cannot change once answers exist."))
            if old.allow_dont_know and not new.allow_dont_know:
                dont_know = Answer.objects.filter(
                    submission__round__study=current,
                    measure=method.IMPORTANCE,
                    code=method.DONT_KNOW,
                ).exists()
                if dont_know:
                    raise ConsoleError(
                        _(
                            "“Cannot evaluate” cannot be turned off: some experts have "
                            "given that answer."
                        )
                    )
        current.title = data.title
        current.region = data.region
        current.base_year = data.base_year
        current.horizon_start = data.horizon_start
        current.horizon_end = data.horizon_end
        current.settings = new_settings
        if show_identities is not None:
            current.show_identities = show_identities
        current.save()
        # Thresholds and the base year shape every result: recompute the rounds with answers.
        if new != old or data.base_year != study.base_year:
            for round_id in current.rounds.exclude(status=Round.Status.DRAFT).values_list(
                "pk", flat=True
            ):
                recompute_schedule(round_id=round_id)
    return current


def role_grant(*, study: Study, user: User, role: str) -> StudyRole:
    if role not in StudyRole.Role.values:
        raise ConsoleError(_("Unknown role."))
    with transaction.atomic():
        grant, _created = StudyRole.objects.update_or_create(
            user=user, study=study, defaults={"role": role}
        )
    return grant


def role_revoke(*, study: Study, user: User) -> None:
    with transaction.atomic():
        roles = StudyRole.objects.select_for_update().filter(study=study)
        analysts = [r for r in roles if r.role == StudyRole.Role.ANALYST]
        if len(analysts) == 1 and analysts[0].user_id == user.pk:
            raise ConsoleError(_("A study keeps at least one analyst."))
        roles.filter(user=user).delete()


# ---------------------------------------------------------------------------------------------
# The framework tree
# ---------------------------------------------------------------------------------------------


def answered_node_ids(*, study: Study) -> set[int]:
    """Nodes with any answer (draft or submitted) in any round of the study."""
    return set(
        Answer.objects.filter(node__study=study).values_list("node_id", flat=True).distinct()
    )


def _subtree(node: Node) -> list[Node]:
    nodes = list(Node.objects.filter(study_id=node.study_id))
    children: dict[int | None, list[Node]] = {}
    for item in nodes:
        children.setdefault(item.parent_id, []).append(item)
    found, stack = [], [node.pk]
    while stack:
        pk = stack.pop()
        found.append(pk)
        stack.extend(child.pk for child in children.get(pk, []))
    by_pk = {item.pk: item for item in nodes}
    return [by_pk[pk] for pk in found]


def _refuse_if_answered(node: Node, what: str) -> None:
    # Answers are stored against leaves; a change to a node changes what its leaves' answers meant.
    subtree = _subtree(node)
    answered = Answer.objects.filter(node__in=[n.pk for n in subtree]).exists()
    if answered:
        raise ConsoleError(
            _(
                "%(what)s refused: experts have already answered questions on %(code)s "
                "(or below it), and the change would alter what those answers mean."
            )
            % {"what": what, "code": node.code}
        )


def _refuse_if_leaf_answered(node: Node, what: str) -> None:
    """A node that gets children stops being a leaf: refused if it holds answers itself."""
    if Answer.objects.filter(node=node).exists():
        raise ConsoleError(
            _(
                "%(what)s refused: experts have already answered questions on %(code)s, "
                "which would no longer be a leaf where questions are asked."
            )
            % {"what": what, "code": node.code}
        )


def _locked_study(study: Study) -> Study:
    # One framework edit at a time per study: positions and codes are read then written. The
    # open round's gate is held too, as closing it does (surveys.round_gate): an answer cannot
    # land between the "no answers here" check and the edit.
    locked = Study.objects.select_for_update().get(pk=study.pk)
    open_rounds = Round.objects.filter(study=locked, status=Round.Status.OPEN)
    round_gate_exclusive(open_rounds.values_list("pk", flat=True))
    return locked


def _locked_framework(study: Study) -> Study:
    """`_locked_study` for an edit of the tree, which also retires the cached trees."""
    locked = _locked_study(study)
    framework_changed(locked)
    return locked


def _check_code(study: Study, code: str, *, exclude: int | None = None) -> str:
    code = code.strip()
    if not code or len(code) > 60:
        raise ConsoleError(_("A code is 1 to 60 characters long."))
    if any(ch.isspace() for ch in code):
        raise ConsoleError(_("A code has no spaces."))
    clash = Node.objects.filter(study=study, code=code)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ConsoleError(_("The code %(code)s is used already in this study.") % {"code": code})
    return code


def _check_measures(measures: Sequence[str] | None) -> list[str] | None:
    if measures is None:
        return None
    unknown = [m for m in measures if m not in method.MEASURES]
    if unknown:
        raise ConsoleError(_("Unknown question: %(name)s.") % {"name": unknown[0]})
    # Keep the method's order so that the questionnaire asks familiarity first.
    return [m for m in method.MEASURES if m in set(measures)]


def _name(names: dict[str, str] | str) -> dict[str, str] | str:
    """A name in languages; a plain string (as bundles allow) is kept as it is."""
    if isinstance(names, str):
        if not names.strip():
            raise ConsoleError(_("Give the node a name in at least one language."))
        return _name({"en": names})["en"]  # type: ignore[index]
    clean = {lang: text.strip() for lang, text in names.items() if text and text.strip()}
    if not clean:
        raise ConsoleError(_("Give the node a name in at least one language."))
    if any(len(text) > 500 for text in clean.values()):
        raise ConsoleError(_("A name is at most 500 characters long."))
    return clean


def node_add(
    *,
    study: Study,
    parent: Node | None,
    code: str,
    name: dict[str, str] | str,
    measures: Sequence[str] | None = None,
) -> Node:
    with transaction.atomic():
        _locked_framework(study)
        if parent is not None:
            if parent.study_id != study.pk:
                raise ConsoleError(_("That node belongs to another study."))
            # The parent stops being a leaf: its answers would stand on a non-leaf.
            _refuse_if_leaf_answered(
                parent, _("Adding a node under %(code)s") % {"code": parent.code}
            )
        last = Node.objects.filter(study=study).aggregate(m=Max("position"))["m"]
        node = Node.objects.create(
            study=study,
            parent=parent,
            code=_check_code(study, code),
            name=_name(name),
            position=0 if last is None else last + 1,  # the last of its siblings
            measures=_check_measures(measures),
        )
        _tree_ordered(study)
    node.refresh_from_db()
    return node


def node_rename(*, node: Node, code: str, name: dict[str, str]) -> Node:
    with transaction.atomic():
        _locked_framework(node.study)
        _refuse_if_answered(node, _("Renaming %(code)s") % {"code": node.code})
        node.code = _check_code(node.study, code, exclude=node.pk)
        node.name = _name(name)
        node.save(update_fields=["code", "name"])
    return node


def node_set_measures(*, node: Node, measures: Sequence[str] | None) -> Node:
    """Set the questions asked at the node's leaves; None inherits its parent's."""
    with transaction.atomic():
        _locked_framework(node.study)
        _refuse_if_answered(node, _("Changing the questions of %(code)s") % {"code": node.code})
        node.measures = _check_measures(measures)
        node.save(update_fields=["measures"])
    return node


def _tree_ordered(study: Study) -> None:
    """Positions follow tree order (parents before children), as the bundle exporter expects."""
    nodes = list(Node.objects.filter(study=study).order_by("position", "pk"))
    children: dict[int | None, list[Node]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    ordered: list[Node] = []

    def walk(parent_id: int | None) -> None:
        for child in children.get(parent_id, []):
            ordered.append(child)
            walk(child.pk)

    walk(None)
    for index, node in enumerate(ordered):
        if node.position != index:
            Node.objects.filter(pk=node.pk).update(position=index)


def node_move(*, node: Node, parent: Node | None, index: int) -> Node:
    """Place the node as child number `index` of `parent` (None: a top-level node)."""
    with transaction.atomic():
        study = _locked_framework(node.study)
        node = Node.objects.get(pk=node.pk)
        _refuse_if_answered(node, _("Moving %(code)s") % {"code": node.code})
        if parent is not None:
            if parent.study_id != study.pk:
                raise ConsoleError(_("That node belongs to another study."))
            if parent.pk in {n.pk for n in _subtree(node)}:
                raise ConsoleError(_("A node cannot move under itself or its own descendants."))
            if parent.pk != node.parent_id:
                _refuse_if_leaf_answered(
                    parent, _("Moving a node under %(code)s") % {"code": parent.code}
                )
        siblings = [
            n
            for n in _siblings_in_tree_order(study, parent.pk if parent is not None else None)
            if n.pk != node.pk
        ]
        index = max(0, min(index, len(siblings)))
        node.parent = parent
        node.save(update_fields=["parent"])
        siblings.insert(index, node)
        # Siblings are laid out in tree order, so give them the slots of the old order first.
        _place_siblings(study, siblings)
    return node


def _siblings_in_tree_order(study: Study, parent_id: int | None) -> list[Node]:
    return list(Node.objects.filter(study=study, parent_id=parent_id).order_by("position", "pk"))


def _place_siblings(study: Study, siblings: list[Node]) -> None:
    # Give the siblings increasing positions in the wanted order, then renumber the whole tree.
    base = (Node.objects.filter(study=study).aggregate(m=Max("position"))["m"] or 0) + 1
    for offset, sibling in enumerate(siblings):
        Node.objects.filter(pk=sibling.pk).update(position=base + offset)
    _tree_ordered(study)


def node_shift(*, node: Node, step: int) -> Node:
    """Move the node up (-1) or down (+1) among its siblings."""
    siblings = _siblings_in_tree_order(node.study, node.parent_id)
    index = next(i for i, s in enumerate(siblings) if s.pk == node.pk)
    return node_move(node=node, parent=node.parent, index=index + step)


def node_delete(*, node: Node) -> None:
    with transaction.atomic():
        _locked_framework(node.study)
        _refuse_if_answered(node, _("Deleting %(code)s") % {"code": node.code})
        codes = [n.pk for n in _subtree(node)]
        if Milestone.objects.filter(node_id__in=codes).exists():
            raise ConsoleError(
                _("Deleting %(code)s refused: roadmap milestones are attached to it.")
                % {"code": node.code}
            )
        node.delete()
        _tree_ordered(node.study)


@dataclass(frozen=True)
class NodeRow:
    """One node of a framework given whole (an XLSX template or a bundle), in tree order."""

    code: str
    parent: str | None
    name: Any
    measures: list[str] | None


def framework_replace(*, study: Study, rows: Sequence[NodeRow]) -> list[Node]:
    """Replace the whole framework, all or nothing; refused once the study has answers."""
    if not rows:
        raise ConsoleError(_("The framework has no nodes."))
    with transaction.atomic():
        study = _locked_framework(study)
        if _answered(study):
            raise ConsoleError(
                _(
                    "The framework cannot be replaced: experts have already answered in this "
                    "study. Edit single nodes that have no answers instead."
                )
            )
        codes = {row.code for row in rows}
        kept = list(study.milestones.select_related("node"))
        orphans = sorted({m.node.code for m in kept} - codes)
        if orphans:
            raise ConsoleError(
                _("The new framework lacks %(codes)s, which roadmap milestones are attached to.")
                % {"codes": ", ".join(orphans)}
            )
        milestones = [(m.node.code, m.year, m.label, m.position) for m in kept]
        Milestone.objects.filter(study=study).delete()
        Node.objects.filter(study=study).delete()
        created: dict[str, Node] = {}
        for position, row in enumerate(rows):
            created[row.code] = Node.objects.create(
                study=study,
                parent=created[row.parent] if row.parent else None,
                code=row.code,
                name=row.name,
                position=position,
                measures=_check_measures(row.measures),
            )
        Milestone.objects.bulk_create(
            Milestone(study=study, node=created[code], year=year, label=label, position=position)
            for code, year, label, position in milestones
        )
    return list(created.values())


# ---------------------------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelistData:
    name: str
    email: str | None
    affiliation: str | None
    language: str | None


def _next_pseudonym_index(study: Study) -> int:
    """Pseudonyms continue the numbering (E11 after E10), even past removed panelists."""
    numbers = [
        int(p[1:])
        for p in Panelist.objects.filter(study=study).values_list("pseudonym", flat=True)
        if p[:1] == "E" and p[1:].isdigit()
    ]
    return max(numbers, default=0)


def _new_panelists(study: Study, people: Iterable[PanelistData]) -> list[Panelist]:
    start = _next_pseudonym_index(study)
    taken = set(Panelist.objects.filter(study=study).values_list("external_id", flat=True))
    panelists = []
    for offset, person in enumerate(people):
        pseudonym = pseudonym_for(start + offset)
        external_id = pseudonym
        while external_id in taken:
            external_id += "x"
        taken.add(external_id)
        panelists.append(
            Panelist(
                study=study,
                external_id=external_id,
                pseudonym=pseudonym,
                name=person.name or None,
                email=person.email or None,
                affiliation=person.affiliation or None,
                language=person.language or None,
            )
        )
    created = Panelist.objects.bulk_create(panelists)
    # Someone who joins while a round is open is invited to it at once.
    open_round = Round.objects.filter(study=study, status=Round.Status.OPEN).first()
    if open_round is not None:
        invitations_create(round_=open_round)
        _schedule_invitations(open_round)
    return created


def _schedule_invitations(round_: Round) -> None:
    from ..tasks import invitations_send

    round_id = round_.pk
    transaction.on_commit(lambda: invitations_send.delay(round_id))


def panelist_add(*, study: Study, person: PanelistData) -> Panelist:
    from .panel_import import row_problems

    with transaction.atomic():
        _locked_study(study)
        problems = row_problems(person, existing=existing_keys(study=study))
        if problems:
            raise ConsoleError(" ".join(problems))
        return _new_panelists(study, [person])[0]


def existing_keys(*, study: Study) -> dict[str, set[str]]:
    """The panel's e-mail addresses and the names of those without one (for duplicates)."""
    emails = {
        e.lower() for e in Panelist.objects.filter(study=study).values_list("email", flat=True) if e
    }
    names = {
        n.strip().lower()
        for n in Panelist.objects.filter(study=study, email__isnull=True).values_list(
            "name", flat=True
        )
        if n
    }
    return {"emails": emails, "names": names}


def panel_import(*, study: Study, people: Sequence["PanelistData | PreviewRow"]) -> list[Panelist]:
    """Save the rows of a previewed import in one transaction; rows with a problem are refused.

    The rows are checked again against the panel as it is now: someone may have added the same
    people between the preview and the confirmation. `people` are `PanelistData` or the
    `PreviewRow`s of the preview (which keep their row numbers for the messages).
    """
    from .panel_import import preview_rows

    with transaction.atomic():
        _locked_study(study)
        rows = preview_rows(people, existing=existing_keys(study=study))
        bad = [row for row in rows if row.problems]
        if bad:
            raise ConsoleError(
                _("Row %(row)s: %(problem)s")
                % {"row": bad[0].number, "problem": bad[0].problems[0]}
            )
        return _new_panelists(study, [row.person() for row in rows])


def panelist_remove(*, panelist: Panelist) -> None:
    with transaction.atomic():
        if panelist.submissions.exists():
            raise ConsoleError(
                _("%(pseudonym)s has answered in a round and stays in the panel.")
                % {"pseudonym": panelist.pseudonym}
            )
        panelist.delete()


# ---------------------------------------------------------------------------------------------
# Rounds
# ---------------------------------------------------------------------------------------------


def round_create(*, study: Study) -> Round:
    """The next round, as a draft."""
    with transaction.atomic():
        _locked_study(study)
        if study.rounds.filter(status=Round.Status.DRAFT).exists():
            raise ConsoleError(_("There is a draft round already: open it or use it."))
        last = study.rounds.aggregate(m=Max("number"))["m"] or 0
        return Round.objects.create(study=study, number=last + 1, status=Round.Status.DRAFT)


def round_start(*, round_: Round) -> Round:
    """Open a draft round and queue its invitation e-mails (console checks, then round_open)."""
    from ..framework import framework_load
    from ..services import RoundStateError, round_open

    with transaction.atomic():
        _locked_study(round_.study)
        round_ = Round.objects.select_for_update().get(pk=round_.pk)
        if round_.status != Round.Status.DRAFT:
            raise ConsoleError(_("Only a draft round can be opened."))
        other = round_.study.rounds.filter(status=Round.Status.OPEN).first()
        if other is not None:
            raise ConsoleError(
                _("Round %(number)s is open: close it before opening another.")
                % {"number": other.number}
            )
        if not framework_load(study=round_.study).leaves:
            raise ConsoleError(_("The framework has no questions yet."))
        if not round_.study.panelists.exists():
            raise ConsoleError(_("The panel is empty: add panelists first."))
        try:
            with transaction.atomic():
                round_open(round_=round_)
        except (IntegrityError, RoundStateError) as exc:  # a race with another opening
            raise ConsoleError(_("Another round was opened meanwhile.")) from exc
        _schedule_invitations(round_)
    round_.refresh_from_db()
    return round_


def round_finish(*, round_: Round) -> Round:
    """Close an open round: later answers are refused; the results are recomputed."""
    from ..services import RoundStateError, round_close

    try:
        round_close(round_=round_)  # locks the round and checks that it is open
    except RoundStateError as exc:
        raise ConsoleError(_("Only an open round can be closed.")) from exc
    round_.refresh_from_db()
    return round_


def reminders_schedule(*, round_: Round) -> None:
    """Queue reminder e-mails to the round's panelists who have not submitted."""
    from ..tasks import REMINDER_ON_DEMAND_INTERVAL, reminders_send

    if round_.status != Round.Status.OPEN:
        raise ConsoleError(_("Reminders go out only while a round is open."))
    round_id = round_.pk
    transaction.on_commit(
        lambda: reminders_send.delay(round_id, min_interval=REMINDER_ON_DEMAND_INTERVAL)
    )
