"""The ``eventually`` test helper: waits for an effect, returns its value, fails clearly."""

from __future__ import annotations

import asyncio

import pytest

from tests.support import eventually


async def test_returns_the_first_truthy_value_of_an_async_predicate() -> None:
    calls = 0

    async def ready() -> int:
        nonlocal calls
        calls += 1
        return calls if calls >= 3 else 0

    assert await eventually(ready, timeout=5, interval=0.001) == 3


async def test_accepts_a_sync_predicate() -> None:
    box: list[str] = []
    asyncio.get_running_loop().call_later(0.01, box.append, "done")
    assert await eventually(lambda: box, timeout=5, interval=0.001) == ["done"]


async def test_times_out_with_the_predicates_name_and_last_value() -> None:
    async def order_is_paid() -> str:
        return ""

    with pytest.raises(AssertionError, match=r"order_is_paid not true after 0.05s .*last returned ''"):
        await eventually(order_is_paid, timeout=0.05, interval=0.01)


async def test_a_failing_assertion_is_retried_then_reported() -> None:
    async def check() -> bool:
        assert 1 == 2, "still pending"
        return True

    with pytest.raises(AssertionError, match="raised AssertionError") as info:
        await eventually(check, timeout=0.03, interval=0.01, message="the order row")
    assert "the order row" in str(info.value)
    assert isinstance(info.value.__cause__, AssertionError)


async def test_other_errors_are_not_swallowed() -> None:
    async def broken() -> bool:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError, match="bug"):
        await eventually(broken, timeout=5)
