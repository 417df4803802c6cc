"""Analysts add, edit and delete milestones; viewers only read them."""

import pytest
from django.urls import reverse

from roadmaps.services import MilestoneError, milestone_create
from surveys.models import Milestone, StudyRole
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(small_study):
    user = UserFactory()
    grant(user, small_study, StudyRole.Role.ANALYST)
    return user


@pytest.fixture
def viewer(small_study):
    user = UserFactory()
    grant(user, small_study, StudyRole.Role.VIEWER)
    return user


def node_pk(study, code: str) -> int:
    return study.nodes.get(code=code).pk


def test_an_analyst_adds_a_milestone_with_labels_in_both_languages(client, small_study, analyst):
    client.force_login(analyst)
    response = client.post(
        reverse("roadmaps:milestone_add", args=[small_study.slug]),
        {
            "node": node_pk(small_study, "E"),
            "year": 2029,
            "label_en": "Data law",
            "label_zh_hans": "数据法",
        },
    )
    assert response.status_code == 302
    milestone = Milestone.objects.get(study=small_study, year=2029)
    assert milestone.label == {"en": "Data law", "zh-hans": "数据法"}
    assert milestone.node.code == "E"
    assert milestone.position > Milestone.objects.get(study=small_study, year=2026).position


def test_a_milestone_needs_a_label_in_at_least_one_language(client, small_study, analyst):
    client.force_login(analyst)
    response = client.post(
        reverse("roadmaps:milestone_add", args=[small_study.slug]),
        {"node": node_pk(small_study, "E"), "year": 2029, "label_en": " ", "label_zh_hans": ""},
    )
    assert response.status_code == 200
    assert "at least one language" in response.content.decode()
    assert not Milestone.objects.filter(study=small_study, year=2029).exists()


def test_a_milestone_year_must_be_a_plausible_year(client, small_study, analyst):
    client.force_login(analyst)
    response = client.post(
        reverse("roadmaps:milestone_add", args=[small_study.slug]),
        {"node": node_pk(small_study, "E"), "year": 20290, "label_en": "Typo"},
    )
    assert response.status_code == 200
    assert not Milestone.objects.filter(study=small_study, label__en="Typo").exists()


def test_a_node_of_another_study_cannot_be_chosen(client, small_study, demo_study, analyst):
    client.force_login(analyst)
    response = client.post(
        reverse("roadmaps:milestone_add", args=[small_study.slug]),
        {"node": demo_study.nodes.get(code="E.PO").pk, "year": 2029, "label_en": "Elsewhere"},
    )
    assert response.status_code == 200
    assert not Milestone.objects.filter(label__en="Elsewhere").exists()


def test_the_service_refuses_a_node_of_another_study(small_study, demo_study):
    with pytest.raises(MilestoneError):
        milestone_create(
            study=small_study, node=demo_study.nodes.get(code="E.PO"), year=2030, label={"en": "x"}
        )


def test_an_analyst_edits_a_milestone(client, small_study, analyst):
    milestone = Milestone.objects.get(study=small_study)
    client.force_login(analyst)
    edit = reverse("roadmaps:milestone_edit", args=[small_study.slug, milestone.pk])
    form = client.get(edit).content.decode()
    assert 'value="A law"' in form and 'value="法规"' in form
    response = client.post(
        edit,
        {
            "node": node_pk(small_study, "T"),
            "year": 2031,
            "label_en": "A new law",
            "label_zh_hans": "",
        },
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.year, milestone.node.code, milestone.label) == (
        2031,
        "T",
        {"en": "A new law"},
    )


def test_an_analyst_deletes_a_milestone_after_confirming(client, small_study, analyst):
    milestone = Milestone.objects.get(study=small_study)
    client.force_login(analyst)
    delete = reverse("roadmaps:milestone_delete", args=[small_study.slug, milestone.pk])
    assert client.get(delete).status_code == 200
    assert Milestone.objects.filter(pk=milestone.pk).exists()
    assert client.post(delete).status_code == 302
    assert not Milestone.objects.filter(pk=milestone.pk).exists()


def test_a_viewer_reads_milestones_but_cannot_change_them(client, small_study, viewer):
    milestone = Milestone.objects.get(study=small_study)
    client.force_login(viewer)
    listing = client.get(reverse("roadmaps:milestones", args=[small_study.slug]))
    assert listing.status_code == 200
    assert "A law" in listing.content.decode()
    assert (
        reverse("roadmaps:milestone_add", args=[small_study.slug]) not in listing.content.decode()
    )
    for name, args in (
        ("milestone_add", [small_study.slug]),
        ("milestone_edit", [small_study.slug, milestone.pk]),
        ("milestone_delete", [small_study.slug, milestone.pk]),
    ):
        assert client.post(reverse(f"roadmaps:{name}", args=args)).status_code == 403
    assert Milestone.objects.filter(pk=milestone.pk).exists()


def test_an_analyst_of_another_study_sees_no_milestones(client, small_study, demo_study):
    outsider = UserFactory()
    grant(outsider, demo_study, StudyRole.Role.ANALYST)
    client.force_login(outsider)
    assert client.get(reverse("roadmaps:milestones", args=[small_study.slug])).status_code == 404


def test_a_milestone_of_another_study_is_not_found_under_this_one(
    client, small_study, demo_study, analyst
):
    other = Milestone.objects.filter(study=demo_study).first()
    client.force_login(analyst)
    url = reverse("roadmaps:milestone_edit", args=[small_study.slug, other.pk])
    assert client.get(url).status_code == 404


def test_milestones_added_here_travel_in_the_bundle(client, small_study, analyst):
    from surveys.bundles import bundle_export

    client.force_login(analyst)
    client.post(
        reverse("roadmaps:milestone_add", args=[small_study.slug]),
        {
            "node": node_pk(small_study, "E"),
            "year": 2032,
            "label_en": "Platform",
            "label_zh_hans": "平台",
        },
    )
    exported = bundle_export(study=small_study)["milestones"]
    assert {"node": "E", "year": 2032, "label": {"en": "Platform", "zh-hans": "平台"}} in exported
