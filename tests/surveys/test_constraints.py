"""Integrity is guarded by the database itself, not only by Python checks."""

import pytest
from django.db import IntegrityError, transaction

from surveys.models import Answer, Round, Submission

pytestmark = pytest.mark.django_db


def an_answer(small_study) -> Answer:
    return Answer.objects.filter(submission__round__study=small_study, measure=1).first()


def test_a_duplicate_answer_raises_even_when_python_checks_are_bypassed(small_study):
    answer = an_answer(small_study)
    duplicate = Answer(
        submission_id=answer.submission_id,
        node_id=answer.node_id,
        measure=answer.measure,
        draft=answer.draft,
        value=4,
        code=4,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.bulk_create([duplicate])


def test_a_value_code_outside_its_measure_is_refused_by_the_database(small_study):
    answer = an_answer(small_study)
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.filter(pk=answer.pk).update(code=0)  # importance 0 does not exist


def test_a_familiarity_of_six_is_refused_by_the_database(small_study):
    answer = Answer.objects.filter(submission__round__study=small_study, measure=0).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.filter(pk=answer.pk).update(code=6)


def test_two_open_rounds_are_refused_by_the_database(small_study):
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.create(study=small_study, number=2, status=Round.Status.OPEN)


def test_an_unknown_round_status_is_refused_by_the_database(small_study):
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.filter(study=small_study).update(status="paused")


def test_a_second_submission_of_one_expert_in_one_round_is_refused(small_study):
    submission = Submission.objects.filter(round__study=small_study).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.create(round=submission.round, panelist=submission.panelist)


def test_a_horizon_ending_before_it_starts_is_refused_by_the_database(small_study):
    with pytest.raises(IntegrityError), transaction.atomic():
        type(small_study).objects.filter(pk=small_study.pk).update(horizon_end=2000)
