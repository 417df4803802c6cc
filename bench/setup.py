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
