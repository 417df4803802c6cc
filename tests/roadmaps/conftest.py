import pytest

from scoring.recompute import round_recompute
from surveys.models import Round, Study


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Static URLs without the collected manifest: the tests do not run collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def score(study: Study) -> Study:
    """Compute every answered round's snapshot now (imports schedule it after commit)."""
    for round_ in Round.objects.filter(study=study, answers_version__gt=0).order_by("number"):
        round_recompute(round_id=round_.pk)
    return study


@pytest.fixture
def scored_demo(demo_study):
    return score(demo_study)


@pytest.fixture
def large_study(db):
    from surveys.bundles import bundle_import

    from .builders import large_bundle

    return score(bundle_import(data=large_bundle(fields=300, experts=4)))
