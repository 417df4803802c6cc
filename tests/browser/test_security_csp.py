"""Every page under the content security policy in Chromium: no violation is reported, the
charts still draw, and hostile names, comments and reasons never run as script."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from roadmap_site.security import CONTENT_SECURITY_POLICY
from scoring.recompute import round_recompute
from surveys.models import Milestone, Node, Round
from surveys.services import invitation_link
from tests.factories import UserFactory
from tests.security.hostile import PAYLOADS, hostile_study, questionnaire_path

pytestmark = pytest.mark.django_db(transaction=True)
LOAD_TIMEOUT = 60_000

# Installed before any page script runs: every violation the browser reports is kept.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__violations.push({
    directive: event.violatedDirective, blocked: event.blockedURI,
    source: event.sourceFile, line: event.lineNumber, sample: event.sample,
  });
});
"""
# Markup a payload would have become had escaping failed anywhere, charts included.
INJECTED = """() => {
  const images = document.querySelectorAll('img[onerror], img[src="x"]').length;
  const scripts = [...document.querySelectorAll('script')].filter(
    (s) => s.type !== 'application/json' && s.textContent.includes('alert(1)')).length;
  return images + scripts;
}"""


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Static URLs without the collected manifest: the tests do not run collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def watched(page):
    """The page, recording CSP violations, script errors and dialogs (alert() included)."""
    page.context.add_init_script(RECORD_VIOLATIONS)
    page.dialogs = []
    page.errors = []

    def on_dialog(dialog) -> None:
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def visit(page, path: str, status: int = 200) -> dict:
    """Open the page, let its scripts and charts finish, and report what happened."""
    response = page.goto(path, timeout=LOAD_TIMEOUT, wait_until="load")
    assert response is not None and response.status == status, (path, response and response.status)
    assert response.headers.get("content-security-policy") == CONTENT_SECURITY_POLICY, path
    if page.locator("#roadmap").count():
        page.wait_for_selector("#roadmap[data-ready='true']", timeout=LOAD_TIMEOUT)
    charts = page.locator(".js-plotly-plot, [data-chart]")
    if charts.count():
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=LOAD_TIMEOUT)
    page.wait_for_timeout(300)  # a late style or script error is reported after load
    return {
        "violations": page.evaluate("window.__violations"),
        "charts": page.locator(".js-plotly-plot .main-svg").count(),
        "injected": page.evaluate(INJECTED),
    }


def study_pages(study, number_open: int, number_closed: int) -> list[str]:
    def url(name: str, *args) -> str:
        return reverse(f"console:{name}", args=[study.slug, *args])

    node = Node.objects.filter(study=study).order_by("position").last()
    milestone = Milestone.objects.filter(study=study).first()
    pages = [
        reverse("console:home"),
        url("overview"),
        url("settings"),
        url("framework"),
        url("node_edit", node.pk),
        url("panel"),
        url("panel_import"),
        url("rounds"),
        url("round", number_open),
        url("round_close", number_open),
        url("results_round", number_closed),
        url("results_round", number_open),
        url("exports"),
        reverse("roadmaps:study", args=[study.slug]),
        reverse("roadmaps:round", args=[study.slug, number_closed]),
        reverse("roadmaps:milestones", args=[study.slug]),
        reverse("roadmaps:milestone_add", args=[study.slug]),
    ]
    if milestone is not None:
        pages.append(reverse("roadmaps:milestone_edit", args=[study.slug, milestone.pk]))
    return pages


ADMIN_PAGES = [
    "/admin/",
    "/admin/surveys/study/",
    "/admin/surveys/panelist/",
    "/admin/surveys/submission/",
    "/admin/axes/accessattempt/",
    "/api/docs/",
    "/api/v1/studies/",
]


@pytest.fixture
def scored_demo(demo_study):
    for round_ in Round.objects.filter(study=demo_study).exclude(status=Round.Status.DRAFT):
        round_recompute(round_id=round_.pk)
    return demo_study


def test_no_page_reports_a_content_security_policy_violation(watched, live_server, scored_demo):
    study = scored_demo
    report = visit(watched, "/q/no-such-link/", status=404)
    assert report["violations"] == []
    pages = ["/", "/accounts/login/"]
    for round_ in study.rounds.exclude(status=Round.Status.DRAFT):
        for invitation in round_.invitations.select_related("panelist").order_by("panelist")[:2]:
            pages.append(invitation_link(invitation=invitation))
    superuser = UserFactory(username="root", is_superuser=True)
    for path in pages:
        report = visit(watched, path)
        assert report["violations"] == [], (path, report["violations"])

    sign_in(watched, live_server, superuser)
    drawn = 0
    for path in study_pages(study, number_open=2, number_closed=1) + ADMIN_PAGES:
        report = visit(watched, path)
        assert report["violations"] == [], (path, report["violations"])
        drawn += report["charts"]
    assert drawn >= 3  # the results and roadmap charts did draw under the policy
    assert watched.errors == []


def test_a_questionnaire_saves_and_submits_under_the_policy(watched, scored_demo):
    invitation = (
        Round.objects.get(study=scored_demo, status=Round.Status.OPEN)
        .invitations.select_related("panelist")
        .get(panelist__pseudonym="E09")
    )
    path = invitation_link(invitation=invitation)
    report = visit(watched, path)
    assert report["violations"] == []
    first = watched.locator("input[type=radio]").first
    first.check()
    watched.wait_for_timeout(1500)  # the change is saved at once, by fetch()
    assert watched.evaluate("window.__violations") == []
    assert watched.errors == []


def test_the_lockout_page_shows_under_the_policy(watched, scored_demo):
    UserFactory(username="ana")
    watched.goto("/accounts/login/")
    for _ in range(5):
        watched.fill("#id_username", "ana")
        watched.fill("#id_password", "not the password")
        watched.locator("main button[type=submit]").click()
        watched.wait_for_load_state("load")
    assert "Sign-in paused" in watched.content()
    assert watched.evaluate("window.__violations") == []


def test_hostile_names_comments_and_reasons_never_run_as_script(watched, live_server):
    study = hostile_study()
    sign_in(watched, live_server, UserFactory(username="root", is_superuser=True))
    pages = [questionnaire_path(study, expert) for expert in ("A", "B", "C")]
    pages += study_pages(study, number_open=2, number_closed=1)
    pages += [reverse("roadmaps:round", args=[study.slug, 2]), "/admin/surveys/panelist/"]
    drawn = 0
    for path in pages:
        for language in ("en", "zh-hans"):
            watched.context.add_cookies(
                [{"name": "django_language", "value": language, "url": live_server.url}]
            )
            report = visit(watched, path)
            assert watched.dialogs == [], (path, watched.dialogs)
            assert report["injected"] == 0, path
            assert report["violations"] == [], (path, report["violations"])
            drawn += report["charts"]
            # The payloads are there, shown as the text they are.
            text = watched.locator("body").inner_text()
            assert any(payload in text for payload in PAYLOADS), path
    assert drawn >= 4
    assert watched.errors == []
