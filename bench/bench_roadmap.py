"""The roadmap page of a 300-field study, against a bare Django view in the same run.

Builds a study of 300 fields (two closed rounds, the comparison drawn), then times the server side
of `/roadmap/<slug>/round/2/?compare=1` and of a view that returns "ok" through the same
middleware (sessions, authentication, locale), both with Django's test client (no network). It
prints the median of each, their ratio, the time of the figure alone and the page's size.

    python -m bench.bench_roadmap                       # SQLite in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/delphi_bench python -m bench.bench_roadmap

`--fields` and `--experts` change the scale, `--repeat` the number of timed requests; the study
is kept between runs (`--rebuild` builds it afresh).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from typing import Any

SLUG = "bench-roadmap"
urlpatterns: list[Any] = []


def bare(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse("ok")


def route_bare_view() -> None:
    """The site's URLs plus the bare view, so that both requests pass the same middleware."""
    from django.conf import settings
    from django.urls import clear_url_caches, include, path

    urlpatterns[:] = [path("bench-bare/", bare), path("", include("roadmap_site.urls"))]
    settings.ROOT_URLCONF = __name__
    clear_url_caches()


def build(fields: int, experts: int, rebuild: bool) -> None:
    """The study, unless one of that size is kept from an earlier run."""
    from scoring.recompute import round_recompute
    from surveys.bundles import bundle_import
    from surveys.models import Study
    from tests.roadmaps.builders import large_bundle

    kept = Study.objects.filter(slug=SLUG).first()
    if kept is not None and not rebuild:
        leaves = kept.nodes.filter(children__isnull=True, code__regex=r"^[TP]\.").count()
        if leaves == fields and kept.panelists.count() == experts:
            return
    Study.objects.filter(slug=SLUG).delete()
    study = bundle_import(data=large_bundle(fields=fields, experts=experts, slug=SLUG))
    for round_ in study.rounds.order_by("number"):
        round_recompute(round_id=round_.pk)


def timed(client, url: str, repeat: int) -> tuple[float, int]:
    client.get(url)  # templates, translations and connections warmed once
    times = []
    size = 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        size = len(response.content)
    return statistics.median(times), size


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fields", type=int, default=300)
    parser.add_argument("--experts", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--rebuild", action="store_true", help="build the study afresh")
    args = parser.parse_args(argv)

    if "DATABASE_URL" not in os.environ:
        os.environ["SQLITE_PATH"] = os.path.join(tempfile.mkdtemp(), "bench.sqlite3")
    from bench.setup import django_setup

    django_setup(create_database=True)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    route_bare_view()
    settings.ALLOWED_HOSTS = ["testserver"]
    # Plain static URLs: the benchmark does not need collectstatic's manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    started = time.perf_counter()
    build(args.fields, args.experts, args.rebuild)
    print(
        f"study of {args.fields} fields, {args.experts} experts, 2 rounds: "
        f"ready in {time.perf_counter() - started:.1f} s"
    )

    user, _created = get_user_model().objects.get_or_create(
        username="bench-roadmap", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(user)

    page, size = timed(client, f"/roadmap/{SLUG}/round/2/?compare=1", args.repeat)
    baseline, _size = timed(client, "/bench-bare/", args.repeat)

    from roadmaps.selectors import roadmap_figure_build, roadmap_load
    from surveys.models import Study

    roadmap = roadmap_load(study=Study.objects.get(slug=SLUG), number=2)
    assert roadmap is not None
    figure_times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        roadmap_figure_build(roadmap, language="en", current_year=timezone.now().year, compare=True)
        figure_times.append(time.perf_counter() - started)

    print(f"roadmap page (server):  {page * 1000:8.1f} ms  ({size / 1024:.0f} KiB of HTML)")
    print(f"bare Django view:       {baseline * 1000:8.1f} ms")
    print(f"ratio page / bare:      {page / baseline:8.1f}")
    print(f"figure alone:           {statistics.median(figure_times) * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
