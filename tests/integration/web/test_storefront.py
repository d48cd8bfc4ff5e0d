"""The storefront over the real contexts: home, category with facets and filters, product page with
its sustainability panel, guest cart merged at sign-up, checkout, order confirmation with footprint."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx

from ecovarejo.core.container import Container
from ecovarejo.web.templating import brl
from tests.support import eventually

from .catalog_fixture import make_catalog
from .helpers import csrf_from, register


def main_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


async def test_home_category_filters_and_product_page(web: httpx.AsyncClient, container: Container) -> None:
    await make_catalog(web, container)
    home = main_of((await web.get("/")).text)
    assert "Camiseta Orgânica Básica" in home and "Vestuário" in home
    assert "R$ 89,90" in home

    cat = await web.get("/c/vestuario")
    assert cat.status_code == 200
    body = main_of(cat.text)
    assert "Camiseta Orgânica Básica" in body and "Camiseta Comum" in body
    assert re.search(r'<option value="GOTS"\s*>GOTS \(1\)</option>', body), body
    only = main_of((await web.get("/c/vestuario?certification=GOTS")).text)
    assert "Camiseta Orgânica Básica" in only and "Camiseta Comum" not in only
    cheap = main_of((await web.get("/c/vestuario?max_price=50,00&sort=price_asc")).text)
    assert "Camiseta Comum" in cheap and "Camiseta Orgânica Básica" not in cheap
    bad = await web.get("/c/vestuario?min_price=abc")
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")
    assert (await web.get("/c/nao-existe")).status_code == 404
    found = main_of((await web.get("/busca?q=orgânica")).text)
    assert "Camiseta Orgânica Básica" in found

    page = await web.get("/p/camiseta-organica-basica")
    assert page.status_code == 200
    p = main_of(page.text)
    assert "Global Organic Textile Standard" in p and "31/12/2031" in p, p[p.index("h-sus") : p.index("h-reviews")]
    assert "2,50 kg CO₂e" in p
    # category average (2.5 + 4.0) / 2 = 3.25 -> 23% below
    assert "Média da categoria: 3,25 kg CO₂e" in p and "23% abaixo da média da categoria" in p
    plan = (await web.get("/api/v1/payments/installments?amount=89.90")).json()["options"]
    free = [o for o in plan if o["interest_free"] and o["count"] > 1][-1]
    instalment = brl(Decimal(free["installment"]))
    assert f"ou {free['count']}x de {instalment} sem juros" in p
    assert 'name="sku" value="ECO-TSHIRT-001-M"' in p and 'name="sku" value="ECO-TSHIRT-001-G"' in p
    assert "Branca G — R$ 94,90" in p
    assert 'id="score-explained"' in p
    assert "<strong>Certificações válidas</strong>: 2,0 de 4 pontos" in p, p[p.index("score-explained") :][:1500]
    en = main_of((await web.get("/p/camiseta-organica-basica?lang=en")).text)
    assert "Category average: 3.25 kg CO₂e" in en and "23% below the category average" in en
    assert (await web.get("/p/nao-existe")).status_code == 404


async def test_guest_cart_checkout_and_order_with_footprint(web: httpx.AsyncClient, container: Container) -> None:
    await make_catalog(web, container)
    page = await web.get("/p/camiseta-organica-basica")
    added = await web.post(
        "/carrinho/itens",
        data={"csrf_token": csrf_from(page.text), "sku": "ECO-TSHIRT-001-M", "quantity": "2"},
    )
    assert added.status_code == 303 and added.headers["location"] == "/carrinho?ok=added_to_cart"
    assert web.cookies.get("ev_cart")
    cart = await web.get("/carrinho")
    body = main_of(cart.text)
    assert "Branca M" in body or "Camiseta Orgânica Básica" in body
    assert "R$ 179,80" in body
    assert '<span class="badge"' in cart.text

    # signing up merges the guest cart into the account's
    await register(web, "compradora@example.com")
    checkout = await web.get("/checkout?uf=SP")
    assert checkout.status_code == 200, checkout.text
    assert "R$ 179,80" in main_of(checkout.text)
    assert web.cookies.get("ev_cart") is None
    form = {
        "csrf_token": csrf_from(checkout.text),
        "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', checkout.text).group(1),
        "recipient": "Ana Souza",
        "postal_code": "01310-100",
        "street": "Av. Paulista",
        "number": "1000",
        "city": "São Paulo",
        "state": "SP",
        "payment_method": "card",
        "card_token": "tok_visa",
        "eco_packaging": "on",
    }
    bad = await web.post("/checkout", data={**form, "postal_code": "123"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    placed = await web.post("/checkout", data=form)
    assert placed.status_code == 303, placed.text
    location = placed.headers["location"]
    assert location.startswith("/pedido/")
    again = await web.post("/checkout", data=form)  # a double submit: same key, same order
    assert again.status_code == 303 and again.headers["location"] == location

    order_page = await web.get(location.split("?")[0])
    assert order_page.status_code == 200
    order_id = location.split("/")[2].split("?")[0]
    token = web.cookies.get("ev_access")
    order = (await web.get(f"/api/v1/orders/{order_id}", headers={"Authorization": f"Bearer {token}"})).json()
    shown = main_of(order_page.text)
    kg = f"{float(order['carbon_footprint']):.2f}".replace(".", ",")
    assert f'<p class="order-footprint" id="order-footprint"><strong>{kg} kg CO₂e</strong></p>' in shown
    assert order["order_number"] in shown and "****4242" in shown
    mine = await web.get("/conta/pedidos")
    assert order["order_number"] in main_of(mine.text)
    declined = await web.get("/carrinho")
    assert "Seu carrinho está vazio." in main_of(declined.text)


async def test_dashboard_charts_sales_status_top_products_and_co2(web: httpx.AsyncClient, container: Container) -> None:
    import json

    from .helpers import make_staff

    await make_catalog(web, container)
    await register(web, "cliente-dash@example.com")
    page = await web.get("/p/camiseta-comum")
    await web.post("/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": "TSHIRT-002", "quantity": "3"})
    checkout = await web.get("/checkout?uf=SP")
    placed = await web.post(
        "/checkout",
        data={
            "csrf_token": csrf_from(checkout.text),
            "idempotency_key": "dash-1",
            "recipient": "Cliente",
            "postal_code": "01310100",
            "street": "Rua A",
            "number": "1",
            "city": "São Paulo",
            "state": "SP",
            "payment_method": "card",
            "card_token": "tok_visa",
        },
    )
    assert placed.status_code == 303, placed.text
    order_id = placed.headers["location"].split("/")[2].split("?")[0]
    token = web.cookies.get("ev_access")
    order = (await web.get(f"/api/v1/orders/{order_id}", headers={"Authorization": f"Bearer {token}"})).json()
    web.cookies.clear()
    await make_staff(web, container, "relatorios@example.com", user_type="customer", permissions=("view_reports",))

    async def dashboard_with_the_order() -> str | None:
        # the analytics facts are kept by a consumer of order-events: within moments of the checkout
        dash = await web.get("/admin")
        assert dash.status_code == 200
        return dash.text if 'data-chart="data-sales"' in dash.text else None

    text = await eventually(dashboard_with_the_order)

    def chart(cid: str) -> dict:
        m = re.search(rf'<script type="application/json" id="data-{cid}">(.*?)</script>', text, re.S)
        assert m, cid
        return json.loads(m.group(1))

    sales = chart("sales")
    assert sales["type"] == "bar" and len(sales["values"]) == 1
    assert sales["values"][0] == float(order["total_amount"])
    # the status chart speaks pt-BR, never the raw code
    assert order["status"] == "paid" and chart("status")["labels"] == ["Pago"] and chart("status")["values"] == [1.0]
    assert chart("top")["labels"] == ["Camiseta Comum"] and chart("top")["values"] == [3.0]
    assert chart("co2")["values"] == [float(order["carbon_footprint"])]
    assert 'href="/admin/relatorios/sales?start=' in text  # drill-down to the report table
    table = await web.get("/admin/relatorios/product?dias=30")
    assert table.status_code == 200 and "Camiseta Comum" in table.text and "format=csv" in table.text


async def place_order(web: httpx.AsyncClient, email: str, sku: str = "TSHIRT-002", quantity: int = 1) -> str:
    await register(web, email)
    page = await web.get("/p/camiseta-comum")
    r = await web.post(
        "/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": sku, "quantity": str(quantity)}
    )
    assert r.status_code == 303, r.text
    checkout = await web.get("/checkout?uf=RJ")
    placed = await web.post(
        "/checkout",
        data={
            "csrf_token": csrf_from(checkout.text),
            "idempotency_key": f"k-{email}",
            "recipient": "Cliente",
            "postal_code": "20040-002",
            "street": "Av. Rio Branco",
            "number": "1",
            "city": "Rio de Janeiro",
            "state": "RJ",
            "payment_method": "card",
            "card_token": "tok_mastercard",
        },
    )
    assert placed.status_code == 303, placed.text
    return placed.headers["location"].split("/")[2].split("?")[0]


async def test_staff_moves_refunds_and_cancels_an_order(web: httpx.AsyncClient, container: Container) -> None:
    from .helpers import make_staff

    await make_catalog(web, container)
    order_id = await place_order(web, "cliente-desk@example.com", quantity=2)
    web.cookies.clear()
    await make_staff(
        web, container, "balcao@example.com", user_type="customer", permissions=("manage_orders", "handle_payments")
    )
    listing = await web.get("/admin/pedidos?status=paid")
    assert f'href="/admin/pedidos/{order_id}"' in listing.text
    detail = await web.get(f"/admin/pedidos/{order_id}")
    assert '<strong id="order-status" data-status="paid">Pago</strong>' in detail.text
    token = csrf_from(detail.text)
    shipped_without_tracking = await web.post(
        f"/admin/pedidos/{order_id}/situacao", data={"csrf_token": token, "status": "fulfilling"}
    )
    assert shipped_without_tracking.status_code == 303
    detail = await web.get(f"/admin/pedidos/{order_id}")
    assert '<strong id="order-status" data-status="fulfilling">Em separação</strong>' in detail.text
    bad = await web.post(f"/admin/pedidos/{order_id}/situacao", data={"csrf_token": token, "status": "shipped"})
    assert bad.status_code == 422  # shipping needs a carrier and a tracking code
    key = re.search(r'name="idempotency_key" value="([^"]+)"', detail.text).group(1)
    assert re.search(r'<address id="order-ship-to">[^<]+<br>', detail.text) and "CEP" in detail.text
    refund = {"csrf_token": token, "idempotency_key": key, "amount": "10,00", "reason": "avaria"}
    ask = await web.post(f"/admin/pedidos/{order_id}/reembolsar", data=refund)  # a confirmation step first
    assert ask.status_code == 200 and "Reembolsar R$ 10,00 do pedido" in ask.text
    assert re.search(r"<dt>Reembolsado</dt><dd>R\$ 0,00</dd>", (await web.get(f"/admin/pedidos/{order_id}")).text)
    refund["confirm"] = "yes"
    assert (await web.post(f"/admin/pedidos/{order_id}/reembolsar", data=refund)).status_code == 303
    again = await web.post(f"/admin/pedidos/{order_id}/reembolsar", data=refund)  # double submit: refunded once
    assert again.status_code == 303
    detail = await web.get(f"/admin/pedidos/{order_id}")
    assert re.search(r"<dt>Reembolsado</dt><dd>R\$ 10,00</dd>", detail.text), detail.text
    pays = await web.get("/admin/pagamentos")
    assert pays.status_code == 200
    row = re.search(rf'<a href="/admin/pedidos/{order_id}">[^<]+</a>.*?</tr>', pays.text, re.S)
    assert row and "****4444" in row.group(0) and "R$ 10,00" in row.group(0), pays.text
    cancelled = await web.post(
        f"/admin/pedidos/{order_id}/cancelar", data={"csrf_token": token, "reason": "cliente desistiu"}
    )
    assert cancelled.status_code == 303
    detail = await web.get(f"/admin/pedidos/{order_id}")
    assert '<strong id="order-status" data-status="cancelled">Cancelado</strong>' in detail.text
    root_view = (await web.get(f"/admin/pedidos/{order_id}")).text
    total = re.search(r"<dt>Total</dt><dd>(R\$ [0-9.,]+)</dd>", root_view).group(1)
    assert re.search(rf"<dt>Reembolsado</dt><dd>{re.escape(total)}</dd>", root_view), root_view


async def test_manage_orders_alone_cannot_refund(web: httpx.AsyncClient, container: Container) -> None:
    from .helpers import make_staff

    await make_catalog(web, container)
    order_id = await place_order(web, "cliente-sem-reembolso@example.com")
    web.cookies.clear()
    await make_staff(web, container, "so-pedidos@example.com", user_type="customer", permissions=("manage_orders",))
    detail = await web.get(f"/admin/pedidos/{order_id}")
    assert "/reembolsar" not in detail.text
    r = await web.post(
        f"/admin/pedidos/{order_id}/reembolsar", data={"csrf_token": csrf_from(detail.text), "reason": "x"}
    )
    assert r.status_code == 403


async def test_coupon_at_checkout_and_a_refused_one(web: httpx.AsyncClient, container: Container) -> None:
    from ecovarejo.core.models import DEFAULT_TENANT_ID
    from tests.support import bearer, token_for

    await make_catalog(web, container)
    root = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    r = await web.post(
        "/api/v1/admin/coupons", json={"code": "VERDE10", "kind": "percent", "value": "10"}, headers=root
    )
    assert r.status_code == 201, r.text
    await register(web, "cupom@example.com")
    page = await web.get("/p/camiseta-comum")
    await web.post("/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": "TSHIRT-002", "quantity": "1"})
    checkout = await web.get("/checkout")
    refused = await web.post(
        "/carrinho/cupom", data={"csrf_token": csrf_from(checkout.text), "coupon": "NAOEXISTE", "next": "/checkout"}
    )
    assert refused.status_code == 303 and refused.headers["location"] == "/checkout?err=coupon_refused"
    shown = await web.get(refused.headers["location"])
    assert "Este cupom não é válido para este carrinho." in shown.text
    ok = await web.post(
        "/carrinho/cupom", data={"csrf_token": csrf_from(checkout.text), "coupon": "verde10", "next": "/checkout"}
    )
    assert ok.headers["location"] == "/checkout?ok=coupon_applied"
    after = main_of((await web.get("/checkout")).text)
    assert "<dt>Desconto (VERDE10)</dt><dd>-R$ 3,99</dd>" in after, after


async def test_a_review_from_the_product_page(web: httpx.AsyncClient, container: Container) -> None:
    await make_catalog(web, container)
    anon = await web.get("/p/camiseta-comum")
    assert 'action="/p/camiseta-comum/avaliacoes"' not in anon.text
    await register(web, "resenha@example.com")
    page = await web.get("/p/camiseta-comum")
    assert 'action="/p/camiseta-comum/avaliacoes"' in page.text
    r = await web.post(
        "/p/camiseta-comum/avaliacoes",
        data={"csrf_token": csrf_from(page.text), "rating": "4", "title": "Boa", "comment": "Tecido macio."},
    )
    assert r.status_code == 303, r.text
    after = main_of((await web.get("/p/camiseta-comum")).text)
    assert "Tecido macio." in after and "<strong>Boa</strong>" in after and "4/5" in after
    twice = await web.post(
        "/p/camiseta-comum/avaliacoes", data={"csrf_token": csrf_from(page.text), "rating": "5", "comment": "De novo"}
    )
    assert twice.status_code == 409 and twice.headers["content-type"].startswith("text/html")
    bad = await web.post("/p/camiseta-comum/avaliacoes", data={"csrf_token": csrf_from(page.text), "rating": "9"})
    assert bad.status_code == 422


async def _order_paid_by(web: httpx.AsyncClient, container: Container, method: str) -> str:
    """A shopper checks out paying by ``method``; the order page's main content."""
    await make_catalog(web, container)
    await register(web, f"{method}@example.com")
    page = await web.get("/p/camiseta-comum")
    await web.post("/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": "TSHIRT-002", "quantity": "1"})
    checkout = await web.get("/checkout?uf=MG")
    assert f'name="payment_method" value="{method}"' in checkout.text
    placed = await web.post(
        "/checkout",
        data={
            "csrf_token": csrf_from(checkout.text),
            "idempotency_key": f"{method}-1",
            "recipient": method.title(),
            "postal_code": "30110-000",
            "street": "Av. Afonso Pena",
            "number": "1",
            "city": "Belo Horizonte",
            "state": "MG",
            "payment_method": method,
        },
    )
    assert placed.status_code == 303, placed.text
    return main_of((await web.get(placed.headers["location"])).text)


