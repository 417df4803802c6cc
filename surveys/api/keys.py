"""Keys to the REST API, stored as their SHA-256 only.

A key is 40 random hexadecimal digits (160 bits), too many to guess, so a plain SHA-256 is
enough to keep a copy of the database from opening the API. The key is shown once, when made
(`manage.py api_key`); a lost key is replaced by a new one, which retires the old.
"""

import hashlib
import secrets

from django.contrib.auth.models import User
from django.db import transaction

from ..models import ApiKey


def api_key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_issue(*, user: User) -> str:
    """A new key for the user, replacing any earlier one; returned once, never stored."""
    key = secrets.token_hex(20)
    with transaction.atomic():
        ApiKey.objects.filter(user=user).delete()
        ApiKey.objects.create(user=user, digest=api_key_digest(key))
    return key


def api_key_revoke(*, user: User) -> bool:
    """Retire the user's key; whether there was one."""
    deleted, _per_model = ApiKey.objects.filter(user=user).delete()
    return deleted > 0


def api_key_user(key: str) -> User | None:
    """The user whose key this is, or None."""
    found = ApiKey.objects.select_related("user").filter(digest=api_key_digest(key)).first()
    return None if found is None else found.user
