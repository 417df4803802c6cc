"""The Redis cache keeps one client per connection pool (Django's builds one per call)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

ROOT = Path(__file__).resolve().parents[2]

needs_redis = pytest.mark.skipif(
    "RedisCache" not in settings.CACHES["default"]["BACKEND"],
    reason="the cache of this run is not Redis",
)


@needs_redis
def test_calls_share_one_client_and_still_reach_redis():
    backend = cache._cache  # type: ignore[attr-defined]
    assert backend.get_client() is backend.get_client(write=True)
    cache.set("shared-client-probe", {"n": 1}, timeout=30)
    assert cache.get("shared-client-probe") == {"n": 1}
    cache.delete("shared-client-counter")
    assert cache.add("shared-client-counter", 1)  # as the link throttle counts
    assert cache.incr("shared-client-counter") == 2
    cache.delete_many(["shared-client-probe", "shared-client-counter"])


def backend_for(extra: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "CELERY_BROKER_URL")}
    env.update(extra)
    env.setdefault("SECRET_KEY", "cache-settings-test-secret-key")
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_a_redis_cache_url_or_broker_gets_the_shared_client_backend():
    ours = "roadmap_site.cache.RedisCache"
    assert backend_for({"CACHE_URL": "redis://127.0.0.1:6379/1"}) == ours
    assert backend_for({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/2"}) == ours
    assert backend_for({}) == "django.core.cache.backends.locmem.LocMemCache"
