"""An order on invoiced terms (faturado) and its NF-e: the note lists the invoice's instalments (``cobr``
with ``fat`` and ``dup``, payment ``indPag`` 1 a prazo, boletos ``15``), read from the b2b context through
the orders context's ``InvoiceSource`` port; refunds and cancellations of the order adjust the invoice
(instalments reduced or cancelled, the open balance with them). SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from defusedxml import ElementTree

from ecovarejo.fiscal.nfe_xml import NS

from .nfe_shop import COMPANY, open_nfe_shop

CREDIT = "/api/v1/admin/b2b/credit-accounts"


async def _company_on_terms(s, client, terms: str = "30/60/90") -> dict[str, str]:
    buyer = await s.register(client, "compras@verde.example", company=COMPANY)
    r = await client.put(CREDIT, json={"cnpj": COMPANY["cnpj"], "terms": terms, "credit_limit": "5000.00"},
                         headers=s.shop.admin)  # fmt: skip
    assert r.status_code == 200, r.text
    return buyer


async def test_note_of_an_order_on_terms_lists_its_instalments(container, client, focus) -> None:
    s = await _shop(container, client, focus)
    buyer = await _company_on_terms(s, client)
    order = await s.buy(client, buyer, "terms-1", payment={"method": "invoice"}, po_number="PO-9/2026")
    parts = order["invoice"]["instalments"]
    assert len(parts) == 3
    await s.note_in(order["id"], "authorized")
    sent = s.sent(order["id"])
    assert sent["formas_pagamento"] == [
        {"indicador_pagamento": 1, "forma_pagamento": "15", "valor_pagamento": order["total_amount"]}
    ]
    assert (sent["numero_fatura"], sent["valor_original_fatura"], sent["valor_liquido_fatura"]) == (
        order["order_number"], order["total_amount"], order["total_amount"])  # fmt: skip
    assert sent["duplicatas"] == [
        {"numero": f"{n:03d}", "data_vencimento": p["due_on"], "valor": p["amount"]} for n, p in enumerate(parts, 1)
    ]
    body = (await client.get(f"/api/v1/orders/{order['id']}/nfe", headers=buyer)).json()
    root = ElementTree.fromstring((await client.get(body["xml_url"], headers=buyer)).content)
    fat = root.find(f".//{NS}cobr/{NS}fat")
    assert fat is not None and fat.findtext(f"{NS}vLiq") == order["total_amount"]
    dups = [(d.findtext(f"{NS}nDup"), d.findtext(f"{NS}dVenc"), d.findtext(f"{NS}vDup"))
            for d in root.iter(f"{NS}dup")]  # fmt: skip
    assert dups == [(f"{n:03d}", p["due_on"], p["amount"]) for n, p in enumerate(parts, 1)]
    assert all(date.fromisoformat(d[1]) > date.fromisoformat(order["created_at"][:10]) for d in dups)
    assert root.findtext(f".//{NS}pag/{NS}detPag/{NS}indPag") == "1"
    assert root.findtext(f".//{NS}pag/{NS}detPag/{NS}tPag") == "15"

    # a consumer's order paid online stays at sight, without cobr
    ana = await s.register(client, "ana@example.com", cpf="529.982.247-25")
    other = await s.buy(client, ana, "terms-c")
    await s.note_in(other["id"], "authorized")
    sent = s.sent(other["id"])
    assert sent["formas_pagamento"][0]["indicador_pagamento"] == 0 and "duplicatas" not in sent
    assert Decimal(sent["valor_total"]) == Decimal(other["total_amount"])


async def _shop(container, client, focus):
    return await open_nfe_shop(container, client, focus)
