"""A study whose every name, label, comment and reason is hostile: script and formula payloads.

Used by the page, export and browser tests: each place that shows the study's text must show
these payloads as text, never as markup, and no spreadsheet cell may start a formula.
"""

from typing import Any

from scoring.recompute import round_recompute
from surveys.bundles import bundle_import
from surveys.models import Invitation, Round, Study
from surveys.questionnaire import draft_save_many, submission_submit
from surveys.services import invitation_link

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
PAYLOADS = (SCRIPT, IMG)
# What a payload must never be once on a page: markup the browser would run.
RAW_MARKUP = ("<script>alert(1)", "<img src=x onerror")
# A spreadsheet takes a cell starting with one of these for a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SLUG = "hostile"


def hostile_bundle() -> dict[str, Any]:
    """Two rounds (1 closed with answers, 2 open); hostile text in every free-text place."""
    leaf_measures = ["familiarity", "importance", "maturity", "regional_advantage"]
    return {
        "format": "delphi-bundle/1",
        "study": {
            "slug": SLUG,
            "title": {"en": f"Study {SCRIPT}", "zh-hans": f"研究 {IMG}"},
            "region": f"Region {IMG}",
            "base_year": 2024,
            "horizon": [2024, 2034],
            "settings": {},
        },
        "framework": [
            {
                "code": "T",
                "name": {"en": f"Technology {SCRIPT}", "zh-hans": f"技术 {IMG}"},
                "measures": leaf_measures,
                "children": [
                    {"code": "T.1", "name": {"en": f"Field {IMG}", "zh-hans": f"领域 {SCRIPT}"}},
                    {"code": "T.2", "name": f'=HYPERLINK("http://example.invalid","x") {SCRIPT}'},
                ],
            },
            {
                "code": "P",
                "name": f"@SUM(1+1) {IMG}",
                "measures": ["familiarity", "importance", "stages"],
                "children": [{"code": "P.1", "name": f"+Product {SCRIPT}"}],
            },
            {"code": "E", "name": f"-Environment {IMG}", "measures": ["comment"]},
        ],
        "experts": [
            {
                "id": "A",
                "name": f"Ada {SCRIPT}",
                "email": "ada@example.org",
                "affiliation": f"=Lab {IMG}",
                "language": "en",
            },
            {"id": "B", "name": f"+Bo {IMG}", "email": "bo@example.org", "language": "zh-hans"},
            {"id": "C", "name": f"@Cy {SCRIPT}", "language": "en"},
        ],
        "milestones": [
            {"node": "E", "year": 2026, "label": {"en": f"Law {SCRIPT}", "zh-hans": f"法规 {IMG}"}},
            {"node": "T.1", "year": 2029, "label": f"=Chip {IMG}"},
        ],
        "rounds": [
            {
                "number": 1,
                "status": "closed",
                "responses": [
                    *answers("A", "T.1", 4, 5, "short", "yes"),
                    *answers("B", "T.1", 3, 2, "medium", "no"),
                    *answers("C", "T.1", 5, 4, "short", "yes"),
                    *answers("A", "T.2", 2, 3, "long", "unsure"),
                    *answers("B", "T.2", 4, 4, "medium", "yes"),
                    {"expert": "A", "node": "P.1", "measure": "familiarity", "value": 3},
                    {"expert": "A", "node": "P.1", "measure": "importance", "value": 4},
                    {"expert": "A", "node": "P.1", "measure": "stages", "value": ["rd"]},
                    {"expert": "B", "node": "E", "measure": "comment", "value": f"=1+2 {SCRIPT}"},
                    {"expert": "C", "node": "E", "measure": "comment", "value": f"@cmd {IMG}"},
                ],
            },
            {"number": 2, "status": "open", "responses": []},
        ],
    }


def answers(
    expert: str, node: str, familiarity: int, importance: int, maturity: str, advantage: str
):
    return [
        {"expert": expert, "node": node, "measure": "familiarity", "value": familiarity},
        {"expert": expert, "node": node, "measure": "importance", "value": importance},
        {"expert": expert, "node": node, "measure": "maturity", "value": maturity},
        {"expert": expert, "node": node, "measure": "regional_advantage", "value": advantage},
    ]


def hostile_study() -> Study:
    """Import the bundle; in round 2 expert A answers with a hostile comment and reasons and
    submits, and B keeps a draft; both rounds are scored."""
    study = bundle_import(data=hostile_bundle())
    round_2 = study.rounds.get(number=2)
    ada = study.panelists.get(external_id="A")
    draft_save_many(
        round_=round_2,
        panelist=ada,
        answers=[
            {"node": "T.1", "measure": "familiarity", "value": 5},
            {"node": "T.1", "measure": "importance", "value": 1, "reason": f"-1 {IMG}"},
            {"node": "T.1", "measure": "maturity", "value": "long", "reason": f"=2+3 {SCRIPT}"},
            {"node": "T.1", "measure": "regional_advantage", "value": "no"},
            {"node": "E", "measure": "comment", "value": f"+Rules {SCRIPT} {IMG}"},
        ],
    )
    submission_submit(round_=round_2, panelist=ada)
    draft_save_many(
        round_=round_2,
        panelist=study.panelists.get(external_id="B"),
        answers=[{"node": "E", "measure": "comment", "value": f"Draft {IMG}"}],
    )
    for round_ in study.rounds.exclude(status=Round.Status.DRAFT):
        round_recompute(round_id=round_.pk)
    return study


def questionnaire_path(study: Study, expert: str, number: int = 2) -> str:
    invitation = Invitation.objects.get(
        round__study=study, round__number=number, panelist__external_id=expert
    )
    return invitation_link(invitation=invitation)


def looks_like_formula(cell: str) -> bool:
    """A text cell a spreadsheet would evaluate: a formula start, and not a plain number."""
    if not cell.startswith(FORMULA_STARTS):
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False
