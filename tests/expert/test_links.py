"""Personal links: what a token opens, and the friendly pages for the ones that open nothing."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from surveys import tokens
from surveys.expert.selectors import invitation_by_token
from surveys.models import Invitation, Round
from surveys.services import invitation_link, round_close

from .builders import import_study, invitation_of, link, seed_bundle

pytestmark = pytest.mark.django_db


@pytest.fixture
def study():
    return import_study(seed_bundle())


def test_a_token_carries_at_least_128_bits_and_only_its_hash_is_stored(study):
    invitation = invitation_of(study, "X01")
    token = invitation_link(invitation=invitation).strip("/").split("/")[-1]
    assert len(token) >= 22  # URL-safe base64: 6 bits a character, 256 bits here
    assert invitation.token_hash == tokens.token_hash(token)
    stored = {f.name: getattr(invitation, f.name) for f in Invitation._meta.concrete_fields}
    assert token not in {str(v) for v in stored.values()}


def test_the_link_opens_that_experts_questionnaire(client, study):
    response = client.get(link(study, "X01"))
    assert response.status_code == 200
    assert response.templates[0].name == "expert/questionnaire.html"
    assert response.context["q"].invitation.panelist.external_id == "X01"


def test_an_unknown_token_gets_a_friendly_not_found_page(client, study):
    response = client.get("/q/not-a-real-token-at-all/")
    assert response.status_code == 404
    assert b"Link not recognised" in response.content
    assert b"Traceback" not in response.content


def test_a_token_differing_in_one_character_opens_nothing(client, study):
    path = link(study, "X01")
    token = path.strip("/").split("/")[-1]
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/q/{changed}/").status_code == 404
    assert invitation_by_token(changed) is None


def test_an_overlong_token_is_refused_without_a_lookup(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert invitation_by_token("x" * 500) is None


def test_a_revoked_link_says_so_with_410(client, study):
    invitation = invitation_of(study, "X01")
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    response = client.get(link(study, "X01"))
    assert response.status_code == 410
    assert b"withdrawn" in response.content


def test_a_closed_round_without_a_submission_says_so_with_410(client, study):
    round_close(round_=study.rounds.get(number=1))
    response = client.get(link(study, "X01", number=1))
    assert response.status_code == 410
    assert b"This round is closed" in response.content


def test_a_closed_round_shows_the_submitted_answers_read_only(client):
    bundle = seed_bundle(
        rounds=[
            {
                "number": 1,
                "status": "closed",
                "responses": [
                    {"expert": "X01", "node": "T.BR.1", "measure": "familiarity", "value": 3},
                    {"expert": "X01", "node": "T.BR.1", "measure": "importance", "value": 2},
                    {"expert": "X01", "node": "T.BR.1", "measure": "maturity", "value": "long"},
                    {
                        "expert": "X01",
                        "node": "T.BR.1",
                        "measure": "regional_advantage",
                        "value": "no",
                    },
                    {"expert": "X01", "node": "T.BR.1", "measure": "investment", "value": "yes"},
                ],
            }
        ]
    )
    study = import_study(bundle)
    response = client.get(link(study, "X01", number=1))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This round is closed" in html
    assert 'value="2" data-node="T.BR.1" data-measure="importance" checked' in html
    assert "<fieldset" in html and " disabled>" in html
    assert 'data-action="submit"' not in html
    assert "questionnaire.js" not in html


def test_a_draft_round_link_is_not_open_yet(client, study):
    path = link(study, "X01")
    Round.objects.filter(study=study).update(status=Round.Status.DRAFT)
    response = client.get(path)
    assert response.status_code == 404
    assert b"not open yet" in response.content


def test_a_token_of_another_study_opens_only_that_study_and_cannot_answer_this_one(client):
    ours = import_study(seed_bundle(slug="ours"))
    theirs_bundle = seed_bundle(slug="theirs")
    theirs_bundle["framework"] = [
        {"code": "Z", "name": "Elsewhere", "measures": ["familiarity", "importance"]}
    ]
    theirs = import_study(theirs_bundle)
    their_link = link(theirs, "X01")
    page = client.get(their_link)
    assert page.context["q"].round.study == theirs
    assert list(page.context["q"].leaves_by_code()) == ["Z"]
    response = client.post(
        their_link + "answer",
        {"node": "T.BR.1", "measure": "familiarity", "value": 4},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "T.BR.1" in response.json()["error"]
    assert not ours.rounds.get().submissions.exists()


def test_the_first_opening_is_recorded_once(client, study):
    invitation = invitation_of(study, "X01")
    assert invitation.opened_at is None
    client.get(link(study, "X01"))
    first = Invitation.objects.get(pk=invitation.pk).opened_at
    assert first is not None
    client.get(link(study, "X01"))
    assert Invitation.objects.get(pk=invitation.pk).opened_at == first


def test_expert_link_prints_the_path_of_the_open_rounds_link(client, study):
    out = io.StringIO()
    call_command("expert_link", study.slug, "X02", stdout=out)
    path = out.getvalue().strip()
    assert path == link(study, "X02")
    assert path.startswith("/q/") and path.endswith("/")
    assert client.get(path).context["q"].invitation.panelist.external_id == "X02"


def test_expert_link_accepts_a_pseudonym(study):
    out = io.StringIO()
    call_command("expert_link", study.slug, "E03", stdout=out)
    assert out.getvalue().strip() == link(study, "X03")


@pytest.mark.parametrize(
    ("slug", "expert", "message"),
    [
        ("nope", "X01", "no study"),
        ("seed-open", "X99", "no expert"),
    ],
)
def test_expert_link_fails_with_one_clear_line(study, slug, expert, message):
    with pytest.raises(CommandError, match=message):
        call_command("expert_link", slug, expert)


def test_expert_link_needs_an_open_round(study):
    round_close(round_=study.rounds.get())
    with pytest.raises(CommandError, match="no open round"):
        call_command("expert_link", study.slug, "X01")


def test_the_link_query_builds_the_objects_the_orm_would(study):
    """`link_query` writes its join by hand for speed: the same values, of the same types."""
    from surveys.expert.link_query import invitation_by_hash

    Invitation.objects.filter(round__study=study).update(opened_at=timezone.now())
    for expected in Invitation.objects.filter(round__study=study).select_related(
        "round__study", "panelist"
    ):
        got = invitation_by_hash(expected.token_hash)
        pairs = [
            (expected, got),
            (expected.round, got.round),
            (expected.round.study, got.round.study),
            (expected.panelist, got.panelist),
        ]
        for want, have in pairs:
            for field in type(want)._meta.concrete_fields:
                value, built = getattr(want, field.attname), getattr(have, field.attname)
                assert (built, type(built)) == (value, type(value)), field
    assert invitation_by_hash("0" * 64) is None
