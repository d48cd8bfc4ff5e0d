"""Every storefront, account and admin page at 390 × 844, in pt-BR and in English (issue #19): no page
wider than the phone's viewport.

The page list is the web context's own routes (``ecovarejo.web.plugin.CONTEXT.routers``), so a page added
later is visited without editing this test: a route without parameters is visited as it is; a route with
parameters (``/p/{slug}``, ``/admin/pedidos/{order_id}``, …) is visited at the addresses the pages already
visited link to (up to :data:`SAMPLES` of them), and a route no visited page links to fails the test.
Whoever sees the page — a guest, a signed-in customer (who also sees every public page) or a staff
administrator signed in with MFA — follows from its path. Only the files below (icons, feeds, PDFs, XML)
are not pages. A screenshot of each page goes outside the repository (see conftest)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pyotp
import pytest

from ecovarejo.web.plugin import CONTEXT

from .conftest import PASSWORD, LiveServer, Tab, needs_browser
from .test_walk import no_sideways_scroll

pytestmark = needs_browser

PHONE = {"width": 390, "height": 844}
#: Routes that answer a file, not a page (each says what it is).
FILES = {
    "/manifest.webmanifest": "the PWA manifest (JSON)",
    "/sw.js": "the service worker (JavaScript)",
    "/favicon.ico": "the icon",
    "/robots.txt": "robots rules (text)",
    "/sitemap.xml": "the sitemap (XML)",
    "/pedido/{order_id}/boleto.pdf": "the boleto (PDF)",
    "/pedido/{order_id}/nfe.xml": "the NF-e (XML)",
    "/pedido/{order_id}/danfe.pdf": "the DANFE (PDF)",
    "/pedido/{order_id}/cce.pdf": "the correction letter (PDF)",
    "/conta/faturas/parcela/{instalment_id}/boleto.pdf": "an instalment's boleto (PDF)",
}
#: Routes that only send the browser on (no page of their own; each says where and is tested elsewhere).
REDIRECTS = {
    "/checkout/autenticacao": "the return from the card's 3-D Secure page: to the order or back to the challenge "
    "(tests/integration/payments_providers/test_three_d_secure_checkout.py)",
}
#: Pages reached by a redirect from another site's (or the checkout's) form, never by a link: the
#: addresses to start from come from the setup (the sandbox issuer's 3-D Secure challenge of an order).
ENTRY_POINTS = {"/sandbox-pay/v1/challenge/{reference}"}
#: Pages for visitors who are not signed in (a session is sent elsewhere or sees another page).
GUEST_ONLY = {
    "/conta/entrar",
    "/conta/cadastro",
    "/conta/esqueci-senha",
    "/reset-password",
    "/conta/email/confirmar",
    "/conta/email/nao-fui-eu",
    "/admin/entrar",
}
#: Query strings that make a page show what it is for (search results).
QUERY = {"/busca": "q=camiseta"}
#: At most this many addresses per route with parameters (every report, a few products, ...).
SAMPLES = 6


def page_routes() -> list[str]:
    paths: list[str] = []
    for router in CONTEXT.api_routers():
        for route in router.routes:
            path = getattr(route, "path", "")
            skipped = path in FILES or path in REDIRECTS or path in paths
            if "GET" in (getattr(route, "methods", None) or set()) and not skipped:
                paths.append(path)
    return paths


def audience(path: str) -> str:
    if path in GUEST_ONLY:
        return "guest"
    if path.startswith("/admin"):
        return "staff"
    if path.startswith(("/conta", "/pedido/")):
        return "customer"
    return "public"


def pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/?#]+", re.escape(path)) + "$")


def admin_account(live: LiveServer) -> dict[str, Any]:
    """An administrator (every admin page) with MFA on."""
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    with httpx.Client(base_url=live.url, timeout=30) as c:
        body = {"email": email, "password": PASSWORD, "first_name": "Ana", "last_name": "Admin"}
        r = c.post("/api/v1/auth/register", json={**body, "accept_terms": True, "accept_privacy": True})
        assert r.status_code == 201, r.text
        r = c.put(
            f"/api/v1/admin/users/{r.json()['id']}/role", json={"user_type": "admin"}, headers=live.root_headers()
        )
        assert r.status_code == 200, r.text
        token = c.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        totp = pyotp.TOTP(c.post("/api/v1/users/mfa/enroll", headers=auth).json()["secret"])
        assert c.post("/api/v1/users/mfa/confirm", json={"code": totp.now()}, headers=auth).status_code == 200
    return {"email": email, "totp": totp}


def new_cnpj() -> str:
    """A random valid CNPJ (one company per account: each run of the suite registers its own)."""
    import random

    digits = [random.randint(0, 9) for _ in range(8)] + [0, 0, 0, 1]
    for weights in ([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]):
        rest = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        digits.append(0 if rest < 2 else 11 - rest)
    s = "".join(map(str, digits))
    return f"{s[:2]}.{s[2:5]}.{s[5:8]}/{s[8:12]}-{s[12:]}"


def customer_with_a_shipped_order(live: LiveServer) -> tuple[str, list[str]]:
    """A company buyer whose card order is paid and shipped (the order, its shipment's label and packing slip
    are pages), a quote request (the buyer's and the staff's quote pages), a coupon (the coupon editor
    is one), and an order waiting at the sandbox's 3-D Secure challenge (its page is an entry point)."""
    email = f"every-{uuid.uuid4().hex[:6]}@example.com"
    with httpx.Client(base_url=live.url, timeout=30) as c:
        company = {"cnpj": new_cnpj(), "legal_name": "Costa Compras Ltda", "state_registration": "ISENTO"}
        body = {"email": email, "password": PASSWORD, "first_name": "Rui", "last_name": "Costa", "company": company}
        r = c.post("/api/v1/auth/register", json={**body, "accept_terms": True, "accept_privacy": True})
        assert r.status_code == 201, r.text
        token = c.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        assert c.post("/api/v1/cart/items", json={"sku": "TSHIRT-002", "quantity": 1}, headers=auth).status_code == 200
        address = {
            "recipient": "Rui Costa",
            "street": "Rua das Laranjeiras",
            "number": "12",
            "city": "Rio de Janeiro",
            "state": "RJ",
            "postal_code": "22240-000",
        }
        r = c.post(
            "/api/v1/orders",
            json={"shipping_address": address, "payment": {"method": "card", "source": "tok_visa"}},
            headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert r.status_code == 201, r.text
        order_id = r.json()["id"]
        root = live.root_headers()
        r = c.post(f"/api/v1/admin/shipping/orders/{order_id}/shipments", json={}, headers=root)
        assert r.status_code == 201, r.text
        r = c.post("/api/v1/b2b/quotes", json={"lines": [{"sku": "TSHIRT-002", "quantity": 5}]}, headers=auth)
        assert r.status_code == 201, r.text
        code = f"TELA{uuid.uuid4().hex[:6].upper()}"
        r = c.post("/api/v1/admin/coupons", json={"code": code, "kind": "percent", "value": "10"}, headers=root)
        assert r.status_code == 201, r.text
        r = c.post(
            "/api/v1/orders",
            json={"shipping_address": address, "items": [{"sku": "TSHIRT-002", "quantity": 1}],
                  "payment": {"method": "card", "source": "tok_challenge"}},
            headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
        )  # fmt: skip
        assert r.status_code == 201 and r.json()["next_action_url"], r.text
    return email, [urlsplit(r.json()["next_action_url"]).path]


def sign_in(tab: Tab, who: str, account: dict[str, Any], lang: str) -> None:
    page = tab.page
    if who == "customer":
        page.goto(f"/conta/entrar?lang={lang}")
        page.fill("#login-email", account["email"])
        page.fill("#login-password", PASSWORD)
        page.click("form[action='/conta/entrar'] button[type=submit]")
        page.wait_for_url(re.compile(r".*/conta\?ok=signed_in"))
        return
    page.goto(f"/admin/entrar?lang={lang}")
    page.fill("#login-email", account["email"])
    page.fill("#login-password", PASSWORD)
    page.click("form[action='/admin/entrar'] button[type=submit]")
    page.fill("#mfa-code", account["totp"].at(datetime.now(UTC) + timedelta(seconds=30)))
    page.click("form[action='/admin/entrar/mfa'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin\?ok=signed_in"))


