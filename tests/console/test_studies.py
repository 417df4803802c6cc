"""Creating a study and editing its settings, including two analysts saving at once."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from scoring import method
from surveys.console.forms import StudyForm
from surveys.models import Study, StudyRole
from tests.factories import UserFactory, small_bundle

from .conftest import signed_in

pytestmark = pytest.mark.django_db


def form_data(study: Study | None = None, **changes: object) -> dict[str, object]:
    data = {k: v for k, v in StudyForm.initial_for(study).items() if v is not None}
    data.update({"title_en": "Quantum sensing", "title_zh": "量子传感", "region": "Hefei"})
    data.pop("show_identities", None)
    data.update(changes)
    return data


def test_a_new_study_shows_the_methods_defaults_and_its_creator_becomes_analyst(db):
    staff = UserFactory(username="maker")
    client = signed_in(staff)
    page = client.get(reverse("console:study_new")).content.decode()
    assert 'value="2/3"' in page and "Default: 2/3" in page
    assert 'value="30"' in page  # unpredictable = 30 years

    response = client.post(reverse("console:study_new"), form_data(slug="quantum-2025"))

    study = Study.objects.get(slug="quantum-2025")
    assert response["Location"] == reverse("console:framework", args=["quantum-2025"])
    assert study.title == {"en": "Quantum sensing", "zh-hans": "量子传感"}
    assert study.settings == {}  # every setting left at its default is not stored
    assert StudyRole.objects.get(study=study, user=staff).role == "analyst"


def test_a_changed_threshold_is_stored_exactly(small_study, analyst_of):
    client = analyst_of(small_study)
    response = client.post(
        reverse("console:settings", args=[small_study.slug]),
        form_data(small_study, stage_suitable_above="70%", advantage_ratio="3/4"),
    )
    assert response.status_code == 302
    small_study.refresh_from_db()
    assert small_study.settings == {"stage_suitable_above": "7/10", "advantage_ratio": "3/4"}
    assert small_study.method_settings.advantage_ratio == method.Fraction(3, 4)


def test_an_invalid_setting_is_refused_with_the_methods_reason(small_study, analyst_of):
    response = analyst_of(small_study).post(
        reverse("console:settings", args=[small_study.slug]),
        form_data(small_study, stage_disputed_from="0.8"),
    )
    assert response.status_code == 400
    assert "stage_disputed_from must not exceed" in response.content.decode()


def test_a_stale_settings_form_is_refused_rather_than_overwriting_a_colleagues_save(
    small_study, analyst_of
):
    first, second = analyst_of(small_study, "first"), analyst_of(small_study, "second")
    url = reverse("console:settings", args=[small_study.slug])
    both_read = form_data(small_study)  # both analysts opened the form at the same version

    assert first.post(url, {**both_read, "region": "Shanghai"}).status_code == 302
    response = second.post(url, {**both_read, "region": "Shenzhen"})

    assert response.status_code == 409
    assert "Someone else saved" in response.content.decode()
    small_study.refresh_from_db()
    assert small_study.region == "Shanghai"


def test_the_importance_scale_cannot_change_once_answers_exist(small_study, analyst_of):
    response = analyst_of(small_study).post(
        reverse("console:settings", args=[small_study.slug]),
        form_data(small_study, importance_high=7),
    )
    assert "scale cannot change" in response.content.decode()
    small_study.refresh_from_db()
    assert small_study.method_settings.importance_scale == (1, 5)


def test_only_an_administrator_may_show_identities(small_study, analyst_of, admin_client_):
    url = reverse("console:settings", args=[small_study.slug])
    analyst_of(small_study).post(url, form_data(small_study, show_identities="on"))
    small_study.refresh_from_db()
    assert small_study.show_identities is False
    admin_client_.post(url, form_data(small_study, show_identities="on"))
    small_study.refresh_from_db()
    assert small_study.show_identities is True


def test_a_whole_study_is_created_from_an_uploaded_bundle(db):
    staff = UserFactory(username="importer")
    data = json.dumps(small_bundle(slug="uploaded")).encode()
    response = signed_in(staff).post(
        reverse("console:study_import"), {"file": SimpleUploadedFile("s.json", data)}
    )
    assert response["Location"] == reverse("console:overview", args=["uploaded"])
    study = Study.objects.get(slug="uploaded")
    assert study.panelists.count() == 2
    assert StudyRole.objects.get(study=study, user=staff).role == "analyst"


def test_a_bad_bundle_names_the_entry_at_fault_and_creates_nothing(db):
    data = small_bundle(slug="broken")
    data["rounds"][0]["responses"][1]["value"] = 9
    response = signed_in(UserFactory(username="importer")).post(
        reverse("console:study_import"),
        {"file": SimpleUploadedFile("s.json", json.dumps(data).encode())},
        follow=True,
    )
    assert "rounds[0].responses[1].value" in response.content.decode()
    assert not Study.objects.filter(slug="broken").exists()


def test_an_analyst_gives_a_colleague_a_viewer_role(small_study, analyst_of):
    UserFactory(username="colleague")
    analyst_of(small_study).post(
        reverse("console:role_add", args=[small_study.slug]),
        {"username": "colleague", "role": "viewer"},
    )
    assert StudyRole.objects.get(study=small_study, user__username="colleague").role == "viewer"


def test_the_last_analyst_cannot_be_removed(small_study, analyst_of):
    client = analyst_of(small_study)
    me = StudyRole.objects.get(study=small_study, role="analyst").user
    client.post(reverse("console:role_remove", args=[small_study.slug, me.pk]))
    assert StudyRole.objects.filter(study=small_study, user=me).exists()
