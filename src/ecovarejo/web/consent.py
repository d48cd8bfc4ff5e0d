"""The storefront's cookie/analytics consent banner and its preferences page (LGPD arts. 7 I and 8).

"Aceitar" / "Recusar" / "Personalizar" (analytics, marketing cookies) post one form, with or without
JavaScript (htmx swaps the banner for a confirmation; a plain post redirects back). The choice is an
``ev_consent`` cookie (the purposes allowed, ``none`` after a refusal) and an entry in the consent
ledger with the tenant's current privacy-policy version: under the account for a signed-in customer
(users context), under the pseudonymous visitor id otherwise (privacy context; the banner sets the
``ev_vid`` cookie it derives from). The analytics context records behaviour only when both say yes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovarejo.analytics import public as analytics
from ecovarejo.core.errors import InvalidInput
from ecovarejo.privacy import public as privacy
from ecovarejo.users import public as users

from .pages import PageRoute, form_with_csrf, principal_of, redirect, safe_next, uow_for
from .security import cookie_secure
from .templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

CONSENT_MAX_AGE = 180 * 86400  # ask again after six months
VISITOR_MAX_AGE = 365 * 86400
#: The cookie's words for the banner's purposes, and the ledger's purposes they stand for.
COOKIE_WORDS = {"analytics": "analytics", "marketing": "marketing_cookies"}


def current_choice(request: Request) -> dict[str, bool] | None:
    """What the ``ev_consent`` cookie says (None: the visitor has not chosen; the banner shows)."""
    raw = request.cookies.get(analytics.CONSENT_COOKIE)
    if not raw:
        return None
    words = {w.strip() for w in raw.replace(",", ".").split(".")}
    return {word: word in words for word in COOKIE_WORDS}


def _choices(form: Any) -> dict[str, bool]:
    choice = form.get("choice")
    if choice == "accept":
        return dict.fromkeys(COOKIE_WORDS, True)
    if choice == "reject":
        return dict.fromkeys(COOKIE_WORDS, False)
    if choice == "custom":
        return {word: form.get(word) == "on" for word in COOKIE_WORDS}
    raise InvalidInput("choose accept, reject or custom", code="consent_choice")


def _back(next_url: str) -> str:
    """The page the visitor was on, with the confirmation (its own ``ok``/``err`` dropped)."""
    parts = urlsplit(safe_next(next_url))
    query = [p for p in parts.query.split("&") if p and not p.startswith(("ok=", "err="))]
    return f"{parts.path}?{'&'.join([*query, urlencode({'ok': 'consent_saved'})])}"


@router.get("/privacidade/cookies")
async def preferences(request: Request) -> Response:
    async with uow_for(request, read_only=True) as uow:
        version = await privacy.current_policy_version(uow)
    return render(
        request, "store/cookies.html", choice=current_choice(request), policy_version=version, consent_page=True
    )


@router.post("/privacidade/cookies")
async def choose(request: Request) -> Response:
    form = await form_with_csrf(request)
    choices = _choices(form)
    ledger = {COOKIE_WORDS[word]: allowed for word, allowed in choices.items()}
    container = request.app.state.container
    principal = await principal_of(request)
    visitor_id = request.cookies.get(analytics.VISITOR_COOKIE) or analytics.new_visitor_id()
    async with uow_for(request) as uow:
        version = await privacy.current_policy_version(uow)
        if principal is not None:
            await users.record_cookie_choice(container, uow, principal.user_id, ledger, policy_version=version)
        else:
            pseudonym = analytics.visitor_pseudonym(container, visitor_id)
            await privacy.record_visitor_choice(uow, pseudonym, ledger, policy_version=version)
        await uow.commit()

    if request.headers.get("hx-request"):
        response: Response = render(request, "store/_consent_saved.html")
    else:
        next_value = form.get("next")
        response = redirect(_back(next_value if isinstance(next_value, str) else "/"))
    secure = cookie_secure(request)
    value = ".".join(word for word, allowed in choices.items() if allowed) or "none"
    response.set_cookie(
        analytics.CONSENT_COOKIE, value, max_age=CONSENT_MAX_AGE, httponly=True, secure=secure, samesite="lax", path="/"
    )
    if principal is None and not request.cookies.get(analytics.VISITOR_COOKIE):
        response.set_cookie(
            analytics.VISITOR_COOKIE, visitor_id, max_age=VISITOR_MAX_AGE, httponly=True, secure=secure,
            samesite="lax", path="/",
        )  # fmt: skip
    return response
