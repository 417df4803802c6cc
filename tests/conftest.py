import os

import pytest
from django.conf import settings

MISSING = [m for m in os.environ.get("DELPHI_MISSING_SERVICES", "").split(";") if m]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip, with the reason, the tests whose services this machine lacks."""
    needs = {
        "services": [m for m in MISSING if m.startswith(("PostgreSQL", "Redis"))],
        "worker": [m for m in MISSING if m.startswith(("PostgreSQL", "Redis"))],
        "browser": [m for m in MISSING if m.startswith("Chromium")],
    }
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        needs["services"] = needs["services"] or ["PostgreSQL (DATABASE_URL not set)"]
        needs["worker"] = needs["worker"] or ["PostgreSQL (DATABASE_URL not set)"]
    for item in items:
        for marker, lacking in needs.items():
            if lacking and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=f"needs {', '.join(lacking)}"))


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks run in-process unless a test starts a real worker (those tests turn this off).

    The caches start empty too: ids repeat between test databases, and a coalescing flag left
    by an earlier run must not hold back a recompute.
    """
    from django.core.cache import cache

    from roadmap_site.celery import app
    from surveys.framework import framework_cache_clear

    cache.clear()
    framework_cache_clear()

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Pages render without a collectstatic manifest (production serves hashed names)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def demo_study(db):
    """The demo study: seed framework, ten simulated experts, round 1 closed, round 2 open."""
    from surveys.bundles import bundle_import
    from surveys.demo.simulate import demo_bundle

    return bundle_import(data=demo_bundle())


@pytest.fixture
def small_study(db):
    from surveys.bundles import bundle_import

    from .factories import small_bundle

    return bundle_import(data=small_bundle())
