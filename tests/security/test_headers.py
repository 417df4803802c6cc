"""Security headers on every response, the content security policy, and `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from roadmap_site.security import CONTENT_SECURITY_POLICY
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def test_the_policy_allows_scripts_from_the_site_only():
    policy = directives(CONTENT_SECURITY_POLICY)
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"] and policy["font-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:", "blob:"]


def test_style_elements_are_limited_to_the_site_and_hashed_plotly_styles():
    policy = directives(CONTENT_SECURITY_POLICY)
    assert "'unsafe-inline'" not in policy["style-src-elem"]
    assert policy["style-src-elem"][0] == "'self'"
    assert all(source.startswith("'sha256-") for source in policy["style-src-elem"][1:])
    assert policy["style-src-attr"] == ["'unsafe-inline'"]


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/healthz", "/q/not-a-token/"])
def test_every_page_carries_the_policy_and_the_other_headers(client, path):
    response = client.get(path)
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_console_pages_carry_the_policy(client, small_study):
    client.force_login(UserFactory(username="root", is_superuser=True))
    response = client.get(reverse("console:overview", args=[small_study.slug]))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_the_standalone_roadmap_is_a_download_without_the_policy(client, small_study):
    from scoring.recompute import round_recompute

    round_recompute(round_id=small_study.rounds.get().pk)
    client.force_login(UserFactory(username="root", is_superuser=True))
    response = client.get(reverse("roadmaps:export_html", args=[small_study.slug, 1]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    # It inlines plotly.js to open offline; it is saved, never shown under the site's origin.
    assert "Content-Security-Policy" not in response
    assert "<script" in response.content.decode()


def test_no_template_of_the_site_holds_an_inline_script_or_style_element():
    """Code and styles live in static files: the policy refuses inline ones."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if path.parts[-2] == "email" or path.name == "standalone.html":
            continue  # e-mails are read in mail programs; the standalone export is a download
        text = path.read_text(encoding="utf-8")
        for index, chunk in enumerate(text.split("<script")[1:]):
            tag = chunk.split(">", 1)[0]
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(f"{path.relative_to(ROOT)} script #{index + 1}")
        if "<style" in text:
            offenders.append(f"{path.relative_to(ROOT)} <style>")
        for handler in (" onclick=", " onload=", " onchange=", " onsubmit=", " onerror="):
            if handler in text:
                offenders.append(f"{path.relative_to(ROOT)} {handler.strip()}")
    assert offenders == []


# Switches of this shell or of the test run (the browser tests allow sync ORM calls in async
# code) that a production server does not have.
NOT_IN_PRODUCTION = {
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def production_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in NOT_IN_PRODUCTION}
    env.update(
        SECRET_KEY="x" * 20 + "production-like-secret-key-with-enough-entropy-0123456789",
        DATABASE_URL="postgres://delphi@127.0.0.1:5432/delphi",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        ALLOWED_HOSTS="delphi.example.org",
        SITE_URL="https://delphi.example.org",
        CSRF_TRUSTED_ORIGINS="https://delphi.example.org",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    return env


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_would_complain_about_a_debug_production(tmp_path):
    """The check above can fail: the same settings with DEBUG on are refused."""
    env = production_env(tmp_path) | {"DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr
