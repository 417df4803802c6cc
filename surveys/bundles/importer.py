"""Writing a validated bundle: one transaction, so a failure leaves nothing behind."""

from collections.abc import Callable
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from scoring import method

from ..models import Answer, Milestone, Node, PackedAnswers, Panelist, Round, Study, Submission
from ..packing import pack
from ..services import invitations_create, pseudonym_for
from .validate import BundleError, RoundSpec, ValidBundle, bundle_validate

BATCH_SIZE = 5000
Progress = Callable[[int, int], None]
MEASURE_CODE = {name: code for code, name in enumerate(method.MEASURES)}


def bundle_import(*, data: Any, replace: bool = False, progress: Progress | None = None) -> Study:
    """Import a `delphi-bundle/1` document all-or-nothing and return the new study.

    `progress(done, total)` is called as answers are written, for a terminal progress bar.
    """
    bundle = bundle_validate(data)
    slug = bundle.study["slug"]
    with transaction.atomic():
        existing = Study.objects.filter(slug=slug).select_for_update().first()
        if existing is not None:
            if not replace:
                raise BundleError("study.slug", f"a study {slug!r} already exists (use --replace)")
            existing.delete()
        study = _write(bundle, progress)
        from scoring.services import recompute_schedule

        for round_ in study.rounds.exclude(status=Round.Status.DRAFT):
            recompute_schedule(round_id=round_.pk)
    return study


def _write(bundle: ValidBundle, progress: Progress | None) -> Study:
    info = bundle.study
    study = Study.objects.create(
        slug=info["slug"],
        title=info["title"],
        region=info["region"] or "",
        base_year=info["base_year"],
        horizon_start=info["horizon"][0],
        horizon_end=info["horizon"][1],
        settings=info["settings"],
    )
    nodes: dict[str, Node] = {}
    for node in bundle.nodes:
        nodes[node.code] = Node.objects.create(
            study=study,
            parent=nodes[node.parent] if node.parent is not None else None,
            code=node.code,
            name=node.name,
            position=node.position,
            measures=node.measures,
        )
    panelists = {
        expert["id"]: Panelist(
            study=study,
            external_id=expert["id"],
            pseudonym=pseudonym_for(index),
            name=expert["name"],
            email=expert["email"],
            affiliation=expert["affiliation"],
            language=expert["language"],
        )
        for index, expert in enumerate(bundle.experts)
    }
    Panelist.objects.bulk_create(panelists.values())
    Milestone.objects.bulk_create(
        Milestone(
            study=study, node=nodes[m["node"]], year=m["year"], label=m["label"], position=index
        )
        for index, m in enumerate(bundle.milestones)
    )
    total, done = bundle.answer_count, 0
    now = timezone.now()
    for spec in bundle.rounds:
        round_ = Round.objects.create(
            study=study,
            number=spec.number,
            status=spec.status,
            opened_at=now if spec.status != Round.Status.DRAFT else None,
            closed_at=now if spec.status == Round.Status.CLOSED else None,
            answers_version=1 if spec.responses else 0,
        )
        if spec.status != Round.Status.DRAFT:
            invitations_create(round_=round_)
        responders = list(dict.fromkeys(r.expert for r in spec.responses))
        submissions = {
            expert: Submission(
                round=round_,
                panelist=panelists[expert],
                status=Submission.Status.SUBMITTED,
                submitted_at=now,
            )
            for expert in responders
        }
        Submission.objects.bulk_create(submissions.values())
        batch: list[Answer] = []
        for response in spec.responses:
            batch.append(
                Answer(
                    submission=submissions[response.expert],
                    node=nodes[response.node],
                    measure=MEASURE_CODE[response.measure],
                    draft=False,
                    value=response.value,
                    code=response.code,
                )
            )
            if len(batch) >= BATCH_SIZE:
                done += _flush(batch, done, total, progress)
        done += _flush(batch, done, total, progress)
        _pack(spec, submissions, nodes)
    return study


def _pack(spec: RoundSpec, submissions: dict[str, Submission], nodes: dict[str, Node]) -> None:
    """The packed copy of each submission's answers (surveys.packing), from the bundle's data."""
    rows: dict[str, list[tuple[int, int, int]]] = {expert: [] for expert in submissions}
    for r in spec.responses:
        rows[r.expert].append((nodes[r.node].pk, MEASURE_CODE[r.measure], r.code or 0))
    packed = []
    for expert, submission in submissions.items():
        table = np.array(rows[expert], dtype=np.int64).reshape(-1, 3)
        packed.append(
            PackedAnswers(submission=submission, data=pack(table[:, 0], table[:, 1], table[:, 2]))
        )
    PackedAnswers.objects.bulk_create(packed, batch_size=500)


def _flush(batch: list[Answer], done: int, total: int, progress: Progress | None) -> int:
    Answer.objects.bulk_create(batch)
    written = len(batch)
    batch.clear()
    if progress is not None:
        progress(done + written, total)
    return written
