"""The one checkout behind every door: ``POST /api/v1/orders``, the GraphQL ``checkout`` mutation and
the web checkout page all call :func:`checkout`, so they share the admission limit, the cart, coupons,
loyalty points, the fraud screen and the idempotency key — and give the same answer.

A command that owns its transactions (the saga opens several), so it takes the container, not a unit
of work (see docs/development.md).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse

from ecovarejo.core.auth import Principal
from ecovarejo.core.container import Container
from ecovarejo.core.errors import DomainError
from ecovarejo.core.http import PROBLEM
from ecovarejo.core.idempotency import Idempotency, fingerprint
from ecovarejo.payments.public import REPLAY_HEADER

from .checkout import CheckoutRequest, place_order
from .schemas import CheckoutIn
from .service import ports_of
from .views import OrderView


@dataclass(frozen=True)
class CheckoutCommand:
    tenant_id: uuid.UUID
    principal: Principal
    #: The cart bought from (emptied once the order exists) unless ``order.items`` or ``order.quote_id``
    #: names the lines.
    cart_owner: str
    idempotency_key: str | None
    order: CheckoutIn
    #: The buyer's IP as the server saw it (for the fraud screen's velocity, hashed there; never stored).
    client_ip: str | None = None


@dataclass(frozen=True)
class CheckoutResult:
    order: OrderView
    #: The key was used before with the same input: this is the first answer again, nothing was redone.
    replayed: bool


def _request(command: CheckoutCommand, cart_lines: dict[str, int], cart_coupons: list[str]) -> CheckoutRequest:
    body = command.order
    lines: dict[str, int] = dict(cart_lines)
    if body.items is not None:
        lines = {}
        for i in body.items:
            lines[i.sku] = lines.get(i.sku, 0) + i.quantity
    if body.quote_id is not None:  # the quote's lines (read by checkout); the cart stays as it is
        lines = {}
    return CheckoutRequest(
        lines=lines,
        coupons=[] if body.quote_id is not None else body.coupons if body.coupons is not None else list(cart_coupons),
        shipping_address=body.shipping_address.model_dump(),
        billing_address=body.billing_address.model_dump() if body.billing_address else None,
        payment_method=body.payment.method,
        payment_source=body.payment.source,
        eco_packaging=body.eco_packaging,
        notes=body.notes,
        po_number=body.po_number,
        loyalty_points=body.loyalty_points,
        shipping_option=body.shipping_option,
        installments=body.payment.installments,
        client_ip=command.client_ip,
        quote_id=body.quote_id,
    )


async def checkout(container: Container, command: CheckoutCommand) -> CheckoutResult:
    """Place an order once per idempotency key (the same key and input replay the first answer; another
    input with that key is refused), at most ``db_pool_size`` checkouts at a time in this process."""
    ports = ports_of(container)
    tenant_id, principal = command.tenant_id, command.principal

    async def run() -> tuple[int, Any, dict[str, str]]:
        cart = await ports.carts.get(tenant_id, command.cart_owner)
        req = _request(command, dict(cart.lines), list(cart.coupons))
        order = await place_order(container, ports, tenant_id, principal, req, key=command.idempotency_key or "")
        # an order waiting for 3-D Secure keeps the cart: a failed challenge is retried from it
        if command.order.items is None and command.order.quote_id is None and "next_action_url" not in order:
            await ports.carts.delete(tenant_id, command.cart_owner)
        return 201, order, {}

    hashed = command.order.model_dump(mode="json")
    hashed["payment"]["source"] = fingerprint("source", command.order.payment.source)  # never keep card numbers
    async with ports.checkout_slots:
        r = await Idempotency(container).run(
            tenant_id=tenant_id,
            scope=f"user:{principal.user_id}",
            key=command.idempotency_key,
            request_hash=fingerprint("/api/v1/orders", hashed),
            handler=run,
        )
    if r.status >= 400:  # the replay of a refusal
        raise ReplayedProblem(r.status, r.body)
    return CheckoutResult(OrderView.model_validate(r.body), r.replayed)


class ReplayedProblem(DomainError):
    """The stored refusal of the first request with this key, raised again for its replay."""

    def __init__(self, status: int, problem: Any) -> None:
        stored: dict[str, Any] = problem if isinstance(problem, dict) else {}
        known = {"type", "title", "status", "code", "detail", "instance", "request_id"}
        super().__init__(
            str(stored.get("detail") or "request failed"),
            code=str(stored.get("code") or "bad_request"),
            status=status,
            extra={k: v for k, v in stored.items() if k not in known},
            headers={REPLAY_HEADER: "true"},
        )
        self.title = str(stored.get("title") or self.title)
        self.problem = stored

    def response(self) -> JSONResponse:
        """The first answer, as it was."""
        return JSONResponse(self.problem, status_code=self.status, media_type=PROBLEM, headers=self.headers)
