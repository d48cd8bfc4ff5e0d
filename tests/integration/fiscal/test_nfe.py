"""NF-e through the fake Focus NFe (its real HTTP API): a paid order's note is issued from the payment
event, its key, XML and DANFE kept and downloadable by the buyer only; a company's note carries its CNPJ,
state registration and PO number; a correction letter; cancellation on a full refund inside the 24 h
window and a flag past it; an unreachable provider retried with backoff, then failed and retried by
staff; a rejection leaves the order paid and flagged. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from defusedxml import ElementTree

from ecovarejo.core.db import utcnow
from ecovarejo.fiscal import nfe
from ecovarejo.fiscal.nfe_xml import NS, valid_key
from tests.support import eventually

from .nfe_shop import BAHIA, COMPANY, ISSUER, open_nfe_shop


async def test_consumer_note_issued_downloaded_corrected_and_cancelled(container, client, focus):
    s = await open_nfe_shop(container, client, focus)
    ana = await s.register(client, "ana@example.com", cpf="529.982.247-25")
    order = await s.buy(client, ana, "nfe-1", shipping_address=BAHIA)
    oid = order["id"]

    row = await s.note_in(oid, "authorized")
    assert valid_key(row.chave) and row.chave[6:20] == ISSUER and row.chave[20:22] == "55"
    assert row.attempts == 1 and row.next_attempt_at is None

    # what went to the provider: the consumer's CPF, inter-state to a consumer (CFOP 6108, DIFAL to BA)
    sent = s.sent(oid)
    assert sent["cnpj_emitente"] == ISSUER and sent["cpf_destinatario"] == "52998224725"
    assert (sent["local_destino"], sent["consumidor_final"], sent["indicador_inscricao_estadual_destinatario"]) == (
        2,
        1,
        9,
    )
    assert sent["valor_total"] == order["total_amount"]
    tee = next(i for i in sent["items"] if i["codigo_produto"] == "TEE")
    assert (tee["codigo_ncm"], tee["cfop"]) == ("61091000", "6108")
    assert (Decimal(tee["icms_aliquota"]), Decimal(tee["icms_aliquota_interna_uf_destino"])) == (7, Decimal("20.5"))
    difal = Decimal(tee["icms_base_calculo_uf_destino"]) * Decimal("0.135")
    assert Decimal(tee["icms_valor_uf_destino"]) == difal.quantize(Decimal("0.01"))
    assert sum(Decimal(i["valor_bruto"]) for i in sent["items"]) == Decimal(order["subtotal"])

    # the buyer reads and downloads it; someone else cannot
    r = await client.get(f"/api/v1/orders/{oid}/nfe", headers=ana)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["chave"], body["model"]) == ("authorized", row.chave, "55")
    assert "error" not in body and body["xml_url"] and body["danfe_url"]
    xml = await client.get(body["xml_url"], headers=ana)
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(xml.content)
    assert root.find(f".//{NS}infNFe").get("Id") == f"NFe{row.chave}"
    danfe = await client.get(body["danfe_url"], headers=ana)
    assert danfe.status_code == 200 and danfe.content.startswith(b"%PDF")
    assert row.chave in danfe.headers["content-disposition"]
    bruno = await s.register(client, "bruno@example.com", cpf="111.444.777-35")
    for path in ("", "/xml", "/danfe"):
        r = await client.get(f"/api/v1/orders/{oid}/nfe{path}", headers=bruno)
        assert (r.status_code, r.json()["code"]) == (404, "nfe_not_found")

    # a correction letter from the admin: too short is a problem; then registered, its PDF downloadable
    url = f"/api/v1/admin/fiscal/nfe/{oid}"
    r = await client.post(f"{url}/correction", json={"text": "curto"}, headers=s.shop.admin)
    assert r.status_code == 422 and r.json()["code"] == "invalid_correction"
    assert r.headers["content-type"].startswith("application/problem+json")
    text = "Endereço do destinatário: Avenida Sete de Setembro, 200, sala 3"
    r = await client.post(f"{url}/correction", json={"text": text}, headers=s.shop.admin)
    assert r.status_code == 200 and (r.json()["cce_count"], r.json()["cce_text"]) == (1, text), r.text
    assert s.fake.notes[row.ref].cce == [text]
    assert (await client.get(f"/api/v1/orders/{oid}/nfe/cce", headers=ana)).content.startswith(b"%PDF")
    r = await client.post(f"{url}/correction", json={"text": text}, headers=ana)
    assert r.status_code == 403

    # a full refund within 24 h cancels the note at the provider
    r = await client.post(
        f"/api/v1/admin/orders/{oid}/refund",
        json={"reason": "cliente desistiu"},
        headers={**s.shop.admin, "Idempotency-Key": "refund-1"},
    )
    assert r.status_code == 200 and r.json()["status"] == "refunded", r.text
    row = await s.note_in(oid, "cancelled")
    assert s.fake.notes[row.ref].status == "cancelado" and row.cancel_xml is not None
    assert b"110111" in row.cancel_xml and row.cancelled_at is not None
    # the justification carries the reason staff gave, read from the order's history (the event has no free text)
    assert row.cancel_reason == "Venda desfeita: pedido reembolsado integralmente. cliente desistiu"
    assert (await client.get(f"/api/v1/orders/{oid}/nfe/cancel-xml", headers=ana)).status_code == 200


async def test_company_note_carries_cnpj_state_registration_and_po(container, client, focus):
    s = await open_nfe_shop(container, client, focus)
    buyer = await s.register(client, "compras@verde.example", company=COMPANY)
    order = await s.buy(client, buyer, "nfe-b2b", po_number="PO-2026/0042")
    row = await s.note_in(order["id"], "authorized")
    assert row.po_number == "PO-2026/0042"
    sent = s.sent(order["id"])
    assert sent["cnpj_destinatario"] == "12ABC34501DE35" and "cpf_destinatario" not in sent
    assert (sent["inscricao_estadual_destinatario"], sent["indicador_inscricao_estadual_destinatario"]) == (
        "110042490114",
        1,
    )
    assert sent["nome_destinatario"] == "Verde Atacado Ltda" and sent["local_destino"] == 1
    assert [i["pedido_compra"] for i in sent["items"]] == ["PO-2026/0042", "PO-2026/0042"]
    assert [i["numero_item_pedido_compra"] for i in sent["items"]] == [1, 2]
    assert "PO-2026/0042" in sent["informacoes_adicionais_contribuinte"]
    assert all(i["cfop"] == "5102" for i in sent["items"])
    # the kept XML says it too (xPed)
    root = ElementTree.fromstring(row.xml)
    assert [e.text for e in root.iter(f"{NS}xPed")] == ["PO-2026/0042", "PO-2026/0042"]
    r = await client.get(f"/api/v1/orders/{order['id']}/nfe", headers=buyer)
    assert r.json()["po_number"] == "PO-2026/0042"


async def test_unreachable_provider_is_retried_with_backoff_then_failed_and_retried_by_staff(container, client, focus):
    s = await open_nfe_shop(container, client, focus)
    ana = await s.register(client, "ana@example.com", cpf="529.982.247-25")
    s.fake.fail_next = 100
    oid = (await s.buy(client, ana, "nfe-down"))["id"]

    async def tried_once():
        r = await s.note(oid)
        return r if r is not None and r.attempts == 1 else None

    row = await eventually(tried_once)
    assert row.status == "queued"
    assert row.error_code == "provider_unavailable" and row.next_attempt_at is not None
    first_wait = row.next_attempt_at - utcnow()
    assert timedelta(seconds=100) < first_wait <= timedelta(seconds=120)  # 60 s × 2^1
    # not due yet: the job leaves it alone
    assert await nfe.run_due(container) == 0

    # the staff list shows it flagged, with the provider's trouble
    r = await client.get("/api/v1/admin/fiscal/nfe?flagged=true", headers=s.shop.admin)
    assert [(i["order_id"], i["status"], i["error_code"]) for i in r.json()["items"]] == [
        (oid, "queued", "provider_unavailable")
    ]
    r = await client.get("/api/v1/admin/fiscal/nfe?status=nope", headers=s.shop.admin)
    assert r.status_code == 422 and r.json()["code"] == "invalid_status"

    # time passes: each due retry fails, the wait doubles, and after 3 attempts the note is failed
    start = utcnow()
    container.clock = lambda: start + timedelta(minutes=3)
    assert await nfe.run_due(container) == 1
    row = await s.note(oid)
    assert row.attempts == 2 and row.status == "queued"
    assert row.next_attempt_at - (start + timedelta(minutes=3)) == timedelta(seconds=240)
    container.clock = lambda: start + timedelta(minutes=10)
    assert await nfe.run_due(container) == 1
    row = await s.note(oid)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 3, None)
    container.clock = lambda: start + timedelta(hours=5)
    assert await nfe.run_due(container) == 0  # failed notes wait for staff: never silently dropped
    r = await client.get("/api/v1/admin/fiscal/nfe?status=failed", headers=s.shop.admin)
    assert [i["order_id"] for i in r.json()["items"]] == [oid]
    r = await client.get(f"/api/v1/orders/{oid}", headers=ana)
    assert r.json()["status"] == "paid"

    # the provider is back; staff retry and the note is authorized
    s.fake.fail_next = 0
    r = await client.post(f"/api/v1/admin/fiscal/nfe/{oid}/retry", headers=s.shop.admin)
    assert r.status_code == 200 and r.json()["status"] == "queued", r.text
    row = await s.note_in(oid, "authorized")
    assert row.error_code is None and row.xml is not None
    r = await client.post(f"/api/v1/admin/fiscal/nfe/{oid}/retry", headers=s.shop.admin)
    assert (r.status_code, r.json()["code"]) == (409, "nfe_not_retryable")


async def test_rejection_leaves_the_order_paid_and_flagged(container, client, focus):
    s = await open_nfe_shop(container, client, focus)
    ana = await s.register(client, "ana@example.com", cpf="529.982.247-25")
    s.fake.reject_next = ("778", "Rejeição: Informado NCM inexistente")
    oid = (await s.buy(client, ana, "nfe-rej"))["id"]
    row = await s.note_in(oid, "rejected")
    assert (row.error_code, row.error) == ("sefaz_778", "Rejeição: Informado NCM inexistente")
    assert (await client.get(f"/api/v1/orders/{oid}", headers=ana)).json()["status"] == "paid"
    r = await client.get("/api/v1/admin/fiscal/nfe?flagged=true", headers=s.shop.admin)
    assert [(i["order_id"], i["flagged"]) for i in r.json()["items"]] == [(oid, True)]
    r = await client.get(f"/api/v1/orders/{oid}/nfe", headers=ana)
    assert r.json()["status"] == "rejected" and r.json()["xml_url"] is None
    r = await client.get(f"/api/v1/orders/{oid}/nfe/xml", headers=ana)
    assert (r.status_code, r.json()["code"]) == (404, "nfe_document_not_found")
    # fixed at the source, staff send it again under the same reference
    r = await client.post(f"/api/v1/admin/fiscal/nfe/{oid}/retry", headers=s.shop.admin)
    assert r.status_code == 200
    assert (await s.note_in(oid, "authorized")).chave


async def test_missing_fiscal_data_is_a_rejection_staff_can_fix(container, client, focus):
    s = await open_nfe_shop(container, client, focus)
    r = await client.delete("/api/v1/admin/fiscal/products/MUG", headers=s.shop.admin)
    assert r.status_code == 204
    ana = await s.register(client, "ana@example.com", cpf="529.982.247-25")
    oid = (await s.buy(client, ana, "nfe-ncm"))["id"]
    row = await s.note_in(oid, "rejected")
    assert row.error_code == "missing_ncm" and "MUG" in row.error
    assert s.fake.notes == {}  # nothing went to the provider
    r = await client.put("/api/v1/admin/fiscal/products/MUG", json={"ncm": "69120000"}, headers=s.shop.admin)
    assert r.status_code == 200
    r = await client.post(f"/api/v1/admin/fiscal/nfe/{oid}/retry", headers=s.shop.admin)
    assert r.status_code == 200
    await s.note_in(oid, "authorized")


async def test_refund_past_the_window_flags_the_note_and_replays_make_one_note(container, client, focus):
    s = await open_nfe_shop(container, client, focus)
    ana = await s.register(client, "ana@example.com", cpf="529.982.247-25")
    order = await s.buy(client, ana, "nfe-late")
    oid = order["id"]
    row = await s.note_in(oid, "authorized")

    # the payment event again (a redelivery): still one note, the same one
    async with container.uow(s.shop.tenant_id, actor="test") as uow:
        again = await nfe.enqueue(uow, container, {"order_id": oid, "user_id": order["user_id"]})
        await uow.commit()
    assert again.id == row.id and again.status == "authorized"

    later = utcnow() + timedelta(hours=25)
    container.clock = lambda: later
    r = await client.post(
        f"/api/v1/admin/orders/{oid}/refund",
        json={"reason": "devolução"},
        headers={**s.shop.admin, "Idempotency-Key": "refund-late"},
    )
    assert r.status_code == 200 and r.json()["status"] == "refunded"

    async def flagged():
        n = await s.note(oid)
        return n if n is not None and n.error_code == "cancel_window_passed" else None

    row = await eventually(flagged)
    assert row.status == "authorized" and not row.cancel_requested
    assert s.fake.notes[row.ref].status == "autorizado"
    r = await client.get("/api/v1/admin/fiscal/nfe?flagged=true", headers=s.shop.admin)
    assert [i["order_id"] for i in r.json()["items"]] == [oid]


async def test_no_issuer_cnpj_or_bad_cnpj(container, client, focus):
    s = await open_nfe_shop(container, client, focus)
    r = await client.put(
        "/api/v1/admin/fiscal/settings",
        json={"origin_state": "SP", "issuer_cnpj": "11.222.333/0001-00"},
        headers=s.shop.admin,
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_cnpj"
    r = await client.put("/api/v1/admin/fiscal/settings", json={"origin_state": "SP"}, headers=s.shop.admin)
    assert r.status_code == 200 and r.json()["issuer_cnpj"] is None
    ana = await s.register(client, "ana@example.com", cpf="529.982.247-25")
    oid = (await s.buy(client, ana, "nfe-noissuer"))["id"]
    row = await s.note_in(oid, "rejected")
    assert row.error_code == "issuer_not_configured"
