"""Quotes (RFQ) over GraphQL: a company buyer asks (``requestQuote``), lists and reads its quotes, and
answers the sent quote (``acceptQuote`` with stock held, ``rejectQuote``, ``negotiateQuote``) with the REST
rules and error codes (``company_required``, ``quote_not_found`` for another company, ``quote_not_open``,
``message_required``, ``invalid_quantity``, ``quote_expired``); nothing is written by a refused mutation.
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.orders.shop import open_shop

from .test_quotes import COMPANY, OTHER, QUOTES, _account, _priced_and_sent

QUOTE = "id number status revision current { revision total lines { sku quantity catalogPrice unitPrice lineTotal } }"
REQUEST = (
    f"mutation($lines: [QuoteLineInput!]!, $note: String) {{ requestQuote(lines: $lines, note: $note) {{ {QUOTE} }} }}"
)


async def _gql(client, headers, query: str, **variables) -> dict:
    r = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _code(answer: dict) -> tuple[str, int]:
    ext = answer["errors"][0]["extensions"]
    return ext["code"], ext["status"]


async def test_quotes_over_graphql(container, client):
    shop = await open_shop(container)
    shop.catalog.put("TEE", "100.00", name="Camiseta orgânica")
    shop.catalog.put("MUG", "40.00", name="Caneca de bambu")
    await shop.stock("TEE", 30)
    await shop.stock("MUG", 30)
    buyer = await _account(client, shop, "compras@verde.example", COMPANY)
    other = await _account(client, shop, "compras@outra.example", OTHER)
    consumer = await _account(client, shop, "ana@example.com")

    # the REST rules and codes: a consumer cannot ask, bad lines are refused, nothing is written
    lines = [{"sku": "TEE", "quantity": 10}, {"sku": "MUG", "quantity": 12}]
    assert _code(await _gql(client, consumer, REQUEST, lines=lines)) == ("company_required", 403)
    assert _code(await _gql(client, buyer, REQUEST, lines=[{"sku": "TEE", "quantity": 21}])) == (
        "invalid_quantity",
        422,
    )
    assert _code(await _gql(client, buyer, REQUEST, lines=[])) == ("no_items", 422)
    assert (await _gql(client, buyer, "{ myQuotes { id } }"))["data"]["myQuotes"] == []
    assert _code(await _gql(client, {}, "{ myQuotes { id } }"))[0] == "unauthorized"

    asked = (await _gql(client, buyer, REQUEST, lines=lines, note="Entrega em janeiro"))["data"]["requestQuote"]
    assert asked["status"] == "requested" and asked["number"].startswith("COT-")
    assert [(ln["sku"], ln["quantity"], ln["catalogPrice"], ln["unitPrice"]) for ln in asked["current"]["lines"]] == [
        ("MUG", 12, "40.00", None), ("TEE", 10, "100.00", None)]  # fmt: skip
    qid = asked["id"]
    # the same quote through REST
    assert (await client.get(f"{QUOTES}/{qid}", headers=buyer)).json()["number"] == asked["number"]
    listed = (await _gql(client, buyer, '{ myQuotes(status: "requested") { id number status } }'))["data"]
    assert listed["myQuotes"] == [{"id": qid, "number": asked["number"], "status": "requested"}]

    # not sent yet: nothing to accept; another company does not see it
    accept = "mutation($id: ID!) { acceptQuote(id: $id) { id status } }"
    assert _code(await _gql(client, buyer, accept, id=qid)) == ("quote_not_open", 409)
    assert _code(await _gql(client, other, f'{{ quote(id: "{qid}") {{ id }} }}')) == ("quote_not_found", 404)
    assert _code(await _gql(client, other, accept, id=qid)) == ("quote_not_found", 404)
    assert _code(await _gql(client, buyer, '{ quote(id: "not-an-id") { id } }')) == ("quote_not_found", 404)

    # staff price and send (REST); the buyer negotiates (a message is required), then accepts the new one
    await _priced_and_sent(client, shop, qid, {"TEE": "80.00", "MUG": "30.00"})
    negotiate = """mutation($id: ID!, $message: String!, $lines: [QuoteLineInput!]) {
      negotiateQuote(id: $id, message: $message, lines: $lines) {
        status revision current { lines { sku quantity } } } }"""
    assert _code(await _gql(client, buyer, negotiate, id=qid, message=" ")) == ("message_required", 422)
    answer = await _gql(
        client, buyer, negotiate, id=qid, message="R$ 75 com 20", lines=[{"sku": "TEE", "quantity": 20}]
    )
    again = answer["data"]["negotiateQuote"]
    assert (again["status"], again["revision"]) == ("negotiating", 2)
    assert {ln["sku"]: ln["quantity"] for ln in again["current"]["lines"]} == {"TEE": 20, "MUG": 12}
    await _priced_and_sent(client, shop, qid, {"TEE": "75.00", "MUG": "30.00"})
    accepted = (await _gql(client, buyer, accept, id=qid))["data"]["acceptQuote"]
    assert accepted == {"id": qid, "status": "accepted"}
    assert await shop.available("TEE") == 10  # 20 held for the quote
    assert (await _gql(client, buyer, accept, id=qid))["data"]["acceptQuote"]["status"] == "accepted"  # idempotent
    assert await shop.available("TEE") == 10
    reject = "mutation($id: ID!, $note: String) { rejectQuote(id: $id, note: $note) { status } }"
    assert _code(await _gql(client, buyer, reject, id=qid, note="tarde demais")) == ("quote_not_open", 409)
    full = await _gql(
        client,
        buyer,
        f'{{ quote(id: "{qid}") {{ status revisions {{ revision total }} messages {{ action body }} }} }}',
    )
    shown = full["data"]["quote"]
    assert shown["status"] == "accepted" and [r["total"] for r in shown["revisions"]] == ["1160.00", "1860.00"]
    assert [m["action"] for m in shown["messages"]] == ["requested", "sent", "negotiate", "sent", "accepted"]

    # a second quote: declined with a note; a third: past its date, too late to accept
    second = (await _gql(client, buyer, REQUEST, lines=[{"sku": "MUG", "quantity": 5}]))["data"]["requestQuote"]
    await _priced_and_sent(client, shop, second["id"], {"MUG": "35.00"})
    declined = (await _gql(client, buyer, reject, id=second["id"], note="Achamos outro fornecedor"))["data"]
    assert declined["rejectQuote"]["status"] == "rejected"
    third = (await _gql(client, buyer, REQUEST, lines=[{"sku": "MUG", "quantity": 5}]))["data"]["requestQuote"]
    await _priced_and_sent(client, shop, third["id"], {"MUG": "35.00"}, days=2)
    real = container.clock
    container.clock = lambda: real() + timedelta(days=3)
    try:
        assert _code(await _gql(client, buyer, accept, id=third["id"])) == ("quote_expired", 409)
    finally:
        container.clock = real
    assert await shop.available("MUG") == 18  # the first quote's 12 held, nothing by the refused accept
    assert (await client.get(f"{QUOTES}/{third['id']}", headers=buyer)).json()["status"] == "sent"
