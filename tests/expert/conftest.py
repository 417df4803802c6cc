import pytest


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Static URLs without the collected manifest: the tests do not run collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