async def test_paying_with_pix(web: httpx.AsyncClient, container: Container) -> None:
    order = await _order_paid_by(web, container, "pix")
    assert re.search(r"<p>Pix · \w+ · R\$ [0-9.,]+</p>", order), order
    # the order waits for the payment: QR code and copy-and-paste code until the PSP confirms it
    assert 'data-status="awaiting_payment"' in order
    assert 'class="pix-qr" src="data:image/png;base64,' in order
    assert re.search(r'id="pix-code" readonly value="000201[^"]+6304[0-9A-F]{4}"', order), order
    assert 'data-copy="pix-code"' in order and ">Copiar</button>" in order


async def test_paying_with_boleto(web: httpx.AsyncClient, container: Container) -> None:
    order = await _order_paid_by(web, container, "boleto")
    assert 'data-status="awaiting_payment"' in order
    line = re.search(r'id="boleto-line" readonly value="([0-9. ]+)"', order)
    assert line is not None and len(re.sub(r"\D", "", line.group(1))) == 47
    assert 'data-copy="boleto-line"' in order
    pdf_link = re.search(r'href="(/pedido/[0-9a-f-]+/boleto\.pdf)"', order)
    assert pdf_link, order
    pdf = await web.get(pdf_link.group(1))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and len(pdf.content) > 1000


