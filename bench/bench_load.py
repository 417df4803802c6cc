"""Draft saves and submits under load: gunicorn and PostgreSQL, 50 and 200 concurrent clients.

Starts gunicorn on the loopback with the benchmark's settings (`bench.settings`: the site plus
the bare view), then for each scenario runs a closed-loop load generator (asyncio, one keep-alive
connection per client, each client sending its next request as soon as the last one is
answered) for a fixed time, and prints throughput and latency percentiles. Each client is one
expert of a 700-field study with a complete draft: a draft save changes one answer (the JSON the
page's script sends), a submit freezes the whole questionnaire. The baseline is the bare view
posted the same JSON, under the same load, in the same run.

    python -m bench.bench_load [--seconds 20] [--clients 50 200] [--workers 4 --threads 4]
        [--alternations 3] [--only save submit]

The machine's speed drifts by a fifth between runs minutes apart, so the bare view and each
scenario run in turn several times (`--alternations`), each against the bare view just before
it, and the ratio to read is the median of theirs.

The load generator runs on the same machine as the server and competes with it for the CPU, as
it would for the bare view too: compare ratios, not absolute figures.
"""

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from bench.setup import bench_site_setup, percentile

FIELDS = 700
SLUG = "bench-load-700"
HOST = "127.0.0.1"
GRACE = 5.0


@dataclass
class Scenario:
    name: str
    requests: list[tuple[str, bytes]]  # (path, body) per client
    headers: str = ""
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    unfinished: int = 0  # requests still unanswered GRACE seconds after the end: abandoned


async def _request(reader: Any, writer: Any, head: bytes, body: bytes) -> int:
    writer.write(head + body)
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length = 0
    close = False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _sep, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "connection" and "close" in value.lower():
            close = True
    await reader.readexactly(length)
    if close:
        raise ConnectionResetError("server closes")
    return status


async def _client(port: int, path: str, body: bytes, cookie: str, deadline: float, s: Scenario):
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\nCookie: csrftoken={cookie}\r\nX-CSRFToken: {cookie}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    reader = writer = None
    while time.perf_counter() < deadline:
        if writer is None:
            try:
                reader, writer = await asyncio.open_connection(HOST, port)
            except OSError:  # the listen queue is full: try again shortly, as a browser would
                s.errors += 1
                await asyncio.sleep(0.1)
                continue
        started = time.perf_counter()
        try:
            status = await _request(reader, writer, head, body)
        except (ConnectionError, asyncio.IncompleteReadError):
            writer.close()
            reader = writer = None
            continue
        s.latencies.append(time.perf_counter() - started)
        s.statuses[status] = s.statuses.get(status, 0) + 1
        if status != 200:
            s.errors += 1
    if writer is not None:
        writer.close()


