"""The card form of the checkout: the configured provider's own browser tokenization (PCI SAQ-A — the
card number goes from the shopper's browser to the provider, never to our servers), and the sandbox's
equivalent.

- **Stripe**: Payment Element (``https://js.stripe.com/v3``) with the publishable key; the page sends
  the PaymentMethod id (``pm_…``) as the payment source.
- **Mercado Pago**: Card Payment Brick (``https://sdk.mercadopago.com/js/v2``) with the public key; the
  source is the card token it returns.
- **PagBank**: card encryption (``https://assets.pagseguro.com.br/checkout-sdk-js/rc/dist/browser/pagseguro.min.js``,
  ``PagSeguro.encryptCard`` with the account's public key); the source is the encrypted card.
- **Sandbox** (no provider configured): a "provider" of its own under ``/sandbox-pay/v1`` — a script
  (``sandbox-pay.js``) and a tokenization endpoint (``POST /sandbox-pay/v1/tokens``) that validate the
  number (Luhn), expiry and CVV the way a provider does and answer a ``tok_sbx_…`` token, in the
  error shape of Stripe's API. The page never posts the card fields to the shop: they carry no
  ``name`` attribute, and the checkout refuses a card number (``card_number_not_accepted``).

Each provider's form needs its origins in the pages' Content-Security-Policy (:data:`CSP`).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from ecovarejo.core.container import Container
from ecovarejo.core.models import Tenant

from . import cards
from .sandbox import TEST_CARDS, mint
from .setup import providers_of, settings_of

#: What each provider's browser form needs in the Content-Security-Policy (from the providers' docs).
CSP: dict[str, dict[str, tuple[str, ...]]] = {
    "stripe": {
        "script-src": ("https://js.stripe.com",),
        "frame-src": ("https://js.stripe.com", "https://hooks.stripe.com"),
        "connect-src": ("https://api.stripe.com",),
        # the checkout redirects the shopper to Stripe's 3-D Secure page (a redirect after a form post)
        "form-action": ("https://hooks.stripe.com",),
    },
    "mercadopago": {
        "script-src": ("https://sdk.mercadopago.com", "https://http2.mlstatic.com"),
        "frame-src": ("https://www.mercadopago.com.br", "https://api-static.mercadopago.com"),
        "connect-src": ("https://api.mercadopago.com", "https://api.mercadolibre.com"),
        "img-src": ("https://http2.mlstatic.com",),
    },
    "pagseguro": {
        # encryption runs in the page: the script only, no frame and no network call of its own
        "script-src": ("https://assets.pagseguro.com.br",),
    },
    "sandbox": {},
}
SCRIPTS = {
    "stripe": "https://js.stripe.com/v3/",
    "mercadopago": "https://sdk.mercadopago.com/js/v2",
    "pagseguro": "https://assets.pagseguro.com.br/checkout-sdk-js/rc/dist/browser/pagseguro.min.js",
    "sandbox": "/sandbox-pay/v1/sandbox-pay.js",
}


@dataclass(frozen=True)
class CardForm:
    """Which provider's form the checkout shows, with its script and public key."""

    provider: str
    script: str
    public_key: str = ""
    csp: dict[str, tuple[str, ...]] = field(default_factory=dict)


def card_form(container: Container) -> CardForm:
    """The first provider of the configured order that has a public key, else the sandbox's form."""
    providers = providers_of(container)
    s = settings_of(container)
    keys = {
        "stripe": s.stripe_publishable_key,
        "mercadopago": s.mercadopago_public_key,
        "pagseguro": s.pagseguro_public_key,
    }
    for name in s.order:
        if name in providers and keys.get(name):
            return CardForm(name, SCRIPTS[name], keys[name], CSP[name])
    return CardForm("sandbox", SCRIPTS["sandbox"])


def csp_sources(container: Container) -> dict[str, tuple[str, ...]]:
    """The extra CSP sources of the configured card form (empty for the sandbox)."""
    return card_form(container).csp


def pix_location_base(container: Container) -> str:
    """Where the BR Code's location points: the PSP's base (``PIX_LOCATION_BASE``) or this shop's public
    address (``ECOVAREJO_PUBLIC_URL``) — never a request's Host header (the code is shown to payers)."""
    configured = settings_of(container).pix_location_base.strip().rstrip("/")
    return configured or container.settings.public_url.rstrip("/") + "/api/v1/payments/pix/cob"


