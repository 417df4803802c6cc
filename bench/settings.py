"""The site's settings with the benchmark's URLconf, for the servers a benchmark starts.

Only the URLconf changes: the bare view (`bench.bare_urls`) sits beside the site's own pages, so
both pass through the same middleware and the product itself has no benchmark endpoint.
"""

from roadmap_site.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"

# The benchmarks' clients: Django's test client in-process, and loopback servers.
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver", "127.0.0.1", "localhost"]  # noqa: F405
# Collected once into a directory of the benchmarks' own (bench.setup.static_collect).
STATIC_ROOT = env.str(  # noqa: F405
    "BENCH_STATIC_ROOT",
    default=str(BASE_DIR / "bench" / "staticfiles"),  # noqa: F405
)
# The questionnaire's unknown-token throttle counts per client address: the load generator is one
# address sending valid tokens only, which the throttle never counts; nothing to change there.
