"""Cart, checkout and my orders over GraphQL, on the real catalog, stock and sandbox payment gateway."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from gql.transport.exceptions import TransportQueryError

from ecovarejo.core.models import DEFAULT_TENANT_ID
from tests.support import token_for

products = pytest.importorskip("ecovarejo.products.service", reason="the products context is not in this build")
orders = pytest.importorskip("ecovarejo.orders.service", reason="the orders context is not in this build")
inventory = pytest.importorskip("ecovarejo.inventory.service", reason="the inventory context is not in this build")
from ecovarejo.products.schemas import ProductCreate, VariantIn  # noqa: E402

CARD_OK = "tok_visa"  # the sandbox's published test token (card numbers are refused)
ADDRESS = {
    "recipient": "Ana Souza",
    "street": "Rua Augusta",
    "number": "100",
    "city": "São Paulo",
    "state": "SP",
    "postalCode": "01305-000",
}
CART = "{ items { sku quantity unitPrice lineTotal } summary { subtotal total currency } }"
CHECKOUT = """
mutation Checkout($input: CheckoutInput!, $key: String!) {
  checkout(input: $input, idempotencyKey: $key) { id orderNumber status totalAmount replayed items { sku quantity } }
}
"""


async def customer(g) -> str:
    r = await g.http.post(
        "/api/v1/auth/register",
        json={
            "email": f"ana-{uuid.uuid4().hex[:6]}@example.com",
            "password": "correct horse battery staple 42",
            "first_name": "Ana",
            "last_name": "Souza",
            "accept_terms": True,
            "accept_privacy": True,
        },
    )
    assert r.status_code == 201, r.text
    return token_for(g.container, DEFAULT_TENANT_ID, user_id=uuid.UUID(r.json()["id"]))


async def stock_product(g) -> None:
    async with g.container.uow(DEFAULT_TENANT_ID, actor="test") as uow:
        await products.create_product(
            uow,
            ProductCreate(
                sku="TEE",
                name="Camiseta orgânica",
                price=Decimal("89.90"),
                variants=[VariantIn(sku="TEE-M", name="M", size="M")],
            ),
        )
        wh = await inventory.ensure_warehouse(uow, "CD1", "CD1")
        await inventory.adjust(uow, "TEE-M", wh.id, 5, reason="test stock", actor="test", reorder_level=1)
        await uow.commit()


async def test_cart_checkout_and_my_orders(graphql_app, settings) -> None:
    async with graphql_app(settings) as g:
        await stock_product(g)
        token = await customer(g)
        add = await g.execute(f'mutation {{ addToCart(sku: "TEE-M", quantity: 2) {CART} }}', token=token)
        assert add["addToCart"]["items"] == [
            {"sku": "TEE-M", "quantity": 2, "unitPrice": "89.90", "lineTotal": "179.80"}
        ]
        assert add["addToCart"]["summary"]["subtotal"] == "179.80"
        changed = await g.execute(f'mutation {{ setCartQuantity(sku: "TEE-M", quantity: 1) {CART} }}', token=token)
        assert changed["setCartQuantity"]["items"][0]["quantity"] == 1
        assert (await g.execute(f"{{ cart {CART} }}", token=token))["cart"]["items"][0]["quantity"] == 1

        variables = {
            "input": {"shippingAddress": ADDRESS, "payment": {"method": "card", "source": CARD_OK}},
            "key": "k1",
        }
        placed = (await g.execute(CHECKOUT, variables, token=token))["checkout"]
        assert placed["status"] == "paid"
        assert placed["orderNumber"].startswith("EV-")
        assert placed["items"] == [{"sku": "TEE-M", "quantity": 1}]
        assert placed["replayed"] is False
        again = (await g.execute(CHECKOUT, variables, token=token))["checkout"]
        assert again["replayed"] is True
        assert again["id"] == placed["id"]
        assert (await g.execute(f"{{ cart {CART} }}", token=token))["cart"]["items"] == []

        other = {**variables, "input": {**variables["input"], "notes": "another body"}}
        with pytest.raises(TransportQueryError) as err:
            await g.execute(CHECKOUT, other, token=token)
        assert err.value.errors[0]["extensions"]["status"] in (409, 422)

        mine = await g.execute("{ myOrders { items { id status totalAmount } nextCursor } }", token=token)
        assert [o["id"] for o in mine["myOrders"]["items"]] == [placed["id"]]
        assert mine["myOrders"]["items"][0]["totalAmount"] == placed["totalAmount"]
        one = await g.execute(f'{{ order(id: "{placed["id"]}") {{ orderNumber }} }}', token=token)
        assert one["order"]["orderNumber"] == placed["orderNumber"]
        # another customer does not see it
        stranger = await customer(g)
        with pytest.raises(TransportQueryError) as err:
            await g.execute(f'{{ order(id: "{placed["id"]}") {{ orderNumber }} }}', token=stranger)
        assert err.value.errors[0]["extensions"]["code"] == "order_not_found"


async def test_shopping_needs_the_jwt_and_valid_input(graphql_app, settings) -> None:
    async with graphql_app(settings) as g:
        await stock_product(g)
        with pytest.raises(TransportQueryError) as err:
            await g.execute(f"{{ cart {CART} }}")
        assert err.value.errors[0]["extensions"]["code"] == "unauthorized"
        token = await customer(g)
        with pytest.raises(TransportQueryError) as err:
            await g.execute('mutation { addToCart(sku: "NOPE", quantity: 1) { coupons } }', token=token)
        assert err.value.errors[0]["extensions"]["status"] in (404, 422)
        with pytest.raises(TransportQueryError) as err:
            await g.execute(
                CHECKOUT,
                {
                    "input": {"shippingAddress": {**ADDRESS, "postalCode": "x"}, "payment": {"source": CARD_OK}},
                    "key": "k",
                },
                token=token,
            )
        assert err.value.errors[0]["extensions"]["code"] == "validation_error"
        with pytest.raises(TransportQueryError) as err:
            variables = {"input": {"shippingAddress": ADDRESS, "payment": {"source": CARD_OK}}, "key": "k2"}
            await g.execute(CHECKOUT, variables, token=token)
        assert err.value.errors[0]["extensions"]["code"] == "cart_empty"
