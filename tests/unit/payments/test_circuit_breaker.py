from decimal import Decimal

from ecovarejo.payments.failover import CircuitBreaker, FailoverGateway
from ecovarejo.payments.gateway import GatewayResult
from ecovarejo.payments.providers.base import ProviderUnavailable


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_failures_and_probes_once_after_cooldown() -> None:
    clock = Clock()
    br = CircuitBreaker(failures=2, cooldown=10, clock=clock)
    assert br.allow()
    br.failure()
    assert br.allow() and br.state == "closed"
    br.failure()
    assert br.state == "open" and not br.allow()
    clock.now = 9.9
    assert not br.allow()
    clock.now = 10
    assert br.allow() and br.state == "half_open"
    assert not br.allow()  # one probe at a time
    br.failure()
    assert br.state == "open" and not br.allow()
    clock.now = 20
    assert br.allow()
    br.success()
    assert br.state == "closed" and br.allow() and br.count == 0


class Down:
    name = "down"

    def __init__(self) -> None:
        self.calls = 0

    async def authorize(self, **kw: object) -> GatewayResult:
        self.calls += 1
        raise ProviderUnavailable("refused", delivered=False)


class Up:
    name = "up"

    async def authorize(self, **kw: object) -> GatewayResult:
        return GatewayResult(True, "x1", "authorized", Decimal("1"))


async def test_open_circuit_skips_the_provider() -> None:
    clock = Clock()
    down = Down()
    gw = FailoverGateway({"a": down, "b": Up()}, order=["a", "b"], failures=2, cooldown=30, clock=clock)  # type: ignore[dict-item]
    for i in range(4):
        r = await gw.authorize(amount=Decimal("1"), currency="BRL", source="s", idempotency_key=f"k{i}")
        assert r.reference == "b:x1"
    assert down.calls == 2  # then the circuit is open
    clock.now = 30
    await gw.authorize(amount=Decimal("1"), currency="BRL", source="s", idempotency_key="k9")
    assert down.calls == 3  # the half-open probe


async def test_a_typed_card_number_never_reaches_a_provider() -> None:
    down = Down()
    gw = FailoverGateway({"a": down}, order=["a"])  # type: ignore[dict-item]
    r = await gw.authorize(amount=Decimal("1"), currency="BRL", source="4242 4242 4242 4242", idempotency_key="k")
    assert (r.ok, r.code) == (False, "card_must_be_tokenized") and down.calls == 0
