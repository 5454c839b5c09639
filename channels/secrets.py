"""Comparing a secret someone sent with the one the shop holds.

``hmac.compare_digest`` raises TypeError on ``str`` values with non-ASCII
characters, which would turn a forged token into a 500; comparing UTF-8 bytes
keeps it a plain refusal. An unset secret matches nothing.
"""

from __future__ import annotations

import hmac
from typing import Optional


def same_secret(given: Optional[str], expected: Optional[str]) -> bool:
    """Constant-time equality of two texts; False when the expected secret is unset."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def bearer_token(authorization: Optional[str]) -> Optional[str]:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    return authorization[len("Bearer ") :]
