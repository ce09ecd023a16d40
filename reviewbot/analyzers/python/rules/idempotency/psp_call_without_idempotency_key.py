"""RB301 psp-call-without-idempotency-key: a money-moving PSP call that carries no idempotency key."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.idempotency.catalog import PSP_TRIGGERS, psp_triggers
from reviewbot.analyzers.python.rules.idempotency.psp import KeyStatus
from reviewbot.analyzers.python.rules.idempotency.retries import retry_around
from reviewbot.analyzers.python.rules.idempotency.sites import CallSite, psp_call_at
from reviewbot.config import Config
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good


class PspCallWithoutIdempotencyKey(PythonRule):
    code = "RB301"
    name = "psp-call-without-idempotency-key"
    family = Family.IDEMPOTENCY
    severity = Severity.ERROR
    summary = "A call that charges, captures, refunds or pays out at a PSP passes no idempotency key."
    rationale = (
        "A timeout does not say whether the PSP moved the money. When the job, the task queue or the "
        "client tries again, only a key that is the same on both attempts lets the PSP answer with the "
        "first result instead of charging twice. The Stripe SDKs and Mollie add a random key of their "
        "own, but it covers only the SDK's internal network retries of that one call, not the "
        "application's retries; Adyen, Checkout.com, the PayPal server SDK and Braintree send none. "
        "The key goes in a different place per SDK: `idempotency_key=` (Stripe legacy API, Adyen, "
        'Mollie, Checkout.com), `options={"idempotency_key": ...}` (StripeClient), the '
        "`paypal_request_id` option (PayPal), `api_request_key` in the params (Braintree, reported as "
        "a warning), an `Idempotency-Key` header or, for Hyperswitch, a merchant-chosen `payment_id`/"
        "`refund_id` in the body. The calls checked are a catalogue you can extend in configuration. "
        "A call without a key inside a retry is reported as RB304 instead."
    )
    help = (
        'Pass a key derived from a stable business id, e.g. `idempotency_key=f"capture:{payment.id}"`, '
        "in the place this SDK reads it."
    )
    options = ("idempotency.psp-calls", "idempotency.extend-psp-calls", "idempotency.idempotency-headers")
    references = (
        "https://docs.stripe.com/api/idempotent-requests",
        "https://docs.adyen.com/development-resources/api-idempotency/",
        "https://stripe.com/blog/idempotency",
    )
    evidence = (
        Evidence(
            Confidence.HIGH,
            "a catalogued money-moving call (resolved through the file's imports, an SDK client, object or "
            "request class, or a POST to a catalogued PSP path; made here or inside a same-module wrapper this "
            "call runs with its arguments) whose arguments are all visible, `**self.attr` included, and carry "
            "no key",
        ),
        Evidence(
            Confidence.MEDIUM,
            "the key could be inside an argument whose keys cannot be seen (`**kwargs` of a function no code of "
            "the file calls, an options object from a parameter or an unknown call): no key is visible, none "
            "is proven",
        ),
    )
    triggers = PSP_TRIGGERS

    @classmethod
    def triggers_for(cls, config: Config) -> tuple[str, ...]:
        return psp_triggers(config)
    examples = (
        Bad(
            """
            import stripe

            def capture_payment(payment):
                return stripe.PaymentIntent.capture(payment.intent_id, amount_to_capture=payment.amount_minor)
            """,
            line=5,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """
            from stripe import StripeClient

            client = StripeClient(settings.STRIPE_SECRET_KEY)

            def refund(payment, amount_minor: int):
                return client.v1.refunds.create(params={"payment_intent": payment.intent_id, "amount": amount_minor})
            """,
            line=7,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """
            def refund_capture(paypal, capture_id, amount):
                return paypal.payments.refund_captured_payment(
                    {"capture_id": capture_id, "body": RefundRequest(amount=amount)}
                )
            """,
            line=3,
            path="payments/paypal_refunds.py",
            confidence=Confidence.HIGH,
        ),
        Bad(
            """
            import httpx

            def create_payment(order):
                return httpx.post(
                    f"{HYPERSWITCH_URL}/payments",
                    headers={"api-key": HYPERSWITCH_KEY},
                    json={"amount": order.amount_minor, "currency": order.currency},
                )
            """,
            line=5,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """
            import Adyen

            adyen = Adyen.Adyen()

            def authorise(order, card):
                request = {"amount": {"value": order.amount_minor, "currency": order.currency}, "paymentMethod": card}
                return adyen.checkout.payments_api.payments(request)
            """,
            line=8,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """
            import stripe

            class StripeProvider:
                @property
                def api_kwargs(self):
                    return {"api_key": self.settings.secret_key, "stripe_account": self.settings.account_id}

                def execute_refund(self, refund):
                    return stripe.Refund.create(charge=refund.charge_id, amount=refund.amount_minor, **self.api_kwargs)
            """,
            line=10,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """
            import requests

            class AcquirerClient:
                def _post(self, path, body):
                    return requests.post(f"{self.base_url}{path}", json=body, headers={"Authorization": self.token})

                def refund(self, payment, amount_minor: int):
                    return self._post("/v1/refunds", {"payment": payment.psp_id, "amount": amount_minor})
            """,
            line=9,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """
            from paypalcheckoutsdk.payments import CapturesRefundRequest

            def refund_capture(client, capture_id, amount_text):
                request = CapturesRefundRequest(capture_id)
                request.request_body({"amount": {"value": amount_text, "currency_code": "EUR"}})
                return client.execute(request)
            """,
            line=5,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """
            import stripe

            def refund(charge_id, amount_minor: int, **options):
                return stripe.Refund.create(charge=charge_id, amount=amount_minor, **options)
            """,
            line=5,
            confidence=Confidence.MEDIUM,
        ),
        Good(
            """
            import stripe

            def capture_payment(payment):
                return stripe.PaymentIntent.capture(
                    payment.intent_id, idempotency_key=f"capture:{payment.id}"
                )
            """
        ),
        Good(
            """
            from stripe import StripeClient

            client = StripeClient(settings.STRIPE_SECRET_KEY)

            def refund(refund_row):
                options = {"idempotency_key": f"refund:{refund_row.id}"}
                return client.v1.refunds.create(
                    params={"payment_intent": refund_row.intent_id, "amount": refund_row.amount_minor},
                    options=options,
                )
            """
        ),
        Good(
            """
            import httpx

            def create_payment(order):
                return httpx.post(
                    f"{HYPERSWITCH_URL}/payments",
                    headers={"api-key": HYPERSWITCH_KEY},
                    json={"payment_id": f"pay_{order.id}", "amount": order.amount_minor, "currency": order.currency},
                )
            """
        ),
        Good(
            """
            import stripe

            class StripeProvider:
                def _create_refund(self, **params):
                    return stripe.Refund.create(api_key=self.secret_key, **params)

                def execute_refund(self, refund):
                    return self._create_refund(charge=refund.charge_id, idempotency_key=f"refund:{refund.id}")
            """
        ),
        Good(
            """
            from paypalcheckoutsdk.payments import CapturesRefundRequest

            def refund_capture(client, refund):
                request = CapturesRefundRequest(refund.capture_id)
                request.pay_pal_request_id(f"refund:{refund.id}")
                return client.execute(request)
            """
        ),
        Good(
            """
            import stripe

            def register_customer(user):
                return stripe.Customer.create(email=user.email, metadata={"user_id": user.id})
            """
        ),
        Good(
            """
            import stripe

            def record_refund(payment, refund):
                payment.refunds.create(amount_minor=refund.amount, stripe_refund_id=refund.id)
            """
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        site = psp_call_at(self.ctx, node)
        if site is None or site.use.status == KeyStatus.PRESENT:
            return
        use = site.use
        if use.status == KeyStatus.UNKNOWN:
            function = self.ctx.enclosing_function()
            if use.forwarded and not site.via and function is not None and site.index.is_called(function):
                return  # the key comes from this function's callers, which are judged at their calls
            hidden = _shown(use.hidden, site, node)
            self.report(
                node,
                f"{site.label} {use.verb} with {hidden}, whose keys cannot be seen: no {use.wanted} is visible",
                severity=use.severity,
                confidence=Confidence.MEDIUM,
            )
            return
        if retry_around(self.ctx.parents, node, site.index) is not None:
            return  # RB304 reports a keyless call inside a retry
        self.report(node, f"{site.label} {use.verb} without {use.wanted}", severity=use.severity)


def _shown(hidden: cst.BaseExpression | None, site: CallSite, call: cst.Call) -> str:
    """The argument that may hold the key, as written (`**self.options`), or what the wrapper receives."""
    if hidden is None:
        return "arguments"
    text = site.index.module.code_for_node(hidden)
    if "__caller_value__" in text or len(text) > 60:
        return "arguments from its caller" if site.via else "arguments"
    stars = next((arg.star for arg in call.args if arg.value is hidden and isinstance(arg.star, str)), "")
    return f"`{stars}{text}`"
