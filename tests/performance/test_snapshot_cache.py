"""Result snapshots are read from the cache once read, and never stale."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.studies import questionnaire_study_build
from scoring.models import ResultSnapshot
from scoring.selectors import snapshot_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored_round():
    # No cache.clear(): the cache may be shared; keys carry the snapshot's computation time.
    study = questionnaire_study_build(fields=25, experts=2, slug="cached", answering=2)
    return study.rounds.get(number=1)


def test_a_second_read_of_a_snapshot_reads_only_its_version_row(scored_round):
    first = snapshot_document(round_=scored_round)
    with CaptureQueriesContext(connection) as captured:
        second = snapshot_document(round_=scored_round)
    assert second == first
    assert len(captured.captured_queries) == 1
    assert '"document"' not in captured.captured_queries[0]["sql"]


def test_a_new_snapshot_of_the_round_is_read_instead_of_the_cached_one(scored_round):
    old = snapshot_document(round_=scored_round)
    snapshot = ResultSnapshot.objects.get(round=scored_round)
    ResultSnapshot.objects.filter(pk=snapshot.pk).update(
        document={**old, "results": []}, computed_at=snapshot.computed_at + timedelta(seconds=1)
    )
    assert snapshot_document(round_=scored_round)["results"] == []


def test_a_round_without_a_snapshot_has_no_document(scored_round):
    ResultSnapshot.objects.filter(round=scored_round).delete()
    assert snapshot_document(round_=scored_round) is None
