"""Webhook signatures (X-Hub-Signature-256) and the Graph API's appsecret_proof."""

from __future__ import annotations

import hashlib
import hmac
from typing import Optional

from channels.secrets import same_secret

PREFIX = "sha256="


def sign(app_secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value Facebook sends for ``body``."""
    return PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def is_valid(app_secret: str, body: bytes, header: Optional[str]) -> bool:
    """Constant-time check of X-Hub-Signature-256; a missing or SHA-1 header is invalid."""
    if not app_secret or not header or not header.startswith(PREFIX):
        return False
    return same_secret(header.strip(), sign(app_secret, body))


def appsecret_proof(app_secret: str, access_token: str) -> str:
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()