def fill_the_cart(tab: Tab, lang: str) -> None:
    """The cart and the checkout are pages about something only with goods in the cart."""
    tab.page.goto(f"/p/camiseta-comum?lang={lang}")
    tab.page.click("form.add-to-cart button[type=submit]")
    tab.page.wait_for_url("**/carrinho?ok=added_to_cart")


def visit_all(
    tab: Tab, who: str, routes: list[str], lang: str, seen: dict[str, list[str]], entries: list[str]
) -> list[str]:
    """Visit the routes (in passes: a list page first gives the addresses of its detail pages); returns
    what went wrong. ``seen`` collects, per route, the addresses visited; ``entries``: addresses of the
    :data:`ENTRY_POINTS`."""
    page = tab.page
    links: list[str] = list(entries)
    problems: list[str] = []
    todo = list(routes)
    while todo:
        progressed = False
        for route in list(todo):
            if "{" in route:
                match = pattern(route)
                addresses = list(dict.fromkeys(a for a in links if match.match(urlsplit(a).path)))[:SAMPLES]
                if not addresses:
                    continue
            else:
                addresses = [f"{route}?{QUERY[route]}" if route in QUERY else route]
            todo.remove(route)
            progressed = True
            for address in addresses:
                url = f"{address}{'&' if '?' in address else '?'}lang={lang}"
                head = page.request.get(url, max_redirects=0)
                kind = head.headers.get("content-type", "")
                if not kind.startswith("text/html"):  # a printable the carrier made (PDF): not a page
                    if head.status >= 400:
                        problems.append(f"{who} {url}: {head.status}")
                    continue
                answer = page.goto(url)
                assert answer is not None
                if answer.status >= 400 or urlsplit(page.url).path != urlsplit(url).path:
                    problems.append(f"{who} {url}: {answer.status} at {page.url}")
                    continue
                name = re.sub(r"[^a-z0-9]+", "-", f"{lang}-{who}-{address}".lower()).strip("-")
                tab.shot(f"every-page-{name}"[:150])
                try:
                    no_sideways_scroll(tab, f"{who} {url}")
                except AssertionError as exc:
                    problems.append(str(exc).splitlines()[0])
                seen.setdefault(route, []).append(address)
                hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
                for href in hrefs:
                    parts = urlsplit(href)
                    if parts.netloc == urlsplit(page.url).netloc and parts.path not in links:
                        links.append(parts.path)
        if not progressed:
            problems += [f"{who}: no visited page links to {route}" for route in todo]
            break
    return problems


