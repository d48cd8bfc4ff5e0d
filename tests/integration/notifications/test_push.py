"""Web Push for the PWA: subscription API, VAPID-signed requests, payloads encrypted for the browser's keys
(decrypted here with http_ece as the browser would), and expired subscriptions forgotten."""

from __future__ import annotations

import base64
import json
import os
import uuid

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwt
from joserfc.jwk import ECKey

from .events_data import order


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Browser:
    """A browser's push keys (RFC 8291): a P-256 key pair and an auth secret."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def subscription(self, endpoint: str) -> dict:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": b64(public), "auth": b64(self.auth)}}

    def decrypt(self, body: bytes) -> dict:
        return json.loads(http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"))


async def test_push_subscription_and_delivery(http_sink, envs, nsettings) -> None:
    env = await envs()
    user = uuid.uuid4()
    r = await env.client.get("/api/v1/notifications/push/vapid-public-key")
    assert r.status_code == 200
    server_key = r.json()["public_key"]
    assert len(unb64(server_key)) == 65 and (nsettings.data_dir / "vapid_private.pem").exists()

    browser = Browser()
    endpoint = f"{http_sink.url}/push/v2/{uuid.uuid4().hex}"
    r = await env.client.post(
        "/api/v1/notifications/push-subscriptions", json=browser.subscription(endpoint), headers=env.auth(user_id=user)
    )
    assert r.status_code == 201, r.text
    r = await env.client.get("/api/v1/notifications/push-subscriptions", headers=env.auth(user_id=user))
    assert [s["endpoint"] for s in r.json()] == [endpoint]

    await env.emit("order-events", "order.placed", order(user, locale="pt-BR"))
    msgs = await env.settle(2)
    assert {m.channel: m.status for m in msgs} == {"email": "sent", "push": "sent"}
    [req] = http_sink.requests
    headers = req["headers"]
    assert headers["Content-Encoding"] == "aes128gcm" and int(headers["TTL"]) > 0

    # VAPID (RFC 8292): "vapid t=<JWT>, k=<server public key>", the JWT signed by that key for this origin.
    scheme, _, params = headers["Authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(p.strip().split("=", 1) for p in params.split(","))
    assert fields["k"] == server_key
    point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(fields["k"]))
    key = ECKey.import_key(
        point.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    token = jwt.decode(fields["t"], key, algorithms=["ES256"])
    assert token.claims["aud"] == http_sink.url and token.claims["sub"].startswith("mailto:")

    payload = browser.decrypt(req["body"])
    assert payload["title"] == "Pedido EV-2026-000123 confirmado"
    assert "R$ 1.234,50" in payload["body"] and payload["lang"] == "pt-BR"
    assert payload["url"].startswith("/account/orders/") and payload["tag"] == "order_confirmation"

    # A second browser key cannot read it.
    try:
        Browser().decrypt(req["body"])
        raise AssertionError("decrypted with the wrong key")
    except Exception as exc:
        assert not isinstance(exc, AssertionError)


async def test_gone_subscription_is_forgotten(http_sink, envs) -> None:
    http_sink.statuses = [410]
    env = await envs()
    user = uuid.uuid4()
    endpoint = f"{http_sink.url}/push/gone"
    r = await env.client.post(
        "/api/v1/notifications/push-subscriptions",
        json=Browser().subscription(endpoint),
        headers=env.auth(user_id=user),
    )
    assert r.status_code == 201
    await env.emit("order-events", "order.paid", order(user))
    msgs = await env.settle(2)
    push = next(m for m in msgs if m.channel == "push")
    assert push.status == "dead" and push.attempts == 1 and "gone" in push.last_error
    r = await env.client.get("/api/v1/notifications/push-subscriptions", headers=env.auth(user_id=user))
    assert r.json() == []


async def test_push_subscription_api_validates_and_unsubscribes(http_sink, envs) -> None:
    env = await envs()
    user = uuid.uuid4()
    auth = env.auth(user_id=user)
    sub = Browser().subscription(f"{http_sink.url}/push/1")
    r = await env.client.post("/api/v1/notifications/push-subscriptions", json=sub)
    assert r.status_code == 401
    bad = {**sub, "keys": {"p256dh": "short", "auth": "x"}}
    r = await env.client.post("/api/v1/notifications/push-subscriptions", json=bad, headers=auth)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    r = await env.client.post(
        "/api/v1/notifications/push-subscriptions", json={**sub, "endpoint": "not a url"}, headers=auth
    )
    assert r.status_code == 422
    r = await env.client.post("/api/v1/notifications/push-subscriptions", json=sub, headers=auth)
    assert r.status_code == 201
    # Another user cannot remove it.
    r = await env.client.post(
        "/api/v1/notifications/push-subscriptions/delete", json={"endpoint": sub["endpoint"]}, headers=env.auth()
    )
    assert r.status_code == 404
    r = await env.client.post(
        "/api/v1/notifications/push-subscriptions/delete", json={"endpoint": sub["endpoint"]}, headers=auth
    )
    assert r.status_code == 204
    r = await env.client.get("/api/v1/notifications/push-subscriptions", headers=auth)
    assert r.json() == []


async def test_configured_vapid_key_is_used(tmp_path, envs, notif_env) -> None:
    from py_vapid import Vapid

    from ecovarejo.notifications.channels.push import public_key_b64

    vapid = Vapid()
    vapid.generate_keys()
    path = tmp_path / "my-vapid.pem"
    vapid.save_key(str(path))
    notif_env(vapid_private_key_file=path, vapid_subject="mailto:ops@ecovarejo.example")
    env = await envs()
    r = await env.client.get("/api/v1/notifications/push/vapid-public-key")
    assert r.json()["public_key"] == public_key_b64(Vapid.from_file(str(path)))
