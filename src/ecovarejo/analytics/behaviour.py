"""Behaviour events recorded server-side, from the requests themselves, only with analytics consent.

An ASGI middleware looks at each finished request's *route template* and status and, for the few that
mean something (a product page, a search, adding to the cart, starting and finishing checkout, a
recommendation followed — links carry ``?rec=<model>``), records one event under a pseudonymous
visitor id. The consent rule is :func:`allowed`: a signed-in visitor's consent ledger (users context,
purpose ``analytics``) decides; an anonymous visitor counts only when the cookie banner's ``ev_consent``
cookie lists ``analytics`` AND the banner recorded that choice in the privacy context's visitor ledger
under the visitor's pseudonym (the banner sets the ``ev_vid`` cookie; a hand-made ``ev_consent`` cookie
with no recorded choice counts nothing). IP addresses and user agents are never stored. Requests the
web pages make in-process to the API (header ``x-ecovarejo-inproc``) are not counted twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecovarejo.core.auth import Authenticator
from ecovarejo.core.container import Container
from ecovarejo.core.personal_data import pseudonym
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.privacy import public as privacy
from ecovarejo.users import public as users

from . import repository as repo
from .ingest import shop_day

log = structlog.get_logger("ecovarejo.analytics")

VISITOR_COOKIE = "ev_vid"
CONSENT_COOKIE = "ev_consent"
INPROC_HEADER = b"x-ecovarejo-inproc"
KINDS = ("product_viewed", "search_performed", "added_to_cart", "checkout_started", "order_placed",
         "recommendation_clicked")  # fmt: skip

#: (method, route template) -> the kinds it records, when the answer is a success (2xx, or 303 for forms).
RULES: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", "/p/{slug}"): ("product_viewed",),
    ("GET", "/api/v1/products/{ref}"): ("product_viewed",),
    ("GET", "/busca"): ("search_performed",),
    ("GET", "/api/v1/products"): ("search_performed",),  # only with ``q``
    ("POST", "/carrinho/itens"): ("added_to_cart",),
    ("POST", "/api/v1/cart/items"): ("added_to_cart",),
    ("GET", "/checkout"): ("checkout_started",),
    ("POST", "/checkout"): ("order_placed",),
    ("POST", "/api/v1/orders"): ("checkout_started", "order_placed"),
}


def consent_listed(cookie_value: str | None) -> bool:
    """``ev_consent`` lists the purposes allowed, separated by ``.`` (the banner) or ``,``."""
    return "analytics" in {p.strip() for p in (cookie_value or "").replace(",", ".").split(".")}


async def allowed(
    uow: UnitOfWork,
    user_id: uuid.UUID | None,
    consent_cookie: str | None,
    visitor: str | None = None,
    *,
    at: datetime | None = None,
) -> bool:
    """May this visitor's behaviour be recorded? The one consent rule (also in ``analytics.public``):
    the account's ledger when signed in; else the banner's cookie and the choice it recorded under the
    visitor's pseudonym (``visitor``), both saying yes. ``at``: the request's time, whose choice decides
    (the cookie is the request's own)."""
    if user_id is not None:
        return await users.has_consent(uow, user_id, "analytics", at=at)
    if not consent_listed(consent_cookie) or not visitor:
        return False
    return await privacy.visitor_has_consent(uow, visitor, "analytics", at=at)


@dataclass(frozen=True)
class Seen:
    tenant_id: uuid.UUID
    kinds: tuple[str, ...]
    token: str | None
    visitor_cookie: str | None
    consent_cookie: str | None
    product: str | None
    query: str | None
    results: int | None
    source: str | None
    #: When the request was answered: the consent in force then decides, whenever the task runs.
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


class BehaviourRecorder:
    """Writes seen requests as behaviour events in the background (never delays the answer)."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.secret = container.settings.load_secret_key()
        self.tasks: set[asyncio.Task[None]] = set()

    def submit(self, seen: Seen) -> None:
        task = asyncio.get_running_loop().create_task(self._record(seen))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _user(self, seen: Seen) -> uuid.UUID | None:
        if not seen.token:
            return None
        auth = self.container.ports.find(Authenticator)
        if auth is None:
            return None
        try:
            return (await auth.authenticate(seen.token, seen.tenant_id)).user_id
        except Exception:
            return None

    async def _record(self, seen: Seen) -> None:
        try:
            user_id = await self._user(seen)
            async with self.container.uow(seen.tenant_id, actor="analytics:behaviour") as uow:
                if user_id is not None:
                    visitor = pseudonym(self.secret, "u", str(user_id))
                elif seen.visitor_cookie:
                    visitor = pseudonym(self.secret, "v", seen.visitor_cookie)
                else:
                    return
                if not await allowed(uow, user_id, seen.consent_cookie, None if user_id else visitor, at=seen.at):
                    return
                now = seen.at
                rows = [
                    {"id": uuid.uuid4(), "tenant_id": seen.tenant_id, "at": now, "day": shop_day(now), "kind": kind,
                     "visitor": visitor, "product": seen.product, "query": seen.query, "results": seen.results,
                     "source": seen.source}
                    for kind in seen.kinds
                ]  # fmt: skip
                await repo.insert_behaviour(uow, rows)
                await uow.commit()
        except Exception as exc:  # analytics must never break a page
            log.warning("behaviour_not_recorded", error=f"{type(exc).__name__}: {exc}")


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            with contextlib.suppress(CookieError):
                jar.load(value.decode("latin-1"))
    return {k: m.value for k, m in jar.items()}


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", []):
        if k == name:
            return str(v.decode("latin-1"))
    return None


class BehaviourMiddleware:
    def __init__(self, app: ASGIApp, recorder: BehaviourRecorder) -> None:
        self.app = app
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _header(scope, INPROC_HEADER) is not None:
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = {"status": 0, "body": [], "kinds": None}
        cookies = _cookies(scope)

        def rule() -> tuple[str, ...] | None:
            route = scope.get("route")
            template = getattr(route, "path", None)
            return RULES.get((scope["method"], template)) if template else None

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                kinds = rule()
                ok = 200 <= message["status"] < 300 or (message["status"] == 303 and scope["method"] == "POST")
                state["kinds"] = kinds if ok else None
            elif message["type"] == "http.response.body" and state["kinds"] and _wants_body(scope):
                state["body"].append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, wrapped)
        kinds = state["kinds"]
        if not kinds:
            return
        self._submit(scope, kinds, cookies, b"".join(state["body"]))

    def _submit(self, scope: Scope, kinds: tuple[str, ...], cookies: dict[str, str], body: bytes) -> None:
        tenant = (scope.get("state") or {}).get("tenant")
        if tenant is None:
            return
        params = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        query = (params.get("q") or [""])[0].strip()[:200] or None
        path_params = scope.get("path_params") or {}
        results = (scope.get("state") or {}).get("search_results")
        if "search_performed" in kinds:
            if not query:
                return
            if body:
                try:
                    results = len(json.loads(body).get("items") or [])
                except (ValueError, AttributeError):
                    results = None
        rec = (params.get("rec") or [""])[0][:60] or None
        if rec and "product_viewed" in kinds:
            kinds = (*kinds, "recommendation_clicked")
        token = None
        auth = _header(scope, b"authorization") or ""
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        token = token or cookies.get("ev_access")
        self.recorder.submit(
            Seen(
                tenant_id=tenant.id, kinds=kinds, token=token, visitor_cookie=cookies.get(VISITOR_COOKIE),
                consent_cookie=cookies.get(CONSENT_COOKIE),
                product=str(path_params.get("slug") or path_params.get("ref") or "")[:200] or None,
                query=query, results=results if isinstance(results, int) else None, source=rec,
            )
        )  # fmt: skip


def _wants_body(scope: Scope) -> bool:
    route = scope.get("route")
    return getattr(route, "path", None) == "/api/v1/products"


def install(app: Any, container: Container) -> BehaviourRecorder:
    recorder = BehaviourRecorder(container)
    app.add_middleware(BehaviourMiddleware, recorder=recorder)
    container.ports.provide(BehaviourRecorder, recorder)
    return recorder


def new_visitor_id() -> str:
    """A fresh ``ev_vid`` value (the banner sets it when a visitor first chooses)."""
    return secrets.token_urlsafe(18)


def visitor_pseudonym(secret: str, visitor_cookie: str) -> str:
    return pseudonym(secret, "v", visitor_cookie)