@pytest.mark.parametrize("lang", ["pt-BR", "en"])
def test_every_page_fits_a_390px_phone(browser: Any, live_server: LiveServer, lang: str) -> None:
    routes = page_routes()
    by = {who: [r for r in routes if audience(r) == who] for who in ("guest", "public", "customer", "staff")}
    assert len(by["staff"]) > 20 and by["public"] and by["customer"], by  # the route list is the app's
    email, entries = customer_with_a_shipped_order(live_server)
    customer = {"email": email}
    assert all(any(pattern(route).match(a) for a in entries) for route in ENTRY_POINTS), entries
    staff = admin_account(live_server)
    seen: dict[str, list[str]] = {}
    problems: list[str] = []
    for who, visible in (
        ("guest", by["guest"] + by["public"]),
        ("customer", by["public"] + by["customer"]),
        ("staff", by["staff"]),
    ):
        context = browser.new_context(base_url=live_server.url, locale=lang, viewport=PHONE)
        page = context.new_page()
        page.set_default_timeout(30_000)
        tab = Tab(page, [])
        if who != "guest":
            sign_in(tab, who, customer if who == "customer" else staff, lang)
        if who != "staff":
            fill_the_cart(tab, lang)
        problems += visit_all(tab, who, visible, lang, seen, entries)
        context.close()
    assert not problems, "\n".join(problems)
    assert set(seen) == set(routes), set(routes) - set(seen)
