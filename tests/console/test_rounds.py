"""A round's life cycle from the console: create, open (invitations e-mailed), watch, remind,
close (late answers refused), with the e-mails captured."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from surveys.bundles import bundle_import
from surveys.console import services
from surveys.console.selectors import panel_rows, round_progress
from surveys.models import Invitation, Round
from surveys.questionnaire import RoundClosedError, draft_save_many, submission_submit
from surveys.services import invitation_link
from tests.factories import small_bundle

pytestmark = pytest.mark.django_db

T1_ANSWERS = [
    {"node": "T.1", "measure": "familiarity", "value": 4},
    {"node": "T.1", "measure": "importance", "value": 5},
    {"node": "T.1", "measure": "maturity", "value": "short"},
    {"node": "T.1", "measure": "regional_advantage", "value": "yes"},
]


@pytest.fixture
def draft_study(db):
    """Three experts (Ada in English, Bo without e-mail, Cai in Chinese), round 1 a draft."""
    data = small_bundle(slug="draft-study")
    data["experts"].append(
        {"id": "C", "name": "Cai", "email": "cai@example.org", "language": "zh-hans"}
    )
    data["rounds"] = [{"number": 1, "status": "draft", "responses": []}]
    return bundle_import(data=data)


def panelist(study, external_id):
    return study.panelists.get(external_id=external_id)


def open_round(client, study, capture):
    with capture(execute=True):
        return client.post(reverse("console:round_open", args=[study.slug, 1]))


def test_the_open_confirmation_says_what_will_be_sent_and_who_has_no_e_mail(
    draft_study, analyst_of
):
    page = analyst_of(draft_study).get(reverse("console:round_open", args=[draft_study.slug, 1]))
    text = page.content.decode()
    assert "send 2 invitation e-mails" in text
    assert "E02" in text  # Bo, who has no e-mail address
    assert Round.objects.get(study=draft_study).status == Round.Status.DRAFT


def test_opening_a_round_e_mails_each_panelist_in_their_language_with_their_link(
    draft_study, analyst_of, django_capture_on_commit_callbacks
):
    response = open_round(analyst_of(draft_study), draft_study, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    round_ = Round.objects.get(study=draft_study)
    assert round_.status == Round.Status.OPEN and round_.opened_at is not None
    assert Invitation.objects.filter(round=round_).count() == 3
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"ada@example.org", "cai@example.org"}
    for external_id, address in (("A", "ada@example.org"), ("C", "cai@example.org")):
        invitation = Invitation.objects.get(round=round_, panelist__external_id=external_id)
        link = settings.SITE_URL.rstrip("/") + invitation_link(invitation=invitation)
        assert link in by_address[address].body
        assert invitation.sent_at is not None
    assert "Dear Ada" in by_address["ada@example.org"].body
    assert "邀请" in by_address["cai@example.org"].subject
    assert "Cai" in by_address["cai@example.org"].body
    # Bo has no e-mail: nothing was sent, and the analyst gets the link to share by hand.
    bo = Invitation.objects.get(round=round_, panelist__external_id="B")
    assert bo.sent_at is None
    page = analyst_of(draft_study, "ana2").get(reverse("console:round", args=[draft_study.slug, 1]))
    assert invitation_link(invitation=bo) in page.content.decode()
    assert "share the link by hand" in page.content.decode()


def test_the_panel_table_follows_each_panelist_from_invited_to_submitted(
    draft_study, analyst_of, django_capture_on_commit_callbacks
):
    client = analyst_of(draft_study)
    open_round(client, draft_study, django_capture_on_commit_callbacks)
    round_ = Round.objects.get(study=draft_study)
    url = reverse("console:round_progress", args=[draft_study.slug, 1])
    assert client.get(url).json()["states"] == {
        "E01": "invited",
        "E02": "invited",
        "E03": "invited",
    }

    Invitation.objects.filter(panelist__external_id="B").update(opened_at=timezone.now())
    draft_save_many(round_=round_, panelist=panelist(draft_study, "C"), answers=T1_ANSWERS[:2])
    draft_save_many(round_=round_, panelist=panelist(draft_study, "A"), answers=T1_ANSWERS)
    submission_submit(round_=round_, panelist=panelist(draft_study, "A"))

    data = client.get(url).json()
    assert data["states"] == {"E01": "submitted", "E02": "opened", "E03": "draft"}
    assert (data["invited"], data["submitted"], data["percent"]) == (3, 1, 33)
    assert data["counts"] == {"invited": 0, "opened": 1, "draft": 1, "submitted": 1}


def test_reminders_on_demand_go_only_to_those_with_e_mail_who_have_not_submitted(
    draft_study, analyst_of, django_capture_on_commit_callbacks
):
    client = analyst_of(draft_study)
    open_round(client, draft_study, django_capture_on_commit_callbacks)
    round_ = Round.objects.get(study=draft_study)
    draft_save_many(round_=round_, panelist=panelist(draft_study, "A"), answers=T1_ANSWERS)
    submission_submit(round_=round_, panelist=panelist(draft_study, "A"))
    # The invitations went out an hour ago: long enough for a reminder the analyst asks for.
    Invitation.objects.filter(round=round_).exclude(sent_at=None).update(
        sent_at=timezone.now() - timedelta(hours=1)
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("console:round_remind", args=[draft_study.slug, 1]))

    assert [m.to for m in mail.outbox] == [["cai@example.org"]]
    assert "提醒" in mail.outbox[0].subject
    assert Invitation.objects.get(round=round_, panelist__external_id="C").reminded_at


def test_closing_a_round_refuses_late_answers(
    draft_study, analyst_of, django_capture_on_commit_callbacks
):
    client = analyst_of(draft_study)
    open_round(client, draft_study, django_capture_on_commit_callbacks)
    round_ = Round.objects.get(study=draft_study)
    confirm = client.get(reverse("console:round_close", args=[draft_study.slug, 1]))
    assert "Late answers will be refused" in confirm.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("console:round_close", args=[draft_study.slug, 1]))

    round_.refresh_from_db()
    assert round_.status == Round.Status.CLOSED and round_.closed_at is not None
    with pytest.raises(RoundClosedError):
        draft_save_many(round_=round_, panelist=panelist(draft_study, "C"), answers=T1_ANSWERS)


def test_the_next_round_is_a_draft_numbered_after_the_last(small_study, analyst_of):
    client = analyst_of(small_study)
    client.post(reverse("console:round_create", args=[small_study.slug]))
    assert list(small_study.rounds.values_list("number", "status")) == [
        (1, "open"),
        (2, "draft"),
    ]
    # A second draft is refused while the first waits.
    client.post(reverse("console:round_create", args=[small_study.slug]))
    assert small_study.rounds.count() == 2


def test_a_round_cannot_open_while_another_is_open(small_study, analyst_of):
    client = analyst_of(small_study)
    client.post(reverse("console:round_create", args=[small_study.slug]))
    response = client.post(reverse("console:round_open", args=[small_study.slug, 2]), follow=True)
    assert "Round 1 is open" in response.content.decode()
    assert small_study.rounds.get(number=2).status == Round.Status.DRAFT


def test_a_round_cannot_open_with_an_empty_panel(db, analyst_of):
    data = small_bundle(slug="empty-panel")
    data["experts"] = []
    data["rounds"] = [{"number": 1, "status": "draft", "responses": []}]
    study = bundle_import(data=data)
    with pytest.raises(services.ConsoleError, match="panel is empty"):
        services.round_start(round_=study.rounds.get())


def test_the_rate_counts_submitted_panelists_over_invited_ones(scored_demo):
    round_ = scored_demo.rounds.get(number=2)
    progress = round_progress(round_=round_, rows=panel_rows(round_=round_))
    assert (progress.submitted, progress.invited) == (7, 10)
    assert progress.rate == pytest.approx(0.7)
