"""Login throttling per account and per IP, with growing delays and a lock; no account enumeration
(issue 3, point 7)."""

from __future__ import annotations

import uuid

import pytest

from ecovarejo.users.ports import UsersPorts
from ecovarejo.users.throttle import FREE_ATTEMPTS, LOCK_AFTER, LoginThrottle, MemoryCounters, RedisCounters
from tests.conftest import REDIS_URL, needs_redis

from .conftest import PASSWORD, Api


async def attempt(api: Api, email: str, password: str):
    return await api.client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def test_unknown_email_and_wrong_password_answer_alike(api: Api) -> None:
    profile = await api.register()
    wrong = await attempt(api, profile["email"], "not-the-password")
    unknown = await attempt(api, "ghost@example.com", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda r: {k: v for k, v in r.json().items() if k not in ("request_id", "instance")}  # noqa: E731
    assert strip(wrong) == strip(unknown)


async def test_account_is_delayed_then_locked_even_for_the_right_password(api: Api) -> None:
    profile = await api.register()
    codes = [(await attempt(api, profile["email"], f"wrong-{i}")).status_code for i in range(FREE_ATTEMPTS)]
    assert codes == [401] * FREE_ATTEMPTS
    r = await attempt(api, profile["email"], PASSWORD)
    assert r.status_code == 429 and r.json()["code"] == "login_throttled" and int(r.headers["retry-after"]) >= 1
    # an unknown email is throttled exactly the same way
    for i in range(FREE_ATTEMPTS):
        await attempt(api, "ghost@example.com", f"wrong-{i}")
    r2 = await attempt(api, "ghost@example.com", PASSWORD)
    assert r2.status_code == 429 and r2.json()["code"] == "login_throttled"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", pytest.param("redis", marks=needs_redis)])
async def store(request):
    if request.param == "memory":
        yield MemoryCounters()
        return
    import redis.asyncio as aioredis

    client = aioredis.from_url(REDIS_URL)
    yield RedisCounters(client, prefix=f"test:{uuid.uuid4().hex}:")
    await client.aclose()


async def test_growing_delays_and_lock(store) -> None:
    clock = FakeClock()
    throttle = LoginThrottle(store, clock=clock)
    t, email, ip = "tenant", "a@example.com", "10.0.0.1"
    waits = []
    for _ in range(LOCK_AFTER):
        await throttle.failed(t, email, ip)
        waits.append(await throttle.retry_after(t, email, ip))
    assert waits[: FREE_ATTEMPTS - 1] == [0] * (FREE_ATTEMPTS - 1)
    delays = waits[FREE_ATTEMPTS - 1 : LOCK_AFTER - 1]
    assert delays == sorted(delays) and delays[0] >= 1 and delays[-1] > delays[0]  # growing
    assert waits[-1] == 15 * 60  # locked
    clock.now += 15 * 60 + 1
    assert await throttle.retry_after(t, email, ip) == 0
    await throttle.succeeded(t, email)
    assert await throttle.retry_after(t, email, None) == 0


async def test_per_ip_counter_spans_accounts(store) -> None:
    clock = FakeClock()
    throttle = LoginThrottle(store, clock=clock)
    ip = "203.0.113.9"
    for i in range(FREE_ATTEMPTS * 5):
        await throttle.failed("t", f"user{i}@example.com", ip)  # one failure per account: no account limit hit
    assert await throttle.retry_after("t", "fresh@example.com", ip) > 0
    assert await throttle.retry_after("t", "fresh@example.com", "198.51.100.1") == 0


@needs_redis
async def test_redis_counters_are_shared_between_processes() -> None:
    import redis.asyncio as aioredis

    prefix = f"test:{uuid.uuid4().hex}:"
    a, b = aioredis.from_url(REDIS_URL), aioredis.from_url(REDIS_URL)
    clock = FakeClock()
    one, two = (
        LoginThrottle(RedisCounters(a, prefix), clock=clock),
        LoginThrottle(RedisCounters(b, prefix), clock=clock),
    )
    for _ in range(FREE_ATTEMPTS):
        await one.failed("t", "x@example.com", None)
    assert await two.retry_after("t", "x@example.com", None) > 0
    await a.aclose()
    await b.aclose()


@needs_redis
async def test_container_with_redis_keeps_counters_in_redis(db_url: str, tmp_path) -> None:
    from ecovarejo.bootstrap import build_container
    from tests.conftest import make_settings

    container = build_container(make_settings(db_url, tmp_path, services="users", redis_url=REDIS_URL))
    try:
        throttle = container.ports.get(UsersPorts).throttle
        assert isinstance(throttle.store, RedisCounters)
        email = f"{uuid.uuid4().hex}@example.com"
        for _ in range(FREE_ATTEMPTS):
            await throttle.failed("t", email, None)
        assert await container.redis.exists(f"ev:login-throttle:acct:t:{email}") == 1
        assert await throttle.retry_after("t", email, None) > 0
        await throttle.succeeded("t", email)
    finally:
        await container.stop()
