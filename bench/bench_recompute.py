"""Recompute at the scale of a national foresight survey, against one GROUP BY scan.

2,000 experts rate 700 topics (1.4 million importance answers, each with familiarity, maturity
and two verdicts: 7 million answer rows) on PostgreSQL. The script prints the recompute time
and, on the same rows in the same run, the time of one GROUP BY scan of the answers table, the
ratio of the two, and the peak memory of the process that recomputed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/delphi_bench python -m bench.bench_recompute

The database named in DATABASE_URL is created if missing and its data kept between runs
(`--rebuild` starts afresh); `--experts` and `--topics` change the scale.
"""

import argparse
import os
import resource
import statistics
import sys
import time
from multiprocessing import get_context
from typing import Any

from bench.setup import BENCH_DATABASE_URL, django_setup

EXPERTS = 2000
TOPICS = 700
SLUG = "bench-national-survey"


def build(experts: int, topics: int) -> None:
    """The study via the bundle importer (framework and panel), the answers with one INSERT."""
    from django.db import connection

    from surveys.bundles import bundle_import
    from surveys.models import Round, Study, Submission

    Study.objects.filter(slug=SLUG).delete()
    factors = [
        {
            "code": f"F{f:03d}",
            "name": f"Factor {f}",
            "children": [
                {"code": f"F{f:03d}.{t:02d}", "name": f"Topic {f}.{t}"}
                for t in range(min(10, topics - f * 10))
            ],
        }
        for f in range((topics + 9) // 10)
    ]
    study = bundle_import(
        data={
            "format": "delphi-bundle/1",
            "study": {
                "slug": SLUG,
                "title": "National foresight survey (benchmark)",
                "base_year": 2025,
                "horizon": [2025, 2040],
                "settings": {},
            },
            "framework": [
                {
                    "code": "T",
                    "name": "Topics",
                    "measures": [
                        "familiarity",
                        "importance",
                        "maturity",
                        "regional_advantage",
                        "investment",
                    ],
                    "children": factors,
                }
            ],
            "experts": [{"id": f"X{i:05d}"} for i in range(experts)],
            "rounds": [{"number": 1, "status": "open", "responses": []}],
        }
    )
    round_ = study.rounds.get()
    Submission.objects.bulk_create(
        Submission(round=round_, panelist=p, status="submitted") for p in study.panelists.all()
    )
    # Pseudo-random but reproducible answers from a hash of (expert, topic, measure).
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO surveys_answer (submission_id, node_id, measure, draft, value, code, reason)
            SELECT s.id, n.id, m.measure, false, to_jsonb(v.code), v.code, ''
            FROM surveys_submission s
            CROSS JOIN surveys_node n
            CROSS JOIN (VALUES (0), (1), (2), (3), (4)) AS m(measure)
            CROSS JOIN LATERAL (
                SELECT abs(hashtextextended(s.id::text || ':' || n.id::text, m.measure)) AS h
            ) r
            CROSS JOIN LATERAL (
                SELECT (CASE m.measure
                    WHEN 0 THEN 1 + r.h %% 5
                    WHEN 1 THEN 1 + r.h %% 5
                    WHEN 2 THEN r.h %% 5
                    ELSE r.h %% 3 END)::smallint AS code
            ) v
            WHERE s.round_id = %s AND n.study_id = %s
              AND NOT EXISTS (SELECT 1 FROM surveys_node c WHERE c.parent_id = n.id)
            """,
            [round_.pk, study.pk],
        )
        pack_answers(cursor, round_.pk)
        cursor.execute("ANALYZE surveys_answer")
    Round.objects.filter(pk=round_.pk).update(answers_version=1)


def pack_answers(cursor: Any, round_id: int) -> None:
    """The packed copy the platform writes on submit (surveys.packing), built in SQL here."""
    cursor.execute(
        "DELETE FROM surveys_packedanswers p USING surveys_submission s "
        "WHERE p.submission_id = s.id AND s.round_id = %s",
        [round_id],
    )
    cursor.execute(
        """
        INSERT INTO surveys_packedanswers (submission_id, data)
        SELECT s.id, (
            SELECT string_agg(int4send(a.node_id::int4) || int2send(a.measure::int2)
                              || int2send(COALESCE(a.code, 0)::int2), ''::bytea)
            FROM surveys_answer a WHERE a.submission_id = s.id AND NOT a.draft)
        FROM surveys_submission s
        WHERE s.round_id = %s
        """,
        [round_id],
    )


def group_by_scan(round_id: int) -> float:
    """The baseline: one GROUP BY over the round's submitted answers, as lean as SQL gets."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.node_id, a.measure, count(*), sum(a.code)
            FROM surveys_answer a JOIN surveys_submission s ON s.id = a.submission_id
            WHERE s.round_id = %s AND a.draft = false
            GROUP BY a.node_id, a.measure
            """,
            [round_id],
        )
        cursor.fetchall()
    return time.perf_counter() - started


def _recompute_in_child(round_id: int) -> tuple[float, int, int]:
    django_setup()
    from scoring.recompute import results_compute
    from surveys.models import Round

    round_ = Round.objects.select_related("study").get(pk=round_id)
    started = time.perf_counter()
    document = results_compute(round_=round_)
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return elapsed, peak_kib, len(document["results"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experts", type=int, default=EXPERTS)
    parser.add_argument("--topics", type=int, default=TOPICS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", BENCH_DATABASE_URL)
    django_setup(create_database=True)
    from surveys.models import Answer, PackedAnswers, Round

    round_ = Round.objects.filter(study__slug=SLUG).first()
    rows_wanted = args.experts * args.topics * 5
    if (
        args.rebuild
        or round_ is None
        or Answer.objects.filter(submission__round=round_).count() != rows_wanted
    ):
        print(f"building {args.experts} experts x {args.topics} topics ({rows_wanted:,} rows)...")
        started = time.perf_counter()
        build(args.experts, args.topics)
        print(f"  built in {time.perf_counter() - started:.1f} s")
        round_ = Round.objects.get(study__slug=SLUG)
    elif PackedAnswers.objects.filter(submission__round=round_).count() != args.experts:
        from django.db import connection

        with connection.cursor() as cursor:
            pack_answers(cursor, round_.pk)
    scans = [group_by_scan(round_.pk) for _ in range(args.repeat)]
    # Each recompute runs in a fresh process so its peak memory is its own.
    with get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
        runs = [pool.apply(_recompute_in_child, (round_.pk,)) for _ in range(args.repeat)]
    recompute = statistics.median(r[0] for r in runs)
    scan = statistics.median(scans)
    print(f"answers: {rows_wanted:,} rows ({args.experts} experts x {args.topics} topics x 5)")
    print(f"GROUP BY scan (baseline): {scan:.3f} s (median of {args.repeat})")
    print(f"recompute:                {recompute:.3f} s (median of {args.repeat})")
    print(f"ratio:                    {recompute / scan:.2f}  (target below 5)")
    print(f"peak memory of the recomputing process: {max(r[1] for r in runs) / 1024:.0f} MiB")
    print(f"result entries: {runs[0][2]:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
