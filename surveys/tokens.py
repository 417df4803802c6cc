"""Personal questionnaire tokens.

A token is an HMAC of the invitation's random salt under the site's secret key (256 bits). The
database keeps only the salt and the token's SHA-256, so a copy of the database opens no
questionnaire, yet the platform can print an expert's link again (`expert_link`) without
rotating it.
"""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings


def new_salt() -> str:
    return secrets.token_hex(16)


def token_for(salt: str) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"invitation:{salt}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
