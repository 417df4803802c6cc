"""Dashboards and roadmap of a 300-field study: server time, bytes sent, time until drawn.

Uses the study of `bench_roadmap` (300 fields, two closed rounds; built here if missing). With
Django's test client in-process it times the results dashboard (`/console/.../results/`) and the
roadmap page, and counts the bytes each sends as is and compressed (the site's GZipMiddleware,
for a client that accepts gzip), against the bare view. Then, with gunicorn serving the collected
static files (hashed names, long cache lifetime) and headless Chromium, it measures the time from
navigation start until the roadmap's figure is drawn (Plotly's SVG in the page), on a first visit
(empty browser cache) and on a later one (plotly.js from the browser's cache), against the time
to load the bare view in the same browser.

    python -m bench.bench_pages [--repeat 5]
"""

import argparse
import os
import statistics
import sys
import time
from typing import Any

from bench.bench_load import HOST, free_port, gunicorn_start, gunicorn_stop
from bench.setup import bench_site_setup, percentile

SLUG = "bench-roadmap"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
DRAWN = "#roadmap .main-svg"
# Notes when plotly.js has been evaluated (the moment it defines window.Plotly), without a script
# in the page: the drawing then runs on the same thread, and a probe from outside would wait
# for it to end.
PLOTLY_CLOCK = """
Object.defineProperty(window, "Plotly", {
  configurable: true,
  get() { return undefined; },
  set(value) {
    window.__plotlyEvaluatedAt = performance.now();
    Object.defineProperty(window, "Plotly", {value, writable: true, configurable: true});
  },
});
"""


def server_side(client: Any, url: str, repeat: int) -> tuple[list[float], int, int]:
    client.get(url)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    plain = len(response.content)
    # What a browser receives: GZipMiddleware compresses any response above 200 bytes.
    zipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    return times, plain, len(zipped.content)


def browser_side(
    port: int, session: str, repeat: int, bundle: str | None = None
) -> dict[str, list[float]]:
    """Times in the browser; with `bundle`, that file is served in place of the site's plotly.js
    bundle (to measure another build, the full plotly.min.js say, without changing the site)."""
    from playwright.sync_api import sync_playwright

    base = f"http://{HOST}:{port}"
    roadmap = f"{base}/roadmap/{SLUG}/round/2/?compare=1"
    found: dict[str, list[float]] = {
        "first visit": [],
        "later visit": [],
        "plotly ready": [],
        "html received": [],
        "plotly received": [],
        "bare": [],
        "js": [],
    }
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            for _ in range(repeat):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
                context.add_init_script(PLOTLY_CLOCK)
                if bundle:
                    context.route(
                        "**/vendor/plotly*.js",
                        lambda route: route.fulfill(
                            path=bundle, content_type="application/javascript"
                        ),
                    )
                page = context.new_page()
                page.set_default_timeout(60_000)
                page.goto(f"{base}/bench/bare/")
                found["bare"].append(
                    page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
                )
                for visit in ("first visit", "later visit"):
                    page.goto(roadmap, wait_until="commit")
                    page.wait_for_selector(DRAWN, state="attached")
                    found[visit].append(page.evaluate("performance.now()"))
                    if visit == "later visit":
                        found["plotly ready"].append(page.evaluate("window.__plotlyEvaluatedAt"))
                        html, script = page.evaluate(
                            "() => [performance.getEntriesByType('navigation')[0].responseEnd,"
                            " performance.getEntriesByType('resource')"
                            ".filter(e => e.name.includes('plotly'))"
                            ".map(e => e.responseEnd)[0] || 0]"
                        )
                        found["html received"].append(html)
                        found["plotly received"].append(script)
                found["js"].append(
                    page.evaluate(
                        "performance.getEntriesByType('resource')"
                        ".filter(e => e.name.includes('plotly'))"
                        ".map(e => e.transferSize)[0] || 0"
                    )
                )
                context.close()
        finally:
            browser.close()
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--browser-repeat", type=int, default=5)
    parser.add_argument(
        "--plotly-bundle",
        default=os.environ.get("BENCH_PLOTLY_BUNDLE"),
        help="another plotly.js build to measure as well (served in place of the site's)",
    )
    args = parser.parse_args(argv)
    bench_site_setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.bench_roadmap import build

    build(300, 10, False)
    user, _created = get_user_model().objects.get_or_create(
        username="bench-roadmap", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(user)
    pages = {
        "results dashboard": f"/console/studies/{SLUG}/results/2/",
        "roadmap": f"/roadmap/{SLUG}/round/2/?compare=1",
        "bare view": "/bench/bare/",
    }
    measured = {name: server_side(client, url, args.repeat) for name, url in pages.items()}
    bare = statistics.median(measured["bare view"][0])
    print(f"server time (test client, median / 95th percentile of {args.repeat}) and bytes sent")
    for name, (times, plain, zipped) in measured.items():
        median = statistics.median(times)
        print(
            f"  {name:<18} {median * 1000:8.1f} / {percentile(times, 95) * 1000:7.1f} ms"
            f"  ratio to bare {median / bare:7.1f}   {plain / 1024:7.1f} KiB"
            f" ({zipped / 1024:6.1f} KiB gzip)"
        )

    port = free_port()
    server = gunicorn_start(port, 2, 2)
    session = client.cookies["sessionid"].value
    bundles = [("the site's plotly-cartesian.min.js", None)]
    if args.plotly_bundle:
        bundles.append((os.path.basename(args.plotly_bundle), args.plotly_bundle))
    try:
        for label, bundle in bundles:
            drawn = browser_side(port, session, args.browser_repeat, bundle)
            bare_load = statistics.median(drawn["bare"])
            print(
                f"roadmap drawn in headless Chromium with {label} "
                f"(gunicorn; median of {args.browser_repeat})"
            )
            print(f"  bare view loaded:           {bare_load:8.0f} ms")
            for visit in ("first visit", "later visit"):
                value = statistics.median(drawn[visit])
                print(
                    f"  roadmap drawn, {visit}: {value:8.0f} ms   ratio to bare "
                    f"{value / bare_load:6.1f}   (target under 2000 ms)"
                )
            print(
                "  later visit, from navigation start: page received {:.0f} ms, plotly.js "
                "received {:.0f} ms, plotly.js evaluated {:.0f} ms".format(
                    *(
                        statistics.median(drawn[k])
                        for k in ("html received", "plotly received", "plotly ready")
                    )
                )
            )
            if bundle is None:
                print(f"  plotly.js bytes over the wire on the later visit: {max(drawn['js']):.0f}")
    finally:
        gunicorn_stop(server)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
