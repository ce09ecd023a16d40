"""RB304 retry-without-stable-key: a retried money-moving call with no key or a per-attempt key."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.idempotency.catalog import PSP_TRIGGERS, psp_triggers
from reviewbot.analyzers.python.rules.idempotency.keys import instability
from reviewbot.analyzers.python.rules.idempotency.psp import KeyStatus
from reviewbot.analyzers.python.rules.idempotency.retries import retry_around
from reviewbot.analyzers.python.rules.idempotency.sites import psp_call_at
from reviewbot.config import Config
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good


class RetryWithoutStableKey(PythonRule):
    code = "RB304"
    name = "retry-without-stable-key"
    family = Family.IDEMPOTENCY
    severity = Severity.ERROR
    summary = (
        "A retry loop, retry decorator or retrying task repeats a money-moving call that has no "
        "idempotency key, or a key that includes the retry counter."
    )
    rationale = (
        "The common double charge is a timeout treated as a failure and retried: the first request "
        "did reach the PSP, and the retry charges again. A retry loop with try/except, tenacity "
        "`@retry`, `backoff.on_exception`, Celery `autoretry_for` or `self.retry()`, or a dramatiq "
        "actor all re-run the call on purpose, and the key the Stripe SDK adds by itself is new on "
        'each run; a key such as `f"refund:{refund.id}:{attempt}"` changes on every attempt just '
        "the same. One defect gives one finding: a keyless call inside a retry and a key built from "
        "the retry counter (`attempt`, Celery `self.request.retries`) are reported here, a keyless "
        "call outside any retry is RB301, and a random or clock key is RB302 wherever it is."
    )
    help = (
        "Give the call a key derived from the operation's business id before the retry starts, "
        'e.g. `idempotency_key=f"charge:{order.id}"`, so every attempt sends the same key.'
    )
    options = ("idempotency.psp-calls", "idempotency.extend-psp-calls")
    references = (
        "https://stripe.com/blog/idempotency",
        "https://medium.com/airbnb-engineering/avoiding-double-payments-in-a-distributed-payments-system-2981f6b070bb",
    )
    evidence = (
        Evidence(
            Confidence.HIGH,
            "a catalogued money-moving call (here or in a same-module wrapper) is re-run by a retry loop whose "
            "handler lets it go round again, a retry decorator, Celery `autoretry_for`/`self.retry()` or a "
            "dramatiq actor, with no key or a key built from the retry counter",
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
            from tenacity import retry, stop_after_attempt

            @retry(stop=stop_after_attempt(3))
            def charge(order):
                return stripe.PaymentIntent.create(amount=order.amount_minor, currency=order.currency, confirm=True)
            """,
            line=7,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """
            import time
            import stripe

            def refund(payment, amount_minor: int):
                for attempt in range(3):
                    try:
                        return stripe.Refund.create(payment_intent=payment.intent_id, amount=amount_minor)
                    except stripe.APIConnectionError:
                        time.sleep(2 ** attempt)
            """,
            line=8,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """
            from celery import shared_task
            from mollie.api.client import Client

            mollie = Client()

            @shared_task(bind=True, max_retries=5)
            def create_payment(self, order_id):
                order = Order.objects.get(pk=order_id)
                try:
                    return mollie.payments.create({"amount": {"currency": "EUR", "value": order.amount_text}})
                except RequestError as exc:
                    raise self.retry(exc=exc)
            """,
            line=11,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """
            import stripe

            def capture(payment):
                for attempt in range(3):
                    try:
                        return stripe.PaymentIntent.capture(
                            payment.intent_id, idempotency_key=f"capture:{payment.id}:{attempt}"
                        )
                    except stripe.APIConnectionError:
                        continue
            """,
            line=8,
            confidence=Confidence.HIGH,
        ),
        Good(
            """
            import stripe
            from tenacity import retry, stop_after_attempt

            @retry(stop=stop_after_attempt(3))
            def charge(order):
                return stripe.PaymentIntent.create(
                    amount=order.amount_minor, currency=order.currency, idempotency_key=f"charge:{order.id}"
                )
            """
        ),
        Good(
            """
            import stripe

            def refund_all(payments):
                for payment in payments:
                    try:
                        stripe.Refund.create(payment_intent=payment.intent_id, idempotency_key=f"refund:{payment.id}")
                    except stripe.InvalidRequestError:
                        log.warning("refund failed", extra={"payment": payment.id})
            """
        ),
        Good(
            """
            from celery import shared_task

            @shared_task(autoretry_for=(ConnectionError,), retry_backoff=True)
            def capture(payment_id):
                payment = Payment.objects.get(pk=payment_id)
                stripe.PaymentIntent.capture(payment.intent_id, idempotency_key=f"capture:{payment.id}")
            """
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        site = psp_call_at(self.ctx, node)
        if site is None or site.use.status == KeyStatus.UNKNOWN:
            return
        retry = retry_around(self.ctx.parents, node, site.index)
        if site.use.status == KeyStatus.MISSING:
            if retry is not None:
                self.report(
                    node,
                    f"{site.label} is retried by {retry.description} without {site.use.wanted}",
                    severity=site.use.severity,
                )
            return
        if site.use.key is None:
            return
        counters = retry.counters if retry is not None else frozenset()
        found = instability(site.use.key, site.scope, site.index, counters)
        if found is None or not found.counter:
            return
        where = f" of {retry.description}" if retry is not None else ""
        via = f" via {found.via}" if found.via else ""
        self.report(
            node if site.via else site.use.key,
            f"idempotency key of {site.label} changes with the retry counter {found.source}{where}{via}",
            severity=site.use.severity,
        )
