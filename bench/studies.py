"""Questionnaire studies for the benchmarks and the query-count tests.

A study of `fields` fields (tests.roadmaps.builders.large_bundle: technology and product layers,
an environment layer) whose round 1 is closed and scored, so that round 2 shows the group's
results beside each question, and whose round 2 is open with an invitation for every expert.
Round 1 is answered by the first `answering` experts; every other expert's drafts are copied from
the first one's, so that each has a complete questionnaire to save and submit.
"""

from typing import Any

ROUND1_EXPERTS = 10


def questionnaire_bundle(*, fields: int, experts: int, slug: str, answering: int) -> dict[str, Any]:
    from tests.roadmaps.builders import large_bundle

    bundle = large_bundle(fields=fields, experts=answering, slug=slug)
    bundle["experts"] = [{"id": f"X{e:02d}", "name": f"Expert {e}"} for e in range(experts)]
    bundle["rounds"] = [
        {**bundle["rounds"][0], "status": "closed"},
        {"number": 2, "status": "open", "responses": []},
    ]
    return bundle


def questionnaire_study_build(
    *, fields: int, experts: int, slug: str, answering: int = ROUND1_EXPERTS
) -> Any:
    """Build the study (replacing one of that slug) and return it with every draft filled."""
    from django.db import connection

    from scoring.recompute import round_recompute
    from surveys.bundles import bundle_import
    from surveys.models import Round, Study, Submission
    from surveys.questionnaire import drafts_prefill

    Study.objects.filter(slug=slug).delete()
    answering = min(answering, experts)
    study = bundle_import(
        data=questionnaire_bundle(fields=fields, experts=experts, slug=slug, answering=answering)
    )
    round1 = study.rounds.get(number=1)
    round_recompute(round_id=round1.pk)
    round2 = study.rounds.get(number=2)
    assert round2.status == Round.Status.OPEN
    panelists = list(study.panelists.order_by("pseudonym", "pk"))
    first = panelists[0]
    drafts_prefill(round_=round2, panelist=first)
    template = Submission.objects.get(round=round2, panelist=first)
    Submission.objects.bulk_create(
        [Submission(round=round2, panelist=p) for p in panelists[1:]], ignore_conflicts=True
    )
    # Everyone else's working copy is the first expert's, copied in one statement.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO surveys_answer (submission_id, node_id, measure, draft, value, code, reason)
            SELECT s.id, a.node_id, a.measure, true, a.value, a.code, a.reason
            FROM surveys_submission s CROSS JOIN surveys_answer a
            WHERE s.round_id = %s AND s.id <> %s AND a.submission_id = %s AND a.draft
            """,
            [round2.pk, template.pk, template.pk],
        )
    return study


def invitation_tokens(*, study: Any) -> list[str]:
    """The personal questionnaire tokens of the open round, in panel order."""
    from surveys.models import Invitation
    from surveys.tokens import token_for

    invitations = Invitation.objects.filter(round__study=study, round__status="open").order_by(
        "panelist__pseudonym", "panelist_id"
    )
    return [token_for(i.token_salt) for i in invitations]


def first_answer(*, study: Any) -> tuple[str, str, Any]:
    """A question every expert has answered in draft: (leaf code, measure, a valid value)."""
    from surveys.models import Answer

    answer = (
        Answer.objects.filter(submission__round__study=study, draft=True, measure=1)
        .select_related("node")
        .order_by("node__code")
        .first()
    )
    assert answer is not None, "the study has no importance draft"
    return answer.node.code, "importance", answer.value