async def _run(port: int, scenario: Scenario, seconds: float) -> float:
    # A CSRF secret of the client's own, sent as cookie and header as the page's script does.
    cookies = [secrets.token_hex(16) for _ in scenario.requests]
    started = time.perf_counter()
    deadline = started + seconds
    tasks = [
        asyncio.create_task(_client(port, path, body, cookie, deadline, scenario))
        for (path, body), cookie in zip(scenario.requests, cookies, strict=True)
    ]
    # Bounded in time: a request still queued GRACE seconds after the end is abandoned (counted,
    # and the server restarted before the next scenario so that its backlog does not carry over).
    _done, pending = await asyncio.wait(tasks, timeout=seconds + GRACE)
    for task in pending:
        task.cancel()
    scenario.unfinished = len(pending)
    return min(time.perf_counter() - started, seconds + GRACE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def gunicorn_stop(process: subprocess.Popen) -> None:
    """Stop at once, workers too: requests still queued from an abandoned scenario are dropped
    (their database transactions roll back when the connections close)."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    deadline = time.time() + 10
    while time.time() < deadline:  # the workers, which hold the listening socket too
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)


def gunicorn_start(port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    process = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "roadmap_site.wsgi:application",
            "--bind", f"{HOST}:{port}", "--workers", str(workers), "--threads", str(threads),
            "--worker-class", "gthread", "--keep-alive", "30", "--backlog", "2048",
            "--log-level", "warning",
        ],
        env=env,
        start_new_session=True,  # its own process group, so that it can be stopped whole
    )  # fmt: skip
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    gunicorn_stop(process)
    raise RuntimeError("gunicorn did not start")


def study_ready(clients: int, rebuild: bool) -> Any:
    from bench.studies import questionnaire_study_build
    from surveys.models import Study

    kept = Study.objects.filter(slug=SLUG).first()
    if kept is not None and not rebuild and kept.panelists.count() >= clients:
        return kept
    started = time.perf_counter()
    print(f"building a {FIELDS}-field study with {clients} experts...", flush=True)
    study = questionnaire_study_build(fields=FIELDS, experts=clients, slug=SLUG)
    print(f"  built in {time.perf_counter() - started:.1f} s", flush=True)
    return study


def report(
    scenario: Scenario, elapsed: float, baseline: Scenario | None, base_elapsed: float
) -> float | None:
    """Print the scenario's figures, and its ratios to the baseline's; the mean latency's ratio."""
    lat = scenario.latencies
    throughput = max(len(lat), 1e-9) / elapsed
    p50, p95, p99 = (percentile(lat, q) * 1000 for q in (50, 95, 99))
    mean = statistics.fmean(lat) * 1000 if lat else float("nan")
    line = (
        f"  {scenario.name:<28} {throughput:8.1f} req/s   "
        f"mean {mean:8.1f}  p50 {p50:8.1f}  p95 {p95:8.1f}  p99 {p99:8.1f} ms"
    )
    if scenario.errors:
        line += f"   errors {scenario.errors} {scenario.statuses}"
    if scenario.unfinished:
        line += f"   {scenario.unfinished} abandoned after {elapsed:.0f} s"
    print(line, flush=True)
    if baseline is not None:
        base_p50 = statistics.median(baseline.latencies) * 1000
        base_mean = statistics.fmean(baseline.latencies) * 1000
        base_tp = len(baseline.latencies) / base_elapsed
        # The bare view's latencies are skewed (some connections wait on a busy worker while
        # others are answered at once): its median moves a lot between runs, its mean less.
        print(
            f"  {'':<28} ratio to bare: throughput {base_tp / throughput:6.1f}x lower, "
            f"mean latency {mean / base_mean:6.1f}x, median latency {p50 / base_p50:6.1f}x",
            flush=True,
        )
        return mean / base_mean
    return None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument(
        "--alternations",
        type=int,
        default=3,
        help="run the bare view and each scenario in turn this many times; the ratio printed "
        "last is the median over them (the machine's speed drifts between runs)",
    )
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["save", "submit"],
        default=["save", "submit"],
        help="the scenarios to run besides the bare view",
    )
    args = parser.parse_args(argv)
    bench_site_setup()
    from bench.studies import first_answer, invitation_tokens

    study = study_ready(max(args.clients), args.rebuild)
    tokens = invitation_tokens(study=study)
    node, measure, value = first_answer(study=study)
    save = json.dumps({"node": node, "measure": measure, "value": value}).encode()
    server = None
    print(
        f"gunicorn: {args.workers} workers x {args.threads} threads (gthread), {HOST}; "
        f"{args.seconds:.0f} s per scenario; {FIELDS}-field study; load generator: asyncio, "
        f"one keep-alive connection per client",
        flush=True,
    )
    try:
        for clients in args.clients:
            mine = tokens[:clients]
            bare = Scenario("bare view (POST)", [("/bench/bare/", save) for _ in mine])
            print(f"{clients} concurrent clients", flush=True)
            bare_elapsed = 0.0
            scenarios = [("bare view (POST)", "/bench/bare/", save)]
            if "save" in args.only:
                scenarios.append(("draft save", "/q/{}/answer", save))
            if "submit" in args.only:
                scenarios.append(("submit", "/q/{}/submit", b""))
            ratios: dict[str, list[float]] = {}
            for alternation in range(args.alternations):
                if args.alternations > 1:
                    print(f" alternation {alternation + 1} of {args.alternations}", flush=True)
                for name, path, body in scenarios:
                    if server is not None:
                        gunicorn_stop(server)
                    port = free_port()  # a fresh server on a fresh port: nothing carried over
                    server = gunicorn_start(port, args.workers, args.threads)
                    warm = Scenario("warm-up", [(path.format(t), body) for t in mine[:16]])
                    asyncio.run(_run(port, warm, 2))
                    scenario = Scenario(name, [(path.format(t), body) for t in mine])
                    elapsed = asyncio.run(_run(port, scenario, args.seconds))
                    if name.startswith("bare"):
                        bare, bare_elapsed = scenario, elapsed
                        report(scenario, elapsed, None, 0)
                    else:
                        ratio = report(scenario, elapsed, bare, bare_elapsed)
                        ratios.setdefault(name, []).append(ratio or float("nan"))
            for name, values in ratios.items():
                print(
                    f"  {name}: mean latency {statistics.median(values):.1f}x the bare view's, "
                    f"the median of {len(values)} alternations "
                    f"({', '.join(f'{v:.1f}' for v in values)})",
                    flush=True,
                )
    finally:
        if server is not None:
            gunicorn_stop(server)
        _broker_clean()
    return 0


def _broker_clean() -> None:
    """Drop the recomputes the submits queued: no worker serves the benchmark's broker."""
    import redis

    url = os.environ["CELERY_BROKER_URL"]
    if url.startswith("redis"):
        redis.Redis.from_url(url).delete("celery")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
