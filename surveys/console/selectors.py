"""Reads of the analyst console: panel states, response rates, comments (design.md: selectors)."""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q

from scoring import method

from ..framework import framework_load
from ..i18n import localized
from ..models import Answer, Invitation, Panelist, Round, Study, Submission
from ..permissions import role_of, studies_visible_to

# The states of a panelist in a round, in the order they are reached.
INVITED, OPENED, DRAFT, SUBMITTED = "invited", "opened", "draft", "submitted"
STATES = (INVITED, OPENED, DRAFT, SUBMITTED)


def identities_visible(*, role: str | None, study: Study) -> bool:
    """Administrators see names; analysts only where the study shows identities (privacy)."""
    return role == "admin" or (role == "analyst" and study.show_identities)


@dataclass
class PanelRow:
    panelist: Panelist
    invitation: Invitation | None
    state: str | None  # None: not invited to this round (a draft round)
    answered: int = 0  # draft answers saved so far

    @property
    def has_email(self) -> bool:
        return bool(self.panelist.email)


@dataclass
class Progress:
    invited: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))

    @property
    def submitted(self) -> int:
        return self.counts[SUBMITTED]

    @property
    def rate(self) -> float | None:
        return self.submitted / self.invited if self.invited else None

    @property
    def percent(self) -> int:
        return round(100 * (self.rate or 0))

    def to_json(self) -> dict[str, Any]:
        return {
            "invited": self.invited,
            "counts": self.counts,
            "submitted": self.submitted,
            "rate": self.rate,
            "percent": self.percent,
        }


def panel_rows(*, round_: Round) -> list[PanelRow]:
    """Every panelist of the study with their state in the round, in pseudonym order."""
    invitations = {
        inv.panelist_id: inv
        for inv in Invitation.objects.filter(round=round_, revoked_at__isnull=True)
    }
    submissions = {
        s["panelist_id"]: s
        for s in Submission.objects.filter(round=round_)
        .values("panelist_id", "status")
        .annotate(drafts=Count("answers", filter=Q(answers__draft=True)))
    }
    rows = []
    for panelist in Panelist.objects.filter(study_id=round_.study_id).order_by("pseudonym"):
        invitation = invitations.get(panelist.pk)
        submission = submissions.get(panelist.pk)
        state: str | None = None
        if submission and submission["status"] == Submission.Status.SUBMITTED:
            state = SUBMITTED
        elif submission and submission["drafts"]:
            state = DRAFT
        elif invitation is not None and invitation.opened_at is not None:
            state = OPENED
        elif invitation is not None:
            state = INVITED
        rows.append(
            PanelRow(
                panelist=panelist,
                invitation=invitation,
                state=state,
                answered=submission["drafts"] if submission else 0,
            )
        )
    return rows


def round_progress(*, round_: Round, rows: list[PanelRow] | None = None) -> Progress:
    rows = panel_rows(round_=round_) if rows is None else rows
    progress = Progress()
    for row in rows:
        if row.invitation is not None or row.state == SUBMITTED:
            progress.invited += 1
        if row.state is not None:
            progress.counts[row.state] += 1
    return progress


def current_round(*, study: Study) -> Round | None:
    """The open round, else the latest one."""
    return (
        study.rounds.filter(status=Round.Status.OPEN).first()
        or study.rounds.order_by("-number").first()
    )


@dataclass
class StudyCard:
    study: Study
    role: str | None
    round: Round | None
    progress: Progress | None
    panel_size: int


def study_cards(*, user: User | AnonymousUser) -> list[StudyCard]:
    cards = []
    studies = studies_visible_to(user).annotate(panel_size=Count("panelists", distinct=True))
    for study in studies.order_by("slug"):
        round_ = current_round(study=study)
        cards.append(
            StudyCard(
                study=study,
                role=role_of(user, study),
                round=round_,
                progress=round_progress(round_=round_)
                if round_ and round_.status != Round.Status.DRAFT
                else None,
                panel_size=study.panel_size,  # type: ignore[attr-defined]
            )
        )
    return cards


@dataclass
class Remark:
    who: str
    kind: str  # "comment" or "reason"
    measure: str
    text: str
    value: Any = None

    @property
    def measures(self) -> tuple[str, ...]:
        return (self.measure,)


@dataclass
class NodeRemarks:
    code: str
    name: Any
    remarks: list[Remark]

    def display_name(self) -> str:
        return localized(self.name)


def remarks(*, round_: Round, identities: bool) -> list[NodeRemarks]:
    """Submitted comments and revision reasons of the round, by leaf in tree order.

    Experts are shown by pseudonym unless `identities` (the reader may see names).
    """
    framework = framework_load(study=round_.study)
    answers = (
        Answer.objects.filter(submission__round=round_, draft=False)
        .filter(Q(measure=method.COMMENT) | ~Q(reason=""))
        .order_by("submission__panelist__pseudonym", "measure")
        .values_list(
            "node_id",
            "measure",
            "value",
            "reason",
            "submission__panelist__pseudonym",
            "submission__panelist__name",
        )
    )
    by_node: dict[int, list[Remark]] = {}
    for node_id, measure_code, value, reason, pseudonym, name in answers:
        who = f"{pseudonym} · {name}" if identities and name else pseudonym
        measure = method.MEASURES[measure_code]
        if measure == "comment":
            text = str(value or "").strip()
            if text:
                by_node.setdefault(node_id, []).append(Remark(who, "comment", measure, text))
        if reason.strip():
            by_node.setdefault(node_id, []).append(
                Remark(who, "reason", measure, reason.strip(), value)
            )
    return [
        NodeRemarks(node.code, node.name, by_node[node.pk])
        for node in framework.nodes
        if node.pk in by_node
    ]
