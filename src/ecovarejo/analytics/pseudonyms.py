"""Pseudonymous visitor ids: a keyed hash (HMAC-SHA256 with the platform secret) of the user id or of
the random visitor cookie. Stable for one shop, meaningless without the key, never an IP address."""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(secret: str, kind: str, value: str) -> str:
    """``kind`` is ``u`` (a signed-in user's id) or ``v`` (the anonymous visitor cookie)."""
    return hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]
