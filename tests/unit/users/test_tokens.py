"""Access-token verification accepts our tokens and refuses every classic forgery (issue 3, point 3)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path

import pytest
from joserfc import jwt

from ecovarejo.core.auth import Principal
from ecovarejo.core.errors import Unauthorized
from ecovarejo.core.settings import Settings
from ecovarejo.users.keys import KeyRing, generate_key, load_key_ring, parse_pem_keys
from ecovarejo.users.tokens import API_AUDIENCE, TokenService

ISSUER = "http://issuer.test"
TENANT = uuid.UUID("00000000-0000-7000-8000-0000000000aa")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def ring(tmp_path: Path) -> KeyRing:
    return load_key_ring(Settings(data_dir=tmp_path))


@pytest.fixture
def svc(ring: KeyRing) -> TokenService:
    return TokenService(ring, ISSUER)


def principal(**kw) -> Principal:
    values = {"user_id": uuid.uuid4(), "tenant_id": TENANT, "user_type": "supplier"}
    values.update(kw)
    return Principal(**values)


def claims(**overrides) -> dict:
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": API_AUDIENCE,
        "sub": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + 900,
        "jti": uuid.uuid4().hex,
        "tid": str(TENANT),
        "token_use": "access",
        "user_type": "customer",
    }
    base.update(overrides)
    return base


def sign(ring: KeyRing, body: dict, **header) -> str:
    key = ring.signing_key
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "at+jwt", **header}, body, key, algorithms=["RS256"])


async def refused(svc: TokenService, token: str) -> Unauthorized:
    with pytest.raises(Unauthorized) as info:
        await svc.authenticate(token, TENANT)
    assert info.value.code == "invalid_token"
    return info.value


async def test_round_trip_carries_the_principal(svc: TokenService) -> None:
    company = uuid.uuid4()
    p = principal(permissions=frozenset({"manage_products"}), company_id=company, email="a@b.dev")
    token = svc.issue_access_token(p)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "RS256" and header["typ"] == "at+jwt" and header["kid"] == svc.ring.signing_key.kid
    got = await svc.authenticate(token, TENANT)
    assert got.user_id == p.user_id and got.tenant_id == TENANT and got.user_type == "supplier"
    assert got.permissions == {"manage_products"} and got.company_id == company and got.email == "a@b.dev"
    decoded = svc.verify_access_token(token)
    assert {"iss", "aud", "sub", "exp", "nbf", "iat", "jti", "tid"} <= decoded.keys()
    assert decoded["exp"] - decoded["iat"] == 15 * 60


async def test_alg_none_is_refused(svc: TokenService) -> None:
    kid = svc.ring.signing_key.kid
    head = b64(json.dumps({"alg": "none", "typ": "at+jwt", "kid": kid}).encode())
    token = f"{head}.{b64(json.dumps(claims()).encode())}."
    await refused(svc, token)


async def test_hs256_signed_with_the_public_key_is_refused(svc: TokenService) -> None:
    key = svc.ring.signing_key
    public_pem = key.as_pem(private=False)
    head = b64(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": key.kid}).encode())
    body = b64(json.dumps(claims()).encode())
    sig = hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    await refused(svc, f"{head}.{body}.{b64(sig)}")


async def test_unknown_or_missing_kid_is_refused(svc: TokenService) -> None:
    stranger = KeyRing([generate_key()])
    await refused(svc, sign(stranger, claims()))
    # our key's signature but a kid we do not know
    await refused(svc, sign(svc.ring, claims(), kid="not-a-known-kid"))
    key = svc.ring.signing_key
    no_kid = jwt.encode({"alg": "RS256", "typ": "at+jwt"}, claims(), key, algorithms=["RS256"])
    await refused(svc, no_kid)


async def test_expired_token_is_refused(svc: TokenService) -> None:
    token = svc.issue_access_token(principal(), now=time.time() - 3600)
    await refused(svc, token)


async def test_future_nbf_is_refused(svc: TokenService) -> None:
    await refused(svc, sign(svc.ring, claims(nbf=int(time.time()) + 600)))


async def test_wrong_issuer_and_audience_are_refused(svc: TokenService, ring: KeyRing) -> None:
    other_issuer = TokenService(ring, "http://evil.test")
    await refused(svc, other_issuer.issue_access_token(principal()))
    await refused(svc, sign(ring, claims(aud="another-api")))


async def test_id_token_is_not_an_access_token(svc: TokenService) -> None:
    id_token = svc.issue_id_token(
        subject=uuid.uuid4(), tenant_id=TENANT, client_id=API_AUDIENCE, nonce="n", auth_time=int(time.time())
    )
    await refused(svc, id_token)
    # even with an at+jwt header, an ID token's token_use gives it away
    await refused(svc, sign(svc.ring, claims(token_use="id")))


async def test_third_party_client_token_is_not_accepted_by_the_api(svc: TokenService) -> None:
    token = svc.issue_access_token(principal(), client_id="some-client", scope="openid profile")
    await refused(svc, token)
    assert svc.verify_access_token(token, audience="ecovarejo-oauth")["client_id"] == "some-client"


async def test_tampered_signature_and_garbage_are_refused(svc: TokenService) -> None:
    token = svc.issue_access_token(principal())
    head, body, sig = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(body + "=="))
    forged["user_type"] = "admin"
    await refused(svc, f"{head}.{b64(json.dumps(forged).encode())}.{sig}")
    await refused(svc, "not-a-jwt")
    await refused(svc, "a.b.c")


async def test_token_of_another_tenant_is_refused(svc: TokenService) -> None:
    token = svc.issue_access_token(principal(tenant_id=uuid.uuid4()))
    await refused(svc, token)


async def test_missing_required_claims_are_refused(svc: TokenService) -> None:
    for name in ("exp", "nbf", "iat", "jti", "sub", "tid"):
        body = claims()
        del body[name]
        await refused(svc, sign(svc.ring, body))


async def test_rotation_keeps_old_kid_until_retired(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    ring = load_key_ring(settings)
    svc = TokenService(ring, ISSUER)
    old_kid = ring.signing_key.kid
    old_token = svc.issue_access_token(principal())
    new_kid = ring.rotate()
    assert new_kid != old_kid and ring.signing_key.kid == new_kid
    # a fresh process loads both keys from the file
    reloaded = TokenService(load_key_ring(settings), ISSUER)
    assert {k["kid"] for k in reloaded.ring.jwks()["keys"]} == {old_kid, new_kid}
    assert (await reloaded.authenticate(old_token, TENANT)).tenant_id == TENANT
    new_token = reloaded.issue_access_token(principal())
    assert json.loads(base64.urlsafe_b64decode(new_token.split(".")[0] + "=="))["kid"] == new_kid
    with pytest.raises(ValueError):
        ring.retire(new_kid)
    ring.retire(old_kid)
    after = TokenService(load_key_ring(settings), ISSUER)
    await refused(after, old_token)
    assert (await after.authenticate(new_token, TENANT)).tenant_id == TENANT


def test_key_file_is_reused_and_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = load_key_ring(settings)
    second = load_key_ring(settings)
    assert first.kids == second.kids
    assert (first.path.stat().st_mode & 0o777) == 0o600
    assert all("d" not in k for k in first.jwks()["keys"])  # public halves only


def test_configured_key_file(tmp_path: Path) -> None:
    path = tmp_path / "jwt.pem"
    key = generate_key()
    path.write_text(key.as_pem(private=True).decode())
    ring = load_key_ring(Settings(data_dir=tmp_path / "unused", jwt_private_key_file=path))
    assert ring.kids == [key.kid]
    assert parse_pem_keys(path.read_text())[0].kid == key.kid
    with pytest.raises(FileNotFoundError):
        load_key_ring(Settings(jwt_private_key_file=tmp_path / "missing.pem"))


async def test_running_processes_pick_up_a_rotation(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    one = TokenService(load_key_ring(settings), ISSUER)
    two = TokenService(load_key_ring(settings), ISSUER)
    # step 1: a new verification key, step 2: promote it (both from process one)
    kid = one.ring.add_verification_key()
    assert one.ring.signing_key.kid != kid and kid in one.ring.kids
    one.ring.promote(kid)
    token = one.issue_access_token(principal())
    # process two learns the new kid as soon as a token names it
    assert (await two.authenticate(token, TENANT)).tenant_id == TENANT
    # and signs with it after its next periodic check
    two.ring.reload_interval = 0
    assert json.loads(base64.urlsafe_b64decode(two.issue_access_token(principal()).split(".")[0] + "=="))["kid"] == kid
