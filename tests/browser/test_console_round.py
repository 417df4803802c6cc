"""An analyst runs a round in Chromium: open it, watch the response rate move, close it."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from surveys.bundles import bundle_import
from surveys.models import Round, StudyRole
from surveys.questionnaire import draft_save_many, submission_submit
from tests.factories import UserFactory, small_bundle

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Static URLs without the collected manifest: the tests do not run collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def study():
    """Three experts (two with e-mail), the framework ready, round 1 a draft."""
    data = small_bundle(slug="browser-round")
    data["experts"].append(
        {"id": "C", "name": "Cai", "email": "cai@example.org", "language": "zh-hans"}
    )
    data["rounds"] = [{"number": 1, "status": "draft", "responses": []}]
    study = bundle_import(data=data)
    analyst = UserFactory(username="analyst")
    StudyRole.objects.create(user=analyst, study=study, role=StudyRole.Role.ANALYST)
    return study


def sign_in(page) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/console/")


def test_an_analyst_opens_a_round_watches_it_fill_and_closes_it(page, study):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page)

    page.get_by_role("link", name="Panel table").click()
    page.get_by_role("link", name="Open this round…").click()
    expect(page.get_by_text("send 2 invitation e-mails now")).to_be_visible()
    # The confirmation works from the keyboard alone.
    page.get_by_role("button", name="Open the round and send the invitations").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Round 1 is open. The invitations are being sent.")).to_be_visible()
    rate = page.locator("[data-rate-text]")
    expect(rate).to_have_text("0 of 3 submitted (0%)")
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "cai@example.org"]
    expect(page.get_by_text("share the link by hand").first).to_be_visible()

    # An expert submits while the analyst watches: the page updates without a reload.
    round_ = Round.objects.get(study=study)
    ada = study.panelists.get(external_id="A")
    draft_save_many(
        round_=round_,
        panelist=ada,
        answers=[{"node": "E", "measure": "comment", "value": "Regulation first."}],
    )
    submission_submit(round_=round_, panelist=ada)
    expect(rate).to_have_text("1 of 3 submitted (33%)", timeout=15_000)
    expect(page.locator('[data-state-for="E01"]')).to_have_text("submitted")
    assert page.evaluate("document.querySelector('progress.rate__bar').value") == 33

    page.get_by_role("link", name="Close this round…").click()
    expect(page.get_by_text("Late answers will be refused")).to_be_visible()
    page.get_by_role("button", name="Close the round").click()
    expect(page.get_by_text("Round 1 is closed.")).to_be_visible()
    round_.refresh_from_db()
    assert round_.status == Round.Status.CLOSED
    assert errors == []
