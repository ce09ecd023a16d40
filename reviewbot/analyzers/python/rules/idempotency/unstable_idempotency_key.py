"""RB302 unstable-idempotency-key: an idempotency key made fresh on every attempt."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.names import string_value
from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.idempotency.catalog import PSP_TRIGGERS, psp_triggers
from reviewbot.analyzers.python.rules.idempotency.index import index_for
from reviewbot.analyzers.python.rules.idempotency.keys import instability
from reviewbot.analyzers.python.rules.idempotency.psp import KeyStatus
from reviewbot.analyzers.python.rules.idempotency.retries import retry_around
from reviewbot.analyzers.python.rules.idempotency.sites import keys_of_calls_in, psp_call_at, wrapper_sinks
from reviewbot.config import Config
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good


class UnstableIdempotencyKey(PythonRule):
    code = "RB302"
    name = "unstable-idempotency-key"
    family = Family.IDEMPOTENCY
    severity = Severity.ERROR
    summary = "The idempotency key of a money-moving call is made from a random or clock value."
    rationale = (
        "A key only deduplicates if the retry sends the same key as the first attempt. "
        "`idempotency_key=str(uuid4())` is new on every run of the code, which is exactly what the "
        "Stripe SDK already does on its own: the PSP sees two unrelated requests and charges twice. "
        "The same holds for keys from `secrets`, `random`, `time.time()` or `datetime.now()` (a "
        "date alone, as in a once-a-day payout key, is stable and accepted). The key is followed "
        "through variables, options dicts, f-strings and helper functions of the same module, and an "
        "HTTP helper that stamps a fresh `Idempotency-Key` or `PayPal-Request-Id` on every request it "
        "sends is the same defect one level down (a warning when the money call is out of sight). This "
        "rule owns random and clock keys, inside a retry or not; a call with no key is RB301 (or "
        "RB304 inside a retry), and a key that includes the retry counter is RB304."
    )
    help = (
        "Derive the key from what identifies the operation: the order, payment or refund id, a key "
        "stored with the row before the call, or the client's Idempotency-Key header."
    )
    options = ("idempotency.psp-calls", "idempotency.extend-psp-calls")
    references = ("https://docs.stripe.com/api/idempotent-requests",)
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the key of a catalogued money-moving call is built from a random or clock value: at the call, "
            "through variables, options dicts, f-strings and same-module helpers, or in the headers a "
            "same-module wrapper adds to the money call made through it",
        ),
        Evidence(
            Confidence.MEDIUM,
            "an idempotency header (`Idempotency-Key`, `PayPal-Request-Id`, `Cko-Idempotency-Key` or a "
            "configured one) is set to a fresh random or clock value in an HTTP helper whose money calls this "
            "file does not show",
        ),
    )
    triggers = PSP_TRIGGERS

    @classmethod
    def triggers_for(cls, config: Config) -> tuple[str, ...]:
        return psp_triggers(config)
    examples = (
        Bad(
            """
            import uuid
            import stripe

            def charge(order):
                return stripe.PaymentIntent.create(
                    amount=order.amount_minor,
                    currency=order.currency,
                    idempotency_key=str(uuid.uuid4()),
                )
            """,
            line=9,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """
            from uuid import uuid4

            def refund(stripe_client, payment):
                options = {"idempotency_key": f"refund-{payment.id}-{uuid4().hex}"}
                return stripe_client.v1.refunds.create(params={"payment_intent": payment.intent_id}, options=options)
            """,
            line=5,
            path="payments/stripe_refunds.py",
            confidence=Confidence.HIGH,
        ),
        Bad(
            """
            import time
            import stripe

            def payout_key(account):
                return f"payout:{account.id}:{int(time.time())}"

            def pay_out(account, amount_minor: int):
                return stripe.Payout.create(
                    amount=amount_minor, currency="eur", idempotency_key=payout_key(account)
                )
            """,
            line=10,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """
            import uuid
            import requests

            class PspSession:
                def _post(self, path, body):
                    headers = {"Idempotency-Key": str(uuid.uuid4())}
                    return requests.post(f"{self.base_url}{path}", json=body, headers=headers)

                def refund(self, payment, amount_minor: int):
                    return self._post("/v1/refunds", {"payment": payment.psp_id, "amount": amount_minor})
            """,
            line=11,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """
            import uuid

            class PayPalHttpClient:
                def __call__(self, request):
                    if "PayPal-Request-Id" not in request.headers:
                        request.headers["PayPal-Request-Id"] = str(uuid.uuid4())
            """,
            line=7,
            path="payments/paypal_http.py",
            confidence=Confidence.MEDIUM,
        ),
        Good(
            """
            import stripe

            def charge(order):
                return stripe.PaymentIntent.create(
                    amount=order.amount_minor,
                    currency=order.currency,
                    idempotency_key=f"order:{order.id}:charge",
                )
            """
        ),
        Good(
            """
            def refund_key(refund_row):
                return f"refund:{refund_row.id}"

            def refund(stripe_client, refund_row):
                options = {"idempotency_key": refund_key(refund_row)}
                return stripe_client.v1.refunds.create(
                    params={"payment_intent": refund_row.intent_id}, options=options
                )
            """
        ),
        Good(
            """
            import stripe

            def create_charge(request, order):
                key = request.headers["Idempotency-Key"]
                return stripe.PaymentIntent.create(
                    amount=order.amount_minor, currency=order.currency, idempotency_key=key
                )
            """
        ),
        Good(
            """
            class PspSession:
                def send(self, request, operation):
                    request.headers["Idempotency-Key"] = f"{operation.kind}:{operation.id}"
                    return self.session.send(request)
            """
        ),
        Good(
            """
            import uuid
            import stripe

            def start_checkout(order):
                order.checkout_reference = str(uuid.uuid4())
                order.save()
                return stripe.PaymentIntent.create(
                    amount=order.amount_minor,
                    currency=order.currency,
                    idempotency_key=order.checkout_reference,
                )
            """
        ),
    )

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Subscript) and len(target.target.slice) == 1:
                element = target.target.slice[0].slice
                if isinstance(element, cst.Index):
                    self._header_value(element.value, node.value)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        self._header_value(node.key, node.value)

    def _header_value(self, key: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """`headers["PayPal-Request-Id"] = str(uuid4())` in an HTTP helper: a new key on every request."""
        name = string_value(key)
        index = index_for(self.ctx)
        if name is None or name.lower() not in index.catalog.key_headers:
            return
        function = self.ctx.enclosing_function()
        if id(value) in keys_of_calls_in(function, index):
            return  # the key of a catalogued call: judged at that call, with the call named
        if function is not None and wrapper_sinks(function, index) and index.is_called(function):
            return  # a same-module wrapper: judged at each call that sends money through it
        found = instability(value, index.scope_of(function), index, frozenset())
        if found is None or found.counter:
            return
        via = f" via {found.via}" if found.via else ""
        self.report(
            value,
            f"the `{name}` header is set to {found.source}{via} on every request, so a retry sends a new key",
            confidence=Confidence.MEDIUM,
        )

    def visit_Call(self, node: cst.Call) -> None:
        site = psp_call_at(self.ctx, node)
        if site is None or site.use.status != KeyStatus.PRESENT or site.use.key is None:
            return
        retry = retry_around(self.ctx.parents, node, site.index)
        counters = retry.counters if retry is not None else frozenset()
        found = instability(site.use.key, site.scope, site.index, counters)
        if found is None or found.counter:
            return  # a key that counts attempts is the retry's defect: RB304
        via = f" via {found.via}" if found.via else ""
        self.report(
            node if site.via else site.use.key,
            f"idempotency key of {site.label} is made from {found.source}{via}, so every call sends a new key",
            severity=site.use.severity,
        )