# --------------------------------------------------------------------------- instalments
#: Tenant settings (``tenants.settings``) of the instalment plan offered at checkout.
INTEREST_FREE_SETTING = "installments_interest_free"
MAX_SETTING = "installments_max"


async def installment_policy(container: Container, tenant_id: uuid.UUID) -> cards.InstallmentPolicy:
    """The tenant's plan: interest-free up to ``installments_interest_free`` (default 3), at most
    ``installments_max`` (default 12)."""
    async with container.db.system_session() as s:
        settings = await s.scalar(select(Tenant.settings).where(Tenant.id == tenant_id))
    settings = settings or {}

    def _int(key: str, default: int) -> int:
        value = settings.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else default

    top = min(max(_int(MAX_SETTING, cards.MAX_INSTALLMENTS), 1), cards.MAX_INSTALLMENTS)
    return cards.InstallmentPolicy(max_installments=top, interest_free=min(max(_int(INTEREST_FREE_SETTING, 3), 0), top))


def checkout_plan(total: Any, policy: cards.InstallmentPolicy) -> list[cards.InstallmentOption]:
    """The options offered at checkout: the interest-free ones (the order's total is what is charged;
    financed instalments would charge more than the order, so the checkout does not offer them)."""
    try:
        return [o for o in cards.installment_plan(total, policy) if o.interest_free]
    except Exception:  # a zero total: nothing to split
        return []


# --------------------------------------------------------------------------- the sandbox "provider"
sandbox_router = APIRouter(prefix="/sandbox-pay/v1", include_in_schema=False)
SCRIPT = Path(__file__).with_name("sandbox_pay.js")


def _error(code: str, param: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"type": "card_error", "code": code, "param": param, "message": message}}, 402)


def _sandbox_on(request: Request) -> bool:
    container: Container = request.app.state.container
    return card_form(container).provider == "sandbox"


@sandbox_router.get("/sandbox-pay.js")
async def sandbox_script(request: Request) -> Response:
    if not _sandbox_on(request):
        return Response(status_code=404)
    return Response(
        SCRIPT.read_text(encoding="utf-8"),
        media_type="text/javascript",
        headers={"cache-control": "public, max-age=300"},
    )


@sandbox_router.post("/tokens")
async def sandbox_tokenize(request: Request) -> Response:
    """Tokenize a card the way a provider's browser API does (the shop's server never calls this)."""
    if not _sandbox_on(request):
        return Response(status_code=404)
    try:
        body = await request.json()
    except ValueError:
        return _error("invalid_request", "", "JSON body expected")
    if not isinstance(body, dict):
        return _error("invalid_request", "", "JSON object expected")
    number = "".join(ch for ch in str(body.get("number") or "") if ch not in " -")
    if not number.isdigit() or not cards.luhn_valid(number):
        return _error("invalid_number", "number", "The card number is not valid.")
    try:
        month, year = int(str(body.get("exp_month"))), int(str(body.get("exp_year")))
    except ValueError:
        return _error("invalid_expiry", "exp", "The expiry date is not valid.")
    if year < 100:
        year += 2000
    if not 1 <= month <= 12 or year > date.today().year + 25:
        return _error("invalid_expiry", "exp", "The expiry date is not valid.")
    today = date.today()
    if (year, month) < (today.year, today.month):
        return _error("expired_card", "exp", "The card has expired.")
    brand = cards.brand_of(number)
    cvc = str(body.get("cvc") or "")
    if not cvc.isdigit() or len(cvc) != (4 if brand == "amex" else 3):
        return _error("invalid_cvc", "cvc", "The security code is not valid.")
    holder = str(body.get("holder") or "").strip()
    if not holder:
        return _error("invalid_holder", "holder", "The cardholder's name is missing.")
    outcome = TEST_CARDS.get(number, "approve")
    container: Container = request.app.state.container
    # the "provider's" fingerprint of the card: the same card gives the same one (per deployment)
    secret = container.settings.load_secret_key().encode()
    fingerprint = hmac.new(secret, b"sandbox-card|" + number.encode(), hashlib.sha256).hexdigest()[:16]
    token = mint(outcome, brand, number[-4:], month, year, fingerprint)
    return JSONResponse(
        {"id": token, "card": {"brand": brand, "last4": number[-4:], "exp_month": month, "exp_year": year}},
        headers={"cache-control": "no-store"},
    )
