"""The part of Stripe's API the adapter uses: PaymentIntents (create/confirm, retrieve, capture, cancel,
search by metadata), Refunds, PaymentMethods (created by Stripe.js with the publishable key, retrieved
by the server with the secret key), Customers and attaching a PaymentMethod to one — with Stripe's reuse
rules: a PaymentMethod charged without a Customer may not be used again, and one attached to a Customer
is charged only with that Customer — and 3-D Secure: a card that requires authentication leaves the
intent in ``requires_action`` with ``next_action.redirect_to_url`` (the ``return_url`` given at confirm);
the challenge page (``/3ds/{pi}``, Stripe's hooks.stripe.com) settles it and redirects to the return URL.
Form-encoded bodies, ``Authorization: Bearer sk_test_…``, ``Idempotency-Key`` replays, amounts in integer
centavos, Stripe's ``{"error": {...}}`` shapes."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from . import Behaviour

DECLINES = {
    "pm_card_chargeDeclined": "generic_decline",
    "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
    "4000000000000002": "generic_decline",
    "4000000000009995": "insufficient_funds",
}
#: Stripe's test card that always asks for 3-D Secure authentication.
THREE_DS = {"4000002760003184", "4000000000003220"}


def _err(status: int, type_: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"type": type_, "message": message, **extra}}, status_code=status)


class StripeFake(Behaviour):
    def __init__(self) -> None:
        super().__init__()
        self.intents: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.idem: dict[str, tuple[str, int, Any]] = {}
        self.seq = itertools.count(1)
        self.charges = 0
        #: PaymentMethods: id → (card number, the PaymentMethod object). Stripe's cloud keeps numbers; we don't.
        self.methods: dict[str, tuple[str, dict[str, Any]]] = {}
        self.return_urls: dict[str, str] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        #: PaymentMethods charged while attached to no Customer: Stripe refuses them afterwards.
        self.spent: set[str] = set()
        self.base = ""

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/payment_intents", self.create, methods=["POST"]),
                Route("/v1/payment_intents/search", self.search, methods=["GET"]),
                Route("/v1/payment_intents/{id}", self.retrieve, methods=["GET"]),
                Route("/v1/payment_intents/{id}/capture", self.capture, methods=["POST"]),
                Route("/v1/payment_intents/{id}/cancel", self.cancel, methods=["POST"]),
                Route("/v1/refunds", self.refund, methods=["POST"]),
                Route("/v1/payment_methods", self.create_method, methods=["POST"]),
                Route("/v1/payment_methods/{id}", self.retrieve_method, methods=["GET"]),
                Route("/v1/payment_methods/{id}/attach", self.attach_method, methods=["POST"]),
                Route("/v1/customers", self.create_customer, methods=["POST"]),
                Route("/3ds/{id}", self.challenge, methods=["GET", "POST"]),
            ]
        )

    async def _guard(self, request: Request, *, fail: bool = True) -> tuple[dict[str, str], JSONResponse | None]:
        form = {k: str(v) for k, v in (await request.form()).items()} if request.method == "POST" else {}
        self.requests.append({"path": request.url.path, "headers": dict(request.headers), "form": form})
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer sk_test_"):
            return form, _err(401, "invalid_request_error", "Invalid API Key provided")
        if fail and self.fail_next > 0:
            self.fail_next -= 1
            return form, _err(500, "api_error", "An unknown error occurred")
        return form, None

    async def _idempotent(self, request: Request, form: dict[str, str], handler: Any) -> JSONResponse:
        key = request.headers.get("idempotency-key")
        digest = hashlib.sha256(repr(sorted(form.items())).encode()).hexdigest()
        if key and key in self.idem:
            stored_digest, status, body = self.idem[key]
            if stored_digest != digest:
                return _err(
                    400, "idempotency_error", "Keys for idempotent requests can only be used with the same parameters"
                )
            return JSONResponse(body, status_code=status, headers={"Idempotent-Replayed": "true"})
        status, body = handler(form)
        if key:
            self.idem[key] = (digest, status, body)
        return JSONResponse(body, status_code=status)

    def _new_intent(self, form: dict[str, str]) -> tuple[int, Any]:
        if "amount" not in form or not form["amount"].isdigit():
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "parameter_missing",
                    "param": "amount",
                    "message": "Missing required param: amount.",
                }
            }
        pid = f"pi_{next(self.seq):06d}"
        intent = {
            "id": pid,
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "amount_capturable": 0,
            "amount_received": 0,
            "currency": form.get("currency", "brl"),
            "capture_method": form.get("capture_method", "automatic"),
            "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
            "status": "requires_payment_method",
        }
        source = form.get("payment_method") or form.get("payment_method_data[card][number]", "")
        if source in self.methods:
            owner = self.methods[source][1]["customer"]
            if owner is None and source in self.spent:
                return 400, {"error": {"type": "invalid_request_error", "code": "payment_method_unexpected_state",
                                       "message": "The provided PaymentMethod was previously used with a PaymentIntent "
                                       "without Customer attachment. It may not be used again."}}  # fmt: skip
            if owner is not None and form.get("customer") != owner:
                return 400, {"error": {"type": "invalid_request_error", "param": "customer",
                                       "message": "The provided PaymentMethod belongs to a Customer, but you did "
                                       "not provide that Customer."}}  # fmt: skip
            if owner is None:
                self.spent.add(source)
            source = self.methods[source][0]
        intent["payment_method"] = form.get("payment_method")
        self.intents[pid] = intent
        if source in DECLINES:
            intent["last_payment_error"] = {"code": "card_declined", "decline_code": DECLINES[source]}
            return 402, {
                "error": {
                    "type": "card_error",
                    "code": "card_declined",
                    "decline_code": DECLINES[source],
                    "message": "Your card was declined.",
                    "payment_intent": dict(intent),
                }
            }
        if source in THREE_DS:  # authentication first: the money moves after the challenge
            intent["status"] = "requires_action"
            return_url = form.get("return_url")
            self.return_urls[pid] = return_url or ""
            intent["next_action"] = (
                {"type": "redirect_to_url",
                 "redirect_to_url": {"url": f"{self.base}/3ds/{pid}", "return_url": return_url}}
                if return_url else {"type": "use_stripe_sdk", "use_stripe_sdk": {"type": "three_d_secure_redirect"}}
            )  # fmt: skip
            return 200, dict(intent)
        self._authorized(intent)
        return 200, dict(intent)

    def _authorized(self, intent: dict[str, Any]) -> None:
        self.charges += 1
        intent["next_action"] = None
        intent["status"] = "requires_capture" if intent["capture_method"] == "manual" else "succeeded"
        intent["amount_capturable"] = intent["amount"] if intent["status"] == "requires_capture" else 0
        intent["amount_received"] = intent["amount"] if intent["status"] == "succeeded" else 0

    async def create(self, request: Request) -> JSONResponse:
        self.base = str(request.base_url).rstrip("/")
        form, err = await self._guard(request)
        if err is not None:
            return err
        if self.delay_before_charge:
            await asyncio.sleep(self.delay_before_charge)
        response = await self._idempotent(request, form, self._new_intent)
        if self.delay_after_charge:
            await asyncio.sleep(self.delay_after_charge)
        return response

    async def retrieve(self, request: Request) -> JSONResponse:
        _, err = await self._guard(request, fail=False)
        if err is not None:
            return err
        intent = self.intents.get(request.path_params["id"])
        if intent is None:
            return _err(404, "invalid_request_error", "No such payment_intent", code="resource_missing")
        return JSONResponse(intent)

    async def search(self, request: Request) -> JSONResponse:
        _, err = await self._guard(request, fail=False)
        if err is not None:
            return err
        m = re.fullmatch(r"metadata\['(\w+)'\]:'([^']*)'", request.query_params.get("query", ""))
        if m is None:
            return _err(400, "invalid_request_error", "Invalid search query")
        data = [
            i
            for i in self.intents.values()
            if i["metadata"].get(m.group(1)) == m.group(2) and i["status"] != "requires_payment_method"
        ]
        return JSONResponse(
            {"object": "search_result", "data": data, "has_more": False, "url": "/v1/payment_intents/search"}
        )

    async def capture(self, request: Request) -> JSONResponse:
        form, err = await self._guard(request)
        if err is not None:
            return err
        pid = request.path_params["id"]

        def run(form: dict[str, str]) -> tuple[int, Any]:
            intent = self.intents.get(pid)
            if intent is None or intent["status"] != "requires_capture":
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "payment_intent_unexpected_state",
                        "message": "This PaymentIntent could not be captured",
                    }
                }
            amount = int(form.get("amount_to_capture", intent["amount_capturable"]))
            if amount > intent["amount_capturable"]:
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "amount_too_large",
                        "message": "amount_to_capture too large",
                    }
                }
            intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
            return 200, dict(intent)

        return await self._idempotent(request, form, run)

    async def cancel(self, request: Request) -> JSONResponse:
        form, err = await self._guard(request)
        if err is not None:
            return err
        pid = request.path_params["id"]

        def run(form: dict[str, str]) -> tuple[int, Any]:
            intent = self.intents.get(pid)
            # Stripe cancels an intent in any of these (not once succeeded or canceled)
            cancellable = ("requires_capture", "requires_payment_method", "requires_action", "requires_confirmation")
            if intent is None or intent["status"] not in cancellable:
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "payment_intent_unexpected_state",
                        "message": "cannot cancel",
                    }
                }
            intent.update(status="canceled", amount_capturable=0)
            return 200, dict(intent)

        return await self._idempotent(request, form, run)

    async def refund(self, request: Request) -> JSONResponse:
        form, err = await self._guard(request)
        if err is not None:
            return err

        def run(form: dict[str, str]) -> tuple[int, Any]:
            intent = self.intents.get(form.get("payment_intent", ""))
            if intent is None or intent["status"] != "succeeded":
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "charge_not_refundable",
                        "message": "not refundable",
                    }
                }
            refunded = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"])
            amount = int(form.get("amount", intent["amount_received"] - refunded))
            if refunded + amount > intent["amount_received"]:
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "charge_already_refunded",
                        "message": "Refund exceeds charge",
                    }
                }
            rid = f"re_{next(self.seq):06d}"
            self.refunds[rid] = {
                "id": rid,
                "object": "refund",
                "amount": amount,
                "payment_intent": intent["id"],
                "status": "succeeded",
            }
            return 200, dict(self.refunds[rid])

        return await self._idempotent(request, form, run)

    # ------------------------------------------------------------------ PaymentMethods (Stripe.js and server)
    async def create_method(self, request: Request) -> JSONResponse:
        """What Stripe.js's ``createPaymentMethod`` posts from the shopper's browser (publishable key)."""
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not request.headers.get("authorization", "").startswith("Bearer pk_test_"):
            return _err(401, "invalid_request_error", "Invalid API Key provided")
        number = form.get("card[number]", "").replace(" ", "").replace("-", "")
        if not number.isdigit() or len(number) < 12:
            return _err(402, "card_error", "Your card number is incorrect.", code="incorrect_number")
        if not form.get("card[cvc]", "").isdigit():
            return _err(402, "card_error", "Your card's security code is invalid.", code="invalid_cvc")
        pid = f"pm_{next(self.seq):06d}{hashlib.sha256(number.encode()).hexdigest()[:8]}"
        method = {
            "id": pid,
            "object": "payment_method",
            "type": "card",
            "customer": None,
            "card": {
                "brand": "visa" if number.startswith("4") else "mastercard",
                "last4": number[-4:],
                "exp_month": int(form.get("card[exp_month]", "0")),
                "exp_year": int(form.get("card[exp_year]", "0")),
                "fingerprint": hashlib.sha256(b"fp" + number.encode()).hexdigest()[:16],
            },
        }
        self.methods[pid] = (number, method)
        return JSONResponse(method)

    async def retrieve_method(self, request: Request) -> JSONResponse:
        _, err = await self._guard(request, fail=False)
        if err is not None:
            return err
        found = self.methods.get(request.path_params["id"])
        if found is None:
            return _err(404, "invalid_request_error", "No such PaymentMethod", code="resource_missing")
        return JSONResponse(found[1])

    async def create_customer(self, request: Request) -> JSONResponse:
        form, err = await self._guard(request)
        if err is not None:
            return err

        def run(form: dict[str, str]) -> tuple[int, Any]:
            cid = f"cus_{next(self.seq):06d}"
            self.customers[cid] = {
                "id": cid, "object": "customer",
                "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
            }  # fmt: skip
            return 200, dict(self.customers[cid])

        return await self._idempotent(request, form, run)

    async def attach_method(self, request: Request) -> JSONResponse:
        form, err = await self._guard(request)
        if err is not None:
            return err
        pid = request.path_params["id"]

        def run(form: dict[str, str]) -> tuple[int, Any]:
            found = self.methods.get(pid)
            if found is None:
                return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing",
                                       "message": f"No such PaymentMethod: '{pid}'"}}  # fmt: skip
            if form.get("customer") not in self.customers:
                return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing",
                                       "message": "No such customer"}}  # fmt: skip
            if pid in self.spent or found[1]["customer"] not in (None, form["customer"]):
                return 400, {"error": {"type": "invalid_request_error", "code": "payment_method_unexpected_state",
                                       "message": "This PaymentMethod was previously used without being attached "
                                       "to a Customer or was detached from a Customer, and may not be used "
                                       "again."}}  # fmt: skip
            found[1]["customer"] = form["customer"]
            return 200, dict(found[1])

        return await self._idempotent(request, form, run)

    async def challenge(self, request: Request) -> Response:
        """The issuer's 3-D Secure page: ``?outcome=succeed`` (default) or ``fail``; then back to the shop's
        ``return_url`` with ``payment_intent=pi_…``, as Stripe redirects."""
        intent = self.intents.get(request.path_params["id"])
        if intent is None or intent["status"] != "requires_action":
            return JSONResponse({"error": "no challenge"}, status_code=404)
        if request.query_params.get("outcome", "succeed") == "succeed":
            self._authorized(intent)
        else:
            failure = {"code": "payment_intent_authentication_failure",
                       "message": "The provided PaymentMethod has failed authentication."}  # fmt: skip
            intent.update(status="requires_payment_method", next_action=None, last_payment_error=failure)
        url = self.return_urls.get(intent["id"], "")
        sep = "&" if "?" in url else "?"
        return RedirectResponse(f"{url}{sep}payment_intent={intent['id']}", status_code=303)