async def test_customer_cancels_a_paid_order(web: httpx.AsyncClient, container: Container) -> None:
    await make_catalog(web, container)
    order_id = await place_order(web, "desiste@example.com")
    page = await web.get(f"/pedido/{order_id}")
    assert 'id="cancel-order"' in page.text
    r = await web.post(
        f"/pedido/{order_id}/cancelar", data={"csrf_token": csrf_from(page.text), "reason": "mudei de ideia"}
    )
    assert r.status_code == 303 and r.headers["location"] == f"/pedido/{order_id}?ok=order_cancelled"
    after = await web.get(r.headers["location"])
    assert (
        '<strong id="order-status" data-status="cancelled">Cancelado</strong>' in after.text
        and 'id="cancel-order"' not in after.text
    )
    again = await web.post(f"/pedido/{order_id}/cancelar", data={"csrf_token": csrf_from(page.text)})
    assert again.status_code == 409
    web.cookies.clear()
    await register(web, "intrusa@example.com")
    other = await web.get(f"/pedido/{order_id}")  # another customer's order does not exist for her
    assert other.status_code == 404


async def test_back_in_stock_notice_for_a_sold_out_product(web: httpx.AsyncClient, container: Container) -> None:
    from ecovarejo.core.models import DEFAULT_TENANT_ID
    from tests.support import bearer, token_for

    await make_catalog(web, container)
    root = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    r = await web.post(
        "/api/v1/products",
        json={"sku": "ESGOTADO-1", "name": "Sabonete Vegano", "slug": "sabonete-vegano", "price": "15.00"},
        headers=root,
    )
    assert r.status_code == 201, r.text
    for delta in (1, -1):  # sold out: inventory says so (stock.low), the catalog follows through its consumer
        adj = await web.post(
            "/api/v1/admin/inventory/adjust",
            json={"sku": "ESGOTADO-1", "warehouse": "SP1", "delta": delta, "reason": "venda", "reorder_level": 0},
            headers=root,
        )
        assert adj.status_code == 200, adj.text

    async def sold_out() -> bool:
        return (await web.get("/api/v1/products/sabonete-vegano", headers=root)).json()["in_stock"] is False

    await eventually(sold_out, message="the catalog never heard that the product sold out")
    anon = await web.get("/p/sabonete-vegano")
    assert 'id="back-in-stock"' not in anon.text and "Esgotado" in anon.text
    await register(web, "espera@example.com")
    page = await web.get("/p/sabonete-vegano")
    assert 'id="back-in-stock"' in page.text
    done = await web.post("/p/sabonete-vegano/avise-me", data={"csrf_token": csrf_from(page.text)})
    assert done.status_code == 303 and done.headers["location"].endswith("?ok=back_in_stock_saved")
    token = web.cookies.get("ev_access")
    subs = (
        await web.get("/api/v1/notifications/stock-subscriptions", headers={"Authorization": f"Bearer {token}"})
    ).json()
    assert [s["product_name"] for s in subs] == ["Sabonete Vegano"]


async def test_cart_quantity_change_and_removal(web: httpx.AsyncClient, container: Container) -> None:
    await make_catalog(web, container)
    page = await web.get("/p/camiseta-organica-basica")
    token = csrf_from(page.text)
    for sku in ("ECO-TSHIRT-001-M", "TSHIRT-002"):
        await web.post("/carrinho/itens", data={"csrf_token": token, "sku": sku, "quantity": "1"})
    r = await web.post("/carrinho/itens/ECO-TSHIRT-001-M", data={"csrf_token": token, "quantity": "3"})
    assert r.status_code == 303
    cart = main_of((await web.get("/carrinho")).text)
    assert "R$ 269,70" in cart  # 3 x 89,90
    r = await web.post("/carrinho/itens/TSHIRT-002", data={"csrf_token": token, "quantity": "1", "remove": "1"})
    assert r.status_code == 303
    cart = main_of((await web.get("/carrinho")).text)
    assert "TSHIRT-002" not in cart and "ECO-TSHIRT-001-M" in cart
    bad = await web.post("/carrinho/itens/ECO-TSHIRT-001-M", data={"csrf_token": token, "quantity": "-2"})
    assert bad.status_code == 422
