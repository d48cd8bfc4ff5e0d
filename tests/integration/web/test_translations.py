"""Every page in both languages, crawled (issue #19): no raw enum value or message key (``snake_case``
text such as ``awaiting_payment``) in what a reader sees, and no English on pt-BR pages."""

from __future__ import annotations

import html as htmllib
import re
import uuid

import httpx

from ecovarejo.core.container import Container

from .catalog_fixture import make_catalog
from .helpers import csrf_from, make_staff, register

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
#: English that must not reach a pt-BR page (API texts, enum values, pydantic messages)
ENGLISH = re.compile(
    r"\b(Something went wrong|String should|Field required|Card declined|Not Found|None|value is not|"
    r"pending|paid|shipped|delivered|cancelled|authorized|captured|refunded|percent|fixed|customer|"
    r"invalid|required|declined|failed|active|draft|archived)\b"
)


#: The privacy policy's table lists each context's personal-data declaration (purposes, retention) as the
#: contexts write it, in English; translating the declarations is left to the privacy context.
DECLARED_IN_ENGLISH = {"/privacidade"}


def visible(page: str) -> str:
    body = page[page.index("<body") :] if "<body" in page else page
    # scripts, and the JSON editors of the admin (configuration typed as JSON keeps its keys)
    body = re.sub(r"<(script|style|template|textarea)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", htmllib.unescape(body))


def with_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


async def crawl(web: httpx.AsyncClient, paths: list[str]) -> list[str]:
    problems: list[str] = []
    for lang in ("pt-BR", "en"):
        for path in paths:
            r = await web.get(with_lang(path, lang))
            if r.status_code in (301, 302, 303, 307):
                problems.append(f"{lang} {path}: redirected to {r.headers['location']}")
                continue
            if not r.headers.get("content-type", "").startswith("text/html"):
                continue
            text = visible(r.text)
            for raw in sorted(set(SNAKE.findall(text))):
                problems.append(f"{lang} {path}: raw value {raw!r}")
            if lang == "pt-BR" and path not in DECLARED_IN_ENGLISH:
                for word in sorted(set(ENGLISH.findall(text))):
                    problems.append(f"{lang} {path}: English {word!r}")
    return problems


async def _orders(web: httpx.AsyncClient) -> list[str]:
    ids = []
    for method in ("card", "pix"):
        page = await web.get("/p/camiseta-comum")
        await web.post("/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": "TSHIRT-002"})
        checkout = await web.get("/checkout?uf=SP")
        r = await web.post("/checkout", data={
            "csrf_token": csrf_from(checkout.text), "idempotency_key": uuid.uuid4().hex, "recipient": "Ana Souza",
            "postal_code": "01310-100", "street": "Av. Paulista", "number": "1", "city": "São Paulo", "state": "SP",
            "payment_method": method, "card_token": "tok_visa",
        })  # fmt: skip
        assert r.status_code == 303, r.text
        ids.append(r.headers["location"].split("/")[2].split("?")[0])
    return ids


async def test_storefront_and_account_pages_in_both_languages(web: httpx.AsyncClient, container: Container) -> None:
    await make_catalog(web, container)
    anonymous = ["/", "/busca?q=camiseta", "/busca?q=nada-encontrado", "/c/vestuario", "/p/camiseta-organica-basica",
                 "/carrinho", "/conta/entrar", "/conta/cadastro", "/conta/esqueci-senha", "/privacidade", "/termos",
                 "/pagina-que-nao-existe", "/admin/entrar"]  # fmt: skip
    problems = await crawl(web, anonymous)
    await register(web, "tradutora@example.com")
    orders = await _orders(web)
    page = await web.get("/p/camiseta-comum")
    await web.post("/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": "TSHIRT-002"})
    signed_in = ["/carrinho", "/checkout?uf=SP", *[f"/pedido/{o}" for o in orders], "/conta", "/conta/pedidos",
                 "/conta/enderecos", "/conta/seguranca", "/conta/privacidade", "/conta/pontos"]  # fmt: skip
    problems += await crawl(web, signed_in)
    assert not problems, "\n".join(problems)


async def test_admin_pages_in_both_languages(web: httpx.AsyncClient, container: Container) -> None:
    await make_catalog(web, container)
    await register(web, "cliente-admin@example.com")
    orders = await _orders(web)
    web.cookies.clear()
    await make_staff(web, container, "gerente@example.com")
    products = re.findall(r'href="(/admin/produtos/[0-9a-f-]{36})"', (await web.get("/admin/produtos")).text)
    paths = ["/admin", "/admin/produtos", "/admin/produtos/novo", *products[:1], "/admin/categorias",
             "/admin/estoque", "/admin/pedidos", *[f"/admin/pedidos/{o}" for o in orders], "/admin/cupons",
             "/admin/pagamentos", "/admin/clientes", "/admin/empresas", "/admin/notificacoes", "/admin/eventos",
             "/admin/privacidade", "/admin/frete", "/admin/fiscal", "/admin/revisao-fraude", "/admin/reposicao",
             "/admin/precos", "/admin/modelos"]  # fmt: skip
    problems = await crawl(web, paths)
    assert not problems, "\n".join(problems)
