"""Studies for the questionnaire tests: the seed framework with a round open, and links."""

import copy
from typing import Any

from scoring.recompute import round_recompute
from surveys.bundles import bundle_import
from surveys.demo.simulate import seed_framework
from surveys.models import Invitation, Panelist, Round, Study
from surveys.services import invitation_link


def seed_bundle(
    *,
    slug: str = "seed-open",
    experts: int = 3,
    rounds: list[dict[str, Any]] | None = None,
    settings: dict[str, Any] | None = None,
    languages: list[str | None] | None = None,
) -> dict[str, Any]:
    """The seed framework (25 fields, 27 leaves) with `experts` panelists and round 1 open."""
    seed = seed_framework()
    study = copy.deepcopy(seed["study"])
    study.update(slug=slug, settings=settings or {})
    languages = languages or ["en"] * experts
    return {
        "format": "delphi-bundle/1",
        "study": study,
        "framework": seed["framework"],
        "experts": [
            {
                "id": f"X{i + 1:02d}",
                "name": f"Secret Name {i + 1:02d}",
                "email": f"secret{i + 1:02d}@example.org",
                "affiliation": f"Hidden Institute {i + 1:02d}",
                "language": languages[i],
            }
            for i in range(experts)
        ],
        "milestones": [],
        "rounds": rounds if rounds is not None else [{"number": 1, "status": "open"}],
    }


def import_study(bundle: dict[str, Any], *, snapshots: bool = True) -> Study:
    """Import a bundle; with `snapshots`, compute every round's results now (tests run inside
    a transaction, where the import's after-commit recompute never fires)."""
    study = bundle_import(data=bundle)
    if snapshots:
        for round_ in study.rounds.exclude(status=Round.Status.DRAFT):
            round_recompute(round_id=round_.pk)
    return study


def invitation_of(study: Study, expert: str, number: int | None = None) -> Invitation:
    rounds = study.rounds.all()
    round_ = rounds.get(number=number) if number else rounds.get(status=Round.Status.OPEN)
    panelist = Panelist.objects.get(study=study, external_id=expert)
    return Invitation.objects.select_related("round__study", "panelist").get(
        round=round_, panelist=panelist
    )


def link(study: Study, expert: str, number: int | None = None) -> str:
    return invitation_link(invitation=invitation_of(study, expert, number))


def full_answers(code: str, measures: tuple[str, ...]) -> list[dict[str, Any]]:
    """A complete answer to one leaf."""
    values = {
        "familiarity": 4,
        "importance": 5,
        "maturity": "short",
        "regional_advantage": "yes",
        "investment": "unsure",
        "stages": ["rd"],
        "comment": "Scenario-driven demand.",
    }
    return [{"node": code, "measure": m, "value": values[m]} for m in measures]
