"""OAuth 2.0 + OpenID Connect for third-party clients, driven by Authlib's client (issue 3, point 4):
discovery, client registration by an admin, authorization code with PKCE S256, consent screen, ID
token validated against the JWKS, userinfo, refresh, and the refusals."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.jwk import KeySet

from ecovarejo.core.models import DEFAULT_TENANT_ID
from tests.support import token_for

from .conftest import Api

REDIRECT = "https://rp.example/callback"


@pytest.fixture
def asgi(api: Api) -> httpx.ASGITransport:
    return api.client._transport  # the app behind the test client


async def register_client(api: Api, **kw) -> dict:
    admin = token_for(api.container, DEFAULT_TENANT_ID, "admin")
    r = await api.client.post(
        "/api/v1/admin/oauth/clients",
        headers=api.auth(admin),
        json={"name": "Loja Parceira", "redirect_uris": [REDIRECT], **kw},
    )
    assert r.status_code == 201, r.text
    return r.json()


def form_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


async def consent(api: Api, url: str, user_tokens: dict, decision: str = "approve") -> httpx.Response:
    page = await api.client.get(url, headers=api.auth(user_tokens))
    assert page.status_code == 200, page.text
    assert "Loja Parceira" in page.text and page.headers["x-frame-options"] == "DENY"
    fields = {k: v.replace("&amp;", "&") for k, v in form_fields(page.text).items()}
    return await api.client.post(
        "/oauth/authorize", data={**fields, "decision": decision}, headers=api.auth(user_tokens)
    )


async def test_authorization_code_flow_with_authlib(api: Api, asgi: httpx.ASGITransport) -> None:
    conf = (await api.client.get("/.well-known/openid-configuration")).json()
    registered = await register_client(api)
    assert registered["client_secret"]
    profile, user_tokens = await api.user("oidc.user@example.com", first_name="Olga")
    async with AsyncOAuth2Client(
        client_id=registered["client_id"],
        client_secret=registered["client_secret"],
        redirect_uri=REDIRECT,
        scope="openid profile email",
        code_challenge_method="S256",
        transport=asgi,
        base_url="http://testserver",
    ) as rp:
        verifier = generate_token(64)
        nonce = generate_token(20)
        url, state = rp.create_authorization_url(conf["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
        answer = await consent(api, url, user_tokens)
        assert answer.status_code == 302
        location = answer.headers["location"]
        assert location.startswith(REDIRECT + "?")
        query = parse_qs(urlsplit(location).query)
        assert query["state"] == [state] and query["iss"] == [conf["issuer"]]
        token = await rp.fetch_token(
            conf["token_endpoint"], authorization_response=location, code_verifier=verifier, state=state
        )
        assert token["token_type"] == "Bearer" and token["refresh_token"] and token["id_token"]

        # ID token: signature against the published JWKS, then the OIDC checks (iss, aud, nonce, at_hash...)
        jwks = (await rp.get(conf["jwks_uri"])).json()
        decoded = jwt.decode(
            token["id_token"], KeySet.import_key_set(jwks), algorithms=conf["id_token_signing_alg_values_supported"]
        )
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {"iss": {"values": [conf["issuer"]]}},
            {"nonce": nonce, "client_id": registered["client_id"], "access_token": token["access_token"]},
        )
        claims.validate(leeway=30)
        assert claims["sub"] == profile["id"] and claims["email"] == "oidc.user@example.com"
        assert claims["given_name"] == "Olga"

        info = (await rp.get(conf["userinfo_endpoint"])).json()
        assert info["sub"] == profile["id"] and info["email"] == "oidc.user@example.com"

        # the client's access token is not a key to the platform API
        r = await api.client.get("/api/v1/users/profile", headers=api.auth(token["access_token"]))
        assert r.status_code == 401

        # refresh rotates
        new = await rp.refresh_token(conf["token_endpoint"], refresh_token=token["refresh_token"])
        assert new["refresh_token"] != token["refresh_token"]
        assert (await rp.get(conf["userinfo_endpoint"])).status_code == 200

        # the code is single use: a replay fails and revokes what it issued
        again = await api.client.post(
            conf["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "redirect_uri": REDIRECT,
                "code_verifier": verifier,
                "client_id": registered["client_id"],
                "client_secret": registered["client_secret"],
            },
        )
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
        r = await api.client.post(
            conf["token_endpoint"],
            data={
                "grant_type": "refresh_token",
                "refresh_token": new["refresh_token"],
                "client_id": registered["client_id"],
                "client_secret": registered["client_secret"],
            },
        )
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


async def authorize_url(client_id: str, challenge: str | None = "x" * 43, redirect: str = REDIRECT, **extra) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect,
        "scope": "openid",
        "state": "s1",
        **extra,
    }
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    return "/oauth/authorize?" + httpx.QueryParams(params).__str__()


async def test_refusals(api: Api) -> None:
    registered = await register_client(api, confidential=False)
    assert registered["client_secret"] is None
    _, user_tokens = await api.user()
    cid = registered["client_id"]
    # redirect URIs are matched exactly, and a bad one is never redirected to
    for bad in (REDIRECT + "/", REDIRECT + "?x=1", "https://rp.example/callback2", "https://evil.example/callback"):
        r = await api.client.get(await authorize_url(cid, redirect=bad), headers=api.auth(user_tokens))
        assert r.status_code == 400 and "location" not in r.headers, bad
    r = await api.client.get(await authorize_url("nope"), headers=api.auth(user_tokens))
    assert r.status_code == 400
    # PKCE is required, with S256
    r = await api.client.get(await authorize_url(cid, challenge=None), headers=api.auth(user_tokens))
    assert r.status_code == 302 and "error=invalid_request" in r.headers["location"]
    r = await api.client.get(
        "/oauth/authorize?"
        + str(
            httpx.QueryParams(
                {
                    "response_type": "code",
                    "client_id": cid,
                    "redirect_uri": REDIRECT,
                    "scope": "openid",
                    "code_challenge": "x" * 43,
                    "code_challenge_method": "plain",
                }
            )
        ),
        headers=api.auth(user_tokens),
    )
    assert r.status_code == 302 and "error=invalid_request" in r.headers["location"]
    # not signed in: to the login page
    r = await api.client.get(await authorize_url(cid))
    assert r.status_code == 302 and r.headers["location"].startswith("/login?next=")
    # the user says no
    answer = await consent(api, await authorize_url(cid), user_tokens, decision="deny")
    assert answer.status_code == 302 and "error=access_denied" in answer.headers["location"]
    # a tampered consent form is refused
    page = await api.client.get(await authorize_url(cid), headers=api.auth(user_tokens))
    fields = {**form_fields(page.text), "scope": "openid email", "decision": "approve"}
    r = await api.client.post("/oauth/authorize", data=fields, headers=api.auth(user_tokens))
    assert r.status_code == 400
    # a wrong PKCE verifier fails at the token endpoint (public client: no secret)
    verifier = generate_token(64)
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    answer = await consent(api, await authorize_url(cid, challenge=create_s256_code_challenge(verifier)), user_tokens)
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    base = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": cid}
    r = await api.client.post("/oauth/token", data={**base, "code_verifier": generate_token(64)})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    # the failed attempt consumed the code
    r = await api.client.post("/oauth/token", data={**base, "code_verifier": verifier})
    assert r.status_code == 400
    # unknown grant type and unknown client
    r = await api.client.post("/oauth/token", data={"grant_type": "password", "client_id": cid})
    assert r.json()["error"] == "unsupported_grant_type"
    r = await api.client.post("/oauth/token", data={"grant_type": "authorization_code", "client_id": "ghost"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    # registration refuses non-https redirect URIs (except localhost)
    admin = token_for(api.container, DEFAULT_TENANT_ID, "admin")
    r = await api.client.post(
        "/api/v1/admin/oauth/clients",
        headers=api.auth(admin),
        json={"name": "x", "redirect_uris": ["http://rp.example/cb"]},
    )
    assert r.status_code == 422
    # userinfo needs a client token
    r = await api.client.get("/oauth/userinfo", headers=api.auth(user_tokens))
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
