"""RB303 payment-endpoint-without-dedupe: a POST/PUT handler that moves money but reads no Idempotency-Key."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.idempotency.endpoints import (
    http_handler,
    money_effect,
    reads_idempotency_key,
)
from reviewbot.analyzers.python.rules.idempotency.index import index_for
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good


class PaymentEndpointWithoutDedupe(PythonRule):
    code = "RB303"
    name = "payment-endpoint-without-dedupe"
    family = Family.IDEMPOTENCY
    severity = Severity.WARNING
    summary = "A POST/PUT handler charges, refunds or inserts a payment row but never reads an Idempotency-Key header."
    rationale = (
        "Mobile apps, browsers and API clients re-send a POST when the answer is slow; a handler "
        "that creates a new payment on every request turns one purchase into several (a published "
        "FastAPI + Stripe incident refunded $47,000 after client retries during a latency spike). "
        "Reading the client's `Idempotency-Key` and keying the payment row and the PSP call on it "
        "lets the retry find the first result. Handlers of FastAPI/Starlette, Flask, Django/DRF and "
        "aiohttp are checked when they reach a catalogued PSP call or insert a payment, charge, "
        "refund or payout row, directly or through a function of the same module, or when their "
        "route names a money movement (`POST /v1/charges`, `/orders/{id}/pay`). Webhook receivers "
        "and GETs are not. A warning: deduplication done in middleware is invisible here."
    )
    help = (
        "Read the `Idempotency-Key` header, store it with a unique constraint on the payment row, "
        "return the stored result when it repeats, and derive the PSP key from it."
    )
    options = ("idempotency.idempotency-headers", "idempotency.extend-psp-calls")
    references = (
        "https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/",
        "https://www.darshanturakhia.com/blog/payment-api-double-charge-idempotency",
    )
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the handler reaches a catalogued PSP call or inserts a payment, charge, refund or payout row, "
            "itself or through functions and wrappers of the same module",
        ),
        Evidence(
            Confidence.MEDIUM,
            "only the route names a money movement (`POST /v1/charges`, `/orders/{id}/pay`); what the "
            "handler calls is out of sight",
        ),
    )
    triggers = ("post", "POST", "put", "PUT", "ViewSet")
    examples = (
        Bad(
            """
            import stripe
            from fastapi import APIRouter

            router = APIRouter()

            @router.post("/orders/{order_id}/pay")
            async def pay_order(order_id: int, body: PayRequest):
                order = await Order.get(id=order_id)
                intent = stripe.PaymentIntent.create(
                    amount=order.amount_minor, currency=order.currency, idempotency_key=f"order:{order.id}"
                )
                return {"client_secret": intent.client_secret}
            """,
            line=8,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """
            from flask import Blueprint, request

            bp = Blueprint("refunds", __name__)

            @bp.route("/refunds", methods=["POST"])
            def create_refund():
                data = request.get_json()
                refund = Refund(payment_id=data["payment_id"], amount_minor=data["amount_minor"])
                db.session.add(refund)
                db.session.commit()
                return {"id": refund.id}, 201
            """,
            line=7,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """
            from rest_framework.views import APIView

            def _charge(order):
                return stripe.Charge.create(amount=order.amount_minor, currency="usd", source=order.token)

            class ChargeView(APIView):
                def post(self, request):
                    order = Order.objects.get(pk=request.data["order_id"])
                    charge = _charge(order)
                    return Response({"charge": charge.id})
            """,
            line=8,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """
            from fastapi import APIRouter

            router = APIRouter()

            @router.post("/v1/charges")
            def create_charge(request, services):
                return services.charges.create(amount=request.json()["amount"])
            """,
            line=7,
            confidence=Confidence.MEDIUM,
        ),
        Good(
            """
            import stripe
            from fastapi import APIRouter, Header

            router = APIRouter()

            @router.post("/orders/{order_id}/pay")
            async def pay_order(order_id: int, idempotency_key: str = Header(...)):
                order = await Order.get(id=order_id)
                intent = stripe.PaymentIntent.create(
                    amount=order.amount_minor, currency=order.currency, idempotency_key=f"pay:{idempotency_key}"
                )
                return {"client_secret": intent.client_secret}
            """
        ),
        Good(
            """
            from rest_framework.views import APIView

            class RefundView(APIView):
                def post(self, request):
                    key = request.META["HTTP_IDEMPOTENCY_KEY"]
                    refund, created = Refund.objects.get_or_create(idempotency_key=key, defaults=request.data)
                    return Response({"id": refund.id}, status=201 if created else 200)
            """
        ),
        Good(
            """
            import stripe
            from fastapi import APIRouter, Request

            router = APIRouter()

            @router.post("/webhooks/stripe")
            async def stripe_webhook(request: Request):
                event = stripe.Webhook.construct_event(await request.body(), request.headers["stripe-signature"], SECRET)
                if event.type == "charge.refunded":
                    Refund.objects.create(charge_id=event.data.object.id)
                return {"ok": True}
            """
        ),
        Good(
            """
            from fastapi import APIRouter

            router = APIRouter()

            @router.get("/payments/{payment_id}")
            async def get_payment(payment_id: int):
                return await Payment.get(id=payment_id)
            """
        ),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        handler = http_handler(node, self.ctx.parents)
        if handler is None:
            return
        index = index_for(self.ctx)
        effect = money_effect(node, index)
        confidence = Confidence.HIGH
        if effect is None and handler.is_money_route:
            effect = f"serves `{handler.method} {handler.route}`"
            confidence = Confidence.MEDIUM  # only the route's name says money moves
        if effect is None:
            return
        headers = index.catalog.headers
        if reads_idempotency_key(node, index, headers):
            return
        shown = (
            self.config.idempotency.idempotency_headers[0]
            if self.config.idempotency.idempotency_headers
            else "Idempotency-Key"
        )
        self.report(
            node.name,
            f"{handler.method} handler `{handler.name}` {effect} but never reads an `{shown}` header",
            confidence=confidence,
        )
