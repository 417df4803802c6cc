import pytest


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The personas' passwords need no slow hashing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
