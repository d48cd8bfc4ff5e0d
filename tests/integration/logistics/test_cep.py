"""CEP lookup over HTTP against a local ViaCEP: address, cache, unknown and malformed CEPs, offline fallback."""

from __future__ import annotations

from ecovarejo.logistics.plugin import install_logistics
from ecovarejo.logistics.settings import LogisticsSettings


def _wire(container, url: str, **kw) -> None:
    install_logistics(container, LogisticsSettings(cep_provider="viacep", viacep_base=url, carrier_timeout=1.0, **kw))


async def test_lookup_fills_the_address_and_is_cached(container, client, viacep):
    fake, url = viacep
    _wire(container, url)
    r = await client.get("/api/v1/shipping/cep/01310-100")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body == {
        "cep": "01310-100",
        "state": "SP",
        "city": "São Paulo",
        "district": "Bela Vista",
        "street": "Avenida Paulista",
        "source": "viacep",
        "complete": True,
    }
    again = await client.get("/api/v1/shipping/cep/01310100")
    assert again.json() == body
    assert fake.calls == 1


async def test_unknown_cep_is_a_404_problem(container, client, viacep):
    _, url = viacep
    _wire(container, url)
    r = await client.get("/api/v1/shipping/cep/01999-999")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "cep_not_found"


async def test_malformed_or_impossible_cep_is_a_422(container, client, viacep):
    fake, url = viacep
    _wire(container, url)
    for bad in ("1234", "abcde-fgh", "00000-000"):
        r = await client.get(f"/api/v1/shipping/cep/{bad}")
        assert r.status_code == 422, bad
        assert r.json()["code"] == "invalid_cep"
    assert fake.calls == 0


async def test_service_down_still_answers_the_state_and_the_breaker_opens(container, client, viacep):
    fake, url = viacep
    fake.down = True
    _wire(container, url, breaker_failures=2, breaker_cooldown=3600)
    for _ in range(4):
        r = await client.get("/api/v1/shipping/cep/69005-040")
        assert r.status_code == 200
        assert r.json()["state"] == "AM"
        assert r.json()["source"] == "offline"
        assert r.json()["complete"] is False
    assert fake.calls == 2  # the circuit opened after two failures


async def test_slow_service_times_out_to_the_offline_answer(container, client, viacep):
    fake, url = viacep
    fake.delay = 3.0
    install_logistics(container, LogisticsSettings(cep_provider="viacep", viacep_base=url, carrier_timeout=0.2))
    r = await client.get("/api/v1/shipping/cep/01310-100")
    assert r.status_code == 200
    assert r.json()["source"] == "offline"
    assert r.json()["state"] == "SP"


async def test_offline_mode_needs_no_network(container, client):
    install_logistics(container, LogisticsSettings(cep_provider="offline"))
    r = await client.get("/api/v1/shipping/cep/90010-000")
    assert r.json()["state"] == "RS"
    assert r.json()["source"] == "offline"
