"""Django set-up for benchmark scripts run outside the test runner."""

import os
from urllib.parse import urlparse


def django_setup(*, create_database: bool = False) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadmap_site.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
    if create_database and "DATABASE_URL" in os.environ:
        _create_postgres_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    if create_database:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def _create_postgres_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/delphi_bench"
# Submits queue their recompute on a broker (no worker consumes it here), as in production.
BENCH_BROKER_URL = "redis://127.0.0.1:6379/13"


def bench_site_setup() -> None:
    """Django for a benchmark that serves the site: the benchmarks' database and broker (unless
    the environment names others), the bare view's settings, the static files collected."""
    os.environ.setdefault("DATABASE_URL", BENCH_DATABASE_URL)
    os.environ.setdefault("CELERY_BROKER_URL", BENCH_BROKER_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    django_setup(create_database=True)
    static_collect()


def static_collect() -> None:
    """Collect the static files (hashed names, compressed copies) as a deployment does."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between the nearest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
