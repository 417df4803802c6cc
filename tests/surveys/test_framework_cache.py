"""The framework tree is read once per version of the study, and every edit retires it."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.db.models import F
from django.test import RequestFactory

from surveys.console import services
from surveys.framework import framework_load
from surveys.models import Node, Study

pytestmark = pytest.mark.django_db


def node(study, code):
    return Node.objects.get(study=study, code=code)


def test_a_tree_is_read_once_then_served_without_a_query(small_study, django_assert_num_queries):
    first = framework_load(study=Study.objects.get(pk=small_study.pk))
    study = Study.objects.get(pk=small_study.pk)  # as the next request reads it
    with django_assert_num_queries(0):
        again = framework_load(study=study)
    assert list(again.leaves) == list(first.leaves) == ["T.1", "T.2", "P.1", "E"]


def test_the_settings_come_from_the_study_the_caller_holds(small_study):
    framework_load(study=small_study)
    changed = Study.objects.get(pk=small_study.pk)
    changed.settings = {"reason_required": True}
    assert framework_load(study=changed).settings.reason_required is True
    assert framework_load(study=changed).study is changed


def test_parsed_settings_follow_every_change_and_bad_ones_keep_failing(small_study):
    study = Study.objects.get(pk=small_study.pk)
    for reason_required in (True, False, True):
        study.settings = {"reason_required": reason_required, "importance_consensus_iqr": 2}
        assert study.method_settings.reason_required is reason_required
    study.settings = {"importance_consensus_iqr": -1}
    for _attempt in range(2):  # a refusal is not remembered as a result
        with pytest.raises(ValueError, match="importance_consensus_iqr must be >= 0"):
            study.method_settings  # noqa: B018


def test_a_console_edit_is_seen_at_once_even_through_a_study_read_before_it(small_study):
    held = Study.objects.get(pk=small_study.pk)
    assert "T.2" in framework_load(study=held).leaves
    services.node_rename(node=node(small_study, "T.2"), code="T.22", name={"en": "Renamed"})
    for study in (held, Study.objects.get(pk=small_study.pk)):
        leaves = framework_load(study=study).leaves
        assert "T.22" in leaves and "T.2" not in leaves


def test_another_process_edit_is_seen_through_the_study_timestamp(small_study):
    """An edit made elsewhere reaches this process only through the study row it reads."""
    framework_load(study=Study.objects.get(pk=small_study.pk))
    Node.objects.filter(study=small_study, code="T.2").update(measures=["comment"])
    Study.objects.filter(pk=small_study.pk).update(
        updated_at=F("updated_at") + timedelta(seconds=1)
    )
    leaf = framework_load(study=Study.objects.get(pk=small_study.pk)).leaves["T.2"]
    assert leaf.measures == ("comment",)


def test_deleting_nodes_in_the_admin_retires_the_tree(small_study, admin_user):
    request = RequestFactory().post("/")
    request.user = admin_user
    model_admin = admin.site._registry[Node]
    assert "T.2" in framework_load(study=Study.objects.get(pk=small_study.pk)).leaves
    model_admin.delete_model(request, node(small_study, "T.2"))
    assert "T.2" not in framework_load(study=Study.objects.get(pk=small_study.pk)).leaves
    model_admin.delete_queryset(request, Node.objects.filter(study=small_study, code="P.1"))
    assert "P.1" not in framework_load(study=Study.objects.get(pk=small_study.pk)).leaves
