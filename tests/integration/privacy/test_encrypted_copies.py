"""Encryption at rest of the copies other contexts keep of a person's data (LGPD art. 46): the orders' buyer
snapshot and addresses, the notification directory and messages' addresses, the shipments' recipient, the
address of someone who asked to register a company that already has an account (found by its blind index).
The raw rows hold only ciphertext, the code reads plain values (dicts for addresses), the key rotation
covers them, and the migrations encrypt rows written before (and decrypt them on downgrade). SQLite and
PostgreSQL."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from ecovarejo.bootstrap import build_container
from ecovarejo.core import crypto, migrate
from ecovarejo.core.container import Container
from ecovarejo.core.db import utcnow
from ecovarejo.core.models import DEFAULT_TENANT_ID
from ecovarejo.core.settings import get_settings
from ecovarejo.logistics.models import Shipment
from ecovarejo.notifications.models import NotificationMessage, Recipient
from ecovarejo.orders.models import Order
from ecovarejo.privacy.keys import rotate
from ecovarejo.users import repository as users_repo
from ecovarejo.users.models import Company, CompanyJoinRequest
from tests.conftest import make_settings

EMAIL, FIRST, PHONE = "joana.prado@example.com", "Joana", "+5511987654321"
STREET, CEP = "Rua das Palmeiras 1234", "01310100"
ADDRESS = {"recipient": "Joana Prado", "street": STREET, "number": "12", "city": "São Paulo", "state": "SP",
           "postal_code": CEP, "phone": PHONE}  # fmt: skip
PLAIN = (EMAIL, "joana", PHONE, "987654321", STREET, "Palmeiras", CEP, "Prado")
COLUMNS = {
    "orders": ("email", "first_name", "shipping_address", "billing_address"),
    "notification_recipients": ("email", "phone", "first_name"),
    "notification_messages": ("to_address",),
    "shipments": ("recipient", "destination_cep", "email", "first_name"),
    "user_company_join_requests": ("requester_email",),
}


async def _write(c: Container) -> dict[str, uuid.UUID]:
    """One row of each table through the ORM, as the contexts write them."""
    ids = {name: uuid.uuid4() for name in COLUMNS}
    async with c.uow(DEFAULT_TENANT_ID, actor="test") as uow:
        company = Company(cnpj="12ABC34501DE35", legal_name="Verde Atacado Ltda")
        uow.session.add(company)
        await uow.flush()
        uow.session.add_all([
            Order(id=ids["orders"], order_number=f"EV-{ids['orders'].hex[:8]}", user_id=uuid.uuid4(), status="paid",
                  subtotal=Decimal("10"), total_amount=Decimal("10"), shipping_address=ADDRESS,
                  billing_address={**ADDRESS, "recipient": "Joana P."}, shipping_state="SP",
                  carbon_footprint=Decimal("0"), sustainability_score=0, email=EMAIL, first_name=FIRST),
            Recipient(id=ids["notification_recipients"], user_id=uuid.uuid4(), email=EMAIL, phone=PHONE,
                      first_name=FIRST, locale="pt-BR", marketing_consent=False),
            NotificationMessage(id=ids["notification_messages"], user_id=None, channel="email",
                                category="transactional", template="order_confirmation", locale="pt-BR",
                                to_address=EMAIL, subject="Pedido", body_text="Olá", headers={}, status="sent",
                                attempts=1, next_attempt_at=utcnow(), dedupe_key=str(uuid.uuid4())),
            Shipment(id=ids["shipments"], order_id=ids["orders"], order_number="EV-1", status="created",
                     carrier="table_rate", service="standard", service_name="Entrega", origin_cep="01001000",
                     destination_cep=CEP, recipient=ADDRESS, email=EMAIL, first_name=FIRST),
            CompanyJoinRequest(id=ids["user_company_join_requests"], company_id=company.id, requester_email=EMAIL),
        ])  # fmt: skip
        await uow.commit()
    return ids


async def _raw(c: Container) -> dict[str, list[Any]]:
    out = {}
    async with c.db.system_session() as s:
        for table, cols in COLUMNS.items():
            row = (await s.execute(text(f"SELECT {', '.join(cols)} FROM {table}"))).one()
            out[table] = [str(v) for v in row]
    return out


async def _read(c: Container, ids: dict[str, uuid.UUID]) -> None:
    async with c.uow(DEFAULT_TENANT_ID, read_only=True) as uow:
        order = await uow.session.get(Order, ids["orders"])
        rec = await uow.session.get(Recipient, ids["notification_recipients"])
        msg = await uow.session.get(NotificationMessage, ids["notification_messages"])
        ship = await uow.session.get(Shipment, ids["shipments"])
        join = await uow.session.get(CompanyJoinRequest, ids["user_company_join_requests"])
        assert order and rec and msg and ship and join
        assert join.requester_email == EMAIL
    async with c.uow(DEFAULT_TENANT_ID, actor="test") as uow:  # found by its blind index (its account's erasure)
        assert await users_repo.delete_company_join_requests(uow, EMAIL) == 1
        await uow.rollback()
        assert (order.email, order.first_name, order.shipping_address) == (EMAIL, FIRST, ADDRESS)
        assert order.billing_address == {**ADDRESS, "recipient": "Joana P."}
        assert (rec.email, rec.phone, rec.first_name, msg.to_address) == (EMAIL, PHONE, FIRST, EMAIL)
        assert (ship.recipient, ship.destination_cep, ship.email, ship.first_name) == (ADDRESS, CEP, EMAIL, FIRST)


def _assert_sealed(raw: dict[str, list[str]]) -> None:
    for table, values in raw.items():
        assert all(v.startswith(crypto.PREFIX) for v in values), (table, values)
        stored = " ".join(values).lower()
        assert not [p for p in PLAIN if p.lower() in stored], table


async def test_the_copies_hold_only_ciphertext_and_rotate(container: Container) -> None:
    ids = await _write(container)
    _assert_sealed(await _raw(container))
    await _read(container, ids)
    # every copy is covered by the 90-day rotation: re-encrypted under the new key, still readable
    before = await _raw(container)
    report = await rotate(container, force_new_key=True)
    after = await _raw(container)
    for table in COLUMNS:
        assert all(a != b for a, b in zip(after[table], before[table], strict=True)), table
        assert len({crypto.key_id_of(v) for v in after[table]}) == 1
    assert {f"{t}.{c}" for t, cols in COLUMNS.items() for c in cols} <= set(report.by_column)
    await _read(container, ids)


async def test_the_migrations_encrypt_existing_copies_and_decrypt_on_downgrade(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(db_url, tmp_path)
    monkeypatch.setenv("ECOVAREJO_SECRET_KEY", settings.secret_key)
    get_settings.cache_clear()
    try:
        c = build_container(settings, run_relay=False, run_consumers=False)
        try:
            ids = await _write(c)
        finally:
            await c.stop()
        for revision in ("orders_0003", "notifications_0002", "logistics_0003", "users_0005"):
            migrate.downgrade(settings, revision)
        c = build_container(settings, run_relay=False, run_consumers=False)
        try:  # as the rows were before encryption: plain text, the addresses plain JSON
            raw = await _raw(c)
            assert raw["orders"][0] == EMAIL and STREET in raw["orders"][2] and raw["shipments"][1] == CEP
            assert raw["notification_recipients"][1] == PHONE and raw["notification_messages"][0] == EMAIL
            assert raw["user_company_join_requests"] == [EMAIL]
        finally:
            await c.stop()
        migrate.upgrade(settings)
        c = build_container(settings, run_relay=False, run_consumers=False)
        try:
            _assert_sealed(await _raw(c))
            await _read(c, ids)
        finally:
            await c.stop()
    finally:
        get_settings.cache_clear()
