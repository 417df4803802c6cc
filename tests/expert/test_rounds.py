"""Opening and closing rounds: invitations on opening, recompute and refusals on closing."""

import pytest

from scoring.models import ResultSnapshot
from surveys.models import Invitation, Round
from surveys.questionnaire import RoundClosedError, draft_save_many
from surveys.services import RoundStateError, round_close, round_open

from .builders import full_answers, import_study, seed_bundle

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft_study():
    return import_study(seed_bundle(rounds=[{"number": 1, "status": "draft"}]))


def test_a_draft_round_has_no_invitations_yet(draft_study):
    assert not Invitation.objects.filter(round__study=draft_study).exists()


def test_opening_a_round_invites_every_panelist_once(draft_study):
    round_ = draft_study.rounds.get()
    opened = round_open(round_=round_)
    assert opened.status == Round.Status.OPEN and opened.opened_at is not None
    assert round_.status == Round.Status.OPEN  # the caller's object follows
    invitations = Invitation.objects.filter(round=round_)
    assert sorted(i.panelist.external_id for i in invitations) == ["X01", "X02", "X03"]
    assert len({i.token_hash for i in invitations}) == 3


def test_only_a_draft_round_can_be_opened(draft_study):
    round_ = draft_study.rounds.get()
    round_open(round_=round_)
    with pytest.raises(RoundStateError, match="not a draft"):
        round_open(round_=round_)


def test_a_second_round_cannot_open_while_one_is_open():
    study = import_study(
        seed_bundle(rounds=[{"number": 1, "status": "open"}, {"number": 2, "status": "draft"}])
    )
    with pytest.raises(RoundStateError, match="another round"):
        round_open(round_=study.rounds.get(number=2))
    assert study.rounds.get(number=2).status == Round.Status.DRAFT


def test_closing_a_round_refuses_later_answers(django_capture_on_commit_callbacks):
    study = import_study(seed_bundle())
    round_ = study.rounds.get()
    panelist = study.panelists.get(external_id="X01")
    with django_capture_on_commit_callbacks(execute=True):
        closed = round_close(round_=round_)
    assert closed.status == Round.Status.CLOSED and closed.closed_at is not None
    with pytest.raises(RoundClosedError):
        draft_save_many(
            round_=round_,
            panelist=panelist,
            answers=full_answers("T.BR.1", ("familiarity",)),
        )


def test_closing_a_round_recomputes_its_results_after_commit(django_capture_on_commit_callbacks):
    study = import_study(seed_bundle(), snapshots=False)
    round_ = study.rounds.get()
    assert not ResultSnapshot.objects.filter(round=round_).exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        round_close(round_=round_)
    assert len(callbacks) == 1
    assert ResultSnapshot.objects.filter(round=round_).exists()
    assert Round.objects.get(pk=round_.pk).answers_version == 0  # closing changes no answer


def test_only_an_open_round_can_be_closed():
    study = import_study(seed_bundle(rounds=[{"number": 1, "status": "draft"}]))
    with pytest.raises(RoundStateError, match="not open"):
        round_close(round_=study.rounds.get())
