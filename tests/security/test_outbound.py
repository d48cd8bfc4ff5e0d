"""Issue #12, high: SSRF through Web Push — every bypass form of the report is refused by the one
outbound client factory (core/outbound.py), and requests go to the address that was checked."""

from __future__ import annotations

import uuid

import httpx
import pytest

from ecovarejo.core.outbound import OutboundPolicy, UnsafeDestination, outbound_client, system_resolve
from tests.support import bearer, make_tenant, token_for


def fake_dns(table: dict[str, list[str]]):
    async def resolve(host: str, port: int) -> list[str]:
        if host in table:
            return table[host]
        return await system_resolve(host, port)

    return resolve


DNS = fake_dns({
    "127.0.0.1.nip.io": ["127.0.0.1"],
    "rebind.example": ["93.184.216.34", "10.0.0.5"],
    "push.example": ["93.184.216.34"],
    "v6metadata.example": ["fd00:ec2::254"],
})  # fmt: skip

BYPASSES = [
    "http://127.0.0.1:8080/x",
    "https://127.0.0.1/x",
    "https://2130706433/x",  # decimal
    "https://0177.0.0.1/x",  # octal
    "https://0x7f.1/x",  # hex, short form
    "https://localhost./x",
    "https://localhost:8443/x",
    "https://169.254.169.254/latest/meta-data/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://127.0.0.1.nip.io/x",
    "https://rebind.example/x",  # one private answer among public ones
    "https://10.1.2.3/x",
    "https://192.168.0.1/x",
    "https://172.16.0.1/x",
    "https://100.64.0.1/x",
    "https://224.0.0.1/x",
    "https://0.0.0.0/x",
    "https://[::1]/x",
    "https://[::ffff:127.0.0.1]/x",
    "https://[::ffff:7f00:1]/x",
    "https://[fe80::1]/x",
    "https://[fd00:ec2::254]/x",
    "https://v6metadata.example/x",
    "https://[2002:7f00:1::]/x",  # 6to4 around 127.0.0.1
    "https://[64:ff9b::a9fe:a9fe]/x",  # NAT64 around 169.254.169.254
    "https://user:pw@push.example/x",
    "ftp://push.example/x",
]


@pytest.mark.parametrize("url", BYPASSES)
async def test_every_bypass_form_is_refused(url: str) -> None:
    policy = OutboundPolicy(allow_http=True, resolve=DNS)
    with pytest.raises(UnsafeDestination):
        await policy.check(url)
    async with outbound_client(policy) as client:
        with pytest.raises((UnsafeDestination, httpx.InvalidURL)):  # httpx itself refuses some forms
            await client.get(url)


async def test_public_https_passes_and_http_only_in_development() -> None:
    assert (await OutboundPolicy(resolve=DNS).check("https://push.example/a"))[2] == "93.184.216.34"
    with pytest.raises(UnsafeDestination):
        await OutboundPolicy(resolve=DNS).check("http://push.example/a")
    assert OutboundPolicy.for_env("production").allow_http is False
    assert OutboundPolicy.for_env("development").allow_http is True


async def test_connects_to_the_checked_address_with_the_name_in_host() -> None:
    """A trusted (configured) name resolved once: the request goes to that address, Host keeps the name —
    a second DNS answer cannot send it elsewhere."""
    seen: list[tuple[str, str]] = []

    class Recorder(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            seen.append((request.url.host, request.headers["host"]))
            return httpx.Response(204)

    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    from ecovarejo.core.outbound import SafeTransport

    transport = SafeTransport(OutboundPolicy(resolve=rebinding), inner=Recorder())
    async with httpx.AsyncClient(transport=transport) as client:
        assert (await client.post("https://push.example/p")).status_code == 204
        with pytest.raises(UnsafeDestination):  # the rebound answer is checked too
            await client.post("https://push.example/p")
    assert seen == [("93.184.216.34", "push.example")]


async def test_push_subscriptions_to_our_network_are_refused(container, client) -> None:
    container.settings.outbound_allow_hosts = ""  # as deployed: no local fakes trusted
    tid = await make_tenant(container)
    h = {"X-Tenant-ID": str(tid), **bearer(token_for(container, tid, user_id=uuid.uuid4()))}
    keys = {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
            "auth": "tBHItJI5svbpez7KI4CCXg"}  # fmt: skip
    for endpoint in ("http://127.0.0.1:9/push", "http://2130706433/push", "http://169.254.169.254/latest/",
                     "https://localhost.:8443/push", "https://metadata.google.internal/"):  # fmt: skip
        r = await client.post("/api/v1/notifications/push-subscriptions", json={"endpoint": endpoint, "keys": keys},
                              headers=h)  # fmt: skip
        assert r.status_code == 422 and r.json()["code"] in ("unsafe_destination", "invalid_push_endpoint"), (
            endpoint, r.text,
        )  # fmt: skip
