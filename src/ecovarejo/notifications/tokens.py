"""One-click unsubscribe tokens: a JWS (HS256) signed with the deployment's secret, so the link works
without signing in and cannot be forged or pointed at somebody else."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from ecovarejo.core.errors import InvalidInput

PURPOSE = "notifications.unsubscribe"


@dataclass(frozen=True)
class UnsubscribeClaims:
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    channel: str


def _key(secret: str) -> OctKey:
    # A key of its own, derived from the secret: a token for one purpose is useless for another.
    derived = hashlib.sha256(f"{PURPOSE}:{secret}".encode()).digest()
    return OctKey.import_key(derived)


def make_unsubscribe_token(secret: str, tenant_id: uuid.UUID, user_id: uuid.UUID, channel: str) -> str:
    payload = f"{tenant_id}.{user_id}.{channel}".encode()
    return jws.serialize_compact({"alg": "HS256"}, payload, _key(secret))


def read_unsubscribe_token(secret: str, token: str) -> UnsubscribeClaims:
    try:
        obj = jws.deserialize_compact(token, _key(secret), algorithms=["HS256"])
        tenant, user, channel = obj.payload.decode().split(".")
        return UnsubscribeClaims(uuid.UUID(tenant), uuid.UUID(user), channel)
    except (JoseError, ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("the unsubscribe link is not valid", code="invalid_unsubscribe_token") from exc
