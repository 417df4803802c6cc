"""Questionnaire pages: SQL queries and server time, for a 25-field and a 700-field study.

For each study (round 1 closed and scored, round 2 open, every expert with a complete draft) the
script counts the SQL queries of the questionnaire page, of a draft save (one changed answer, the
JSON the page's script sends) and of a submit, and times each with Django's test client
in-process (no network), against the bare view (`bench.bare_urls`) through the same middleware.
The query counts must not grow with the number of fields.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/delphi_bench python -m bench.bench_questionnaire

The studies are kept between runs (`--rebuild` builds them afresh).
"""

import argparse
import json
import statistics
import sys
import time
from typing import Any

from bench.setup import bench_site_setup, percentile

SIZES = (25, 700)
EXPERTS = 10


def slug_for(fields: int) -> str:
    return f"bench-questionnaire-{fields}"


def study_ready(fields: int, experts: int, rebuild: bool) -> Any:
    from bench.studies import questionnaire_study_build
    from surveys.models import Study

    kept = Study.objects.filter(slug=slug_for(fields)).first()
    if kept is not None and not rebuild and kept.panelists.count() == experts:
        return kept
    started = time.perf_counter()
    study = questionnaire_study_build(fields=fields, experts=experts, slug=slug_for(fields))
    print(f"  built the {fields}-field study in {time.perf_counter() - started:.1f} s")
    return study


class Endpoint:
    """One request the benchmark repeats: a name, and how to send it with a test client."""

    def __init__(self, name: str, send: Any) -> None:
        self.name = name
        self.send = send


def endpoints(study: Any, token: str) -> list[Endpoint]:
    from bench.studies import first_answer

    node, measure, value = first_answer(study=study)
    body = json.dumps({"node": node, "measure": measure, "value": value})
    return [
        Endpoint("page", lambda c: c.get(f"/q/{token}/")),
        Endpoint(
            "draft save",
            lambda c: c.post(f"/q/{token}/answer", body, content_type="application/json"),
        ),
        Endpoint(
            "submit",
            lambda c: c.post(f"/q/{token}/submit", HTTP_ACCEPT="application/json"),
        ),
        Endpoint("bare view", lambda c: c.get("/bench/bare/")),
    ]


def query_count(client: Any, endpoint: Endpoint) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = endpoint.send(client)
    assert response.status_code in (200, 302), (endpoint.name, response.status_code)
    return len(captured.captured_queries)


def timings(client: Any, endpoint: Endpoint, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = endpoint.send(client)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (endpoint.name, response.status_code)
    return times


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--experts", type=int, default=EXPERTS)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)
    bench_site_setup()
    from django.test import Client

    from bench.studies import invitation_tokens

    counts: dict[int, dict[str, int]] = {}
    rows = []
    for fields in SIZES:
        study = study_ready(fields, args.experts, args.rebuild)
        token = invitation_tokens(study=study)[0]
        client = Client()
        measured = endpoints(study, token)
        for endpoint in measured:  # warm: the first opening of a link records it
            endpoint.send(client)
        counts[fields] = {e.name: query_count(client, e) for e in measured}
        bare = timings(client, measured[-1], args.repeat)
        for endpoint in measured[:-1]:
            times = timings(client, endpoint, args.repeat if fields < 100 else args.repeat // 2)
            rows.append((fields, endpoint.name, times, bare))

    bare_count = counts[SIZES[0]]["bare view"]
    print(f"SQL queries per request ({args.experts} experts; bare view: {bare_count})")
    print(f"  {'request':<12}" + "".join(f"{f:>6} fields" for f in SIZES) + "   constant?")
    for name in ("page", "draft save", "submit"):
        values = [counts[f][name] for f in SIZES]
        same = "yes" if len(set(values)) == 1 else "NO"
        print(f"  {name:<12}" + "".join(f"{v:>13}" for v in values) + f"   {same}")
    print("server time per request (test client, no network): median / 95th percentile")
    for fields, name, times, bare in rows:
        median, p95 = statistics.median(times), percentile(times, 95)
        bare_median, bare_p95 = statistics.median(bare), percentile(bare, 95)
        print(
            f"  {fields:>3} fields {name:<11} {median * 1000:8.1f} / {p95 * 1000:7.1f} ms"
            f"   bare {bare_median * 1000:5.2f} / {bare_p95 * 1000:5.2f} ms"
            f"   ratio {median / bare_median:7.1f} / {p95 / bare_p95:7.1f}"
        )
    return 0 if all(len({counts[f][n] for f in SIZES}) == 1 for n in counts[SIZES[0]]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
