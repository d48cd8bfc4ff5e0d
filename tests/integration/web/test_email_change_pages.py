"""Changing the account's e-mail from the pages (issue #15): the form on the security page, the confirmation
page the new address's link opens (a form: opening the link changes nothing), pt-BR and English."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
from sqlalchemy import select

from ecovarejo.core.container import Container
from ecovarejo.core.models import OutboxEvent

from .helpers import PASSWORD, csrf_from, register, sign_in


async def _links(container: Container) -> list[dict]:
    async with container.db.system_session() as s:
        q = select(OutboxEvent).where(OutboxEvent.type == "notification.requested").order_by(OutboxEvent.id)
        return [r.envelope["data"] for r in (await s.scalars(q)).all()]


def _token(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


async def test_change_from_the_security_page_and_confirm_from_the_link(
    web: httpx.AsyncClient, container: Container
) -> None:
    await register(web, "troca@example.com")
    page = await web.get("/conta/seguranca")
    assert page.status_code == 200 and 'action="/conta/email"' in page.text and "Trocar o e-mail" in page.text
    token = csrf_from(page.text)
    wrong = await web.post("/conta/email", data={"csrf_token": token, "new_email": "nova@example.com", "password": "x"})
    assert wrong.status_code == 401 and "Senha incorreta." in wrong.text and 'aria-invalid="true"' in wrong.text
    r = await web.post(
        "/conta/email", data={"csrf_token": token, "new_email": "nova@example.com", "password": PASSWORD}
    )
    assert r.status_code == 303 and r.headers["location"] == "/conta/seguranca?ok=email_change_sent"
    assert "Enviamos um link de confirmação" in (await web.get(r.headers["location"])).text
    [link] = [e for e in await _links(container) if e["template"] == "email_change"]
    url = urlparse(link["context"]["confirm_url"])
    opened = await web.get(f"{url.path}?{url.query}")  # opening the link only shows the form
    assert opened.status_code == 200 and "Confirmar o novo e-mail" in opened.text
    assert (await web.get("/conta/seguranca")).text.count("troca@example.com") >= 1  # not changed yet
    done = await web.post(
        url.path, data={"csrf_token": csrf_from(opened.text), "token": _token(link["context"]["confirm_url"])}
    )
    assert done.status_code == 303 and done.headers["location"] == "/conta/entrar?ok=email_changed"
    again = await web.post(
        url.path, data={"csrf_token": csrf_from(opened.text), "token": _token(link["context"]["confirm_url"])}
    )
    assert again.status_code == 422 and "O link expirou ou já foi usado" in again.text
    await sign_in(web, "nova@example.com")
    assert "nova@example.com" in (await web.get("/conta/seguranca")).text
    en = await web.get(f"{url.path}?{url.query}&lang=en")
    assert "Confirm the new email" in en.text
