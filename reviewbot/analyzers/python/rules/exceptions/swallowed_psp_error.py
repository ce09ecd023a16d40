"""RB205 swallowed-psp-error: a payment-provider or HTTP error swallowed around a money-moving call."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.exceptions.effects import EffectKind, block_effect
from reviewbot.analyzers.python.rules.exceptions.handlers import (
    BodyKind,
    broad_name,
    caught_names,
    describe_body,
    is_sdk_error,
    judge_body,
    psp_error_name,
)
from reviewbot.analyzers.python.rules.exceptions.money_calls import first_money_call
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good

# Errors a provider answers when it refused the request: the outcome is known (no money moved), unlike a
# timeout or a connection error after which the charge may or may not exist.
REFUSAL_ERRORS = frozenset(
    {"CardError", "InvalidRequestError", "AuthenticationError", "PermissionError", "SignatureVerificationError",
     "IdempotencyError", "AdyenAPIInvalidPermission"}
)


class SwallowedPspError(PythonRule):
    code = "RB205"
    name = "swallowed-psp-error"
    family = Family.EXCEPTIONS
    severity = Severity.ERROR
    summary = (
        "A handler for a payment-provider or HTTP error (stripe.error.*, AdyenError, httpx/requests "
        "errors...) around a money-moving call neither re-raises nor returns or records the failure."
    )
    rationale = (
        "A typed handler looks careful, and ruff's S110/BLE001 ignore it, but `except CardError: "
        "return None` or `except httpx.TimeoutException: pass` around a charge hides the outcome "
        "of a money movement. A timeout is the worst case: the charge may have succeeded at the "
        "provider, the code carries on as if it failed, and the next retry charges again. Around "
        "a money movement a log line is not enough: the handler must re-raise, return something "
        "built from the error (a declined result, an error response) or record the failure "
        "(set a status, enqueue a retry). A body of only pass/`...`/continue/a constant return is "
        "an error; a body that only logs (at any level, with or without traceback, or only "
        "reports to Sentry) is a warning. The same warning applies to a broad `except Exception` "
        "that only logs around a money movement; a silent broad handler is RB202's."
    )
    help = (
        "Re-raise (`raise PaymentFailed(...) from err`), return an explicit declined/error result, or "
        "record the failure on the payment before moving on."
    )
    options = ("idempotency.psp-calls",)
    references = (
        "https://docs.stripe.com/error-handling",
        "https://www.python-httpx.org/exceptions/",
    )
    evidence = (
        Evidence(
            Confidence.HIGH,
            "a PSP SDK or HTTP transport error (`stripe.error.*`, `httpx.TimeoutException`, `requests` errors) or "
            "`Exception` is caught around a call that moves money at a provider (`stripe.Refund.create`, a POST "
            "to /payments): the outcome at the provider is unknown and nothing records it",
        ),
        Evidence(
            Confidence.MEDIUM,
            "the caught class is the project's own payment error (`PaymentException`), which its code often "
            "raises after recording the failure; or a refusal whose outcome is known, nothing moved "
            "(`CardError`, `InvalidRequestError`), so only the decline is hidden; or the provider call names no "
            "money resource (`stripe.ApplePayDomain.create`)",
        ),
    )
    examples = (
        Bad(
            """\
            import stripe

            def charge_order(order):
                try:
                    return stripe.PaymentIntent.create(
                        amount=order.total_minor, currency=order.currency, idempotency_key=f"order:{order.id}"
                    )
                except stripe.error.APIConnectionError:
                    return None
            """,
            line=8,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            import stripe

            def charge_order(order):
                try:
                    return stripe.PaymentIntent.create(
                        amount=order.total_minor, currency=order.currency, idempotency_key=f"order:{order.id}"
                    )
                except stripe.error.CardError:
                    return None
            """,
            line=8,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            import httpx

            async def capture(client: httpx.AsyncClient, payment_id: str, amount_minor: int) -> None:
                try:
                    await client.post(f"/payments/{payment_id}/capture", json={"amount_to_capture": amount_minor})
                except httpx.TimeoutException:
                    pass
            """,
            line=6,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            from stripe.error import StripeError

            def pay_out(connected_accounts):
                for account in connected_accounts:
                    try:
                        stripe.Transfer.create(amount=account.balance_minor, currency="eur", destination=account.id)
                    except StripeError:
                        logger.warning("transfer to %s failed", account.id)
                        continue
            """,
            line=7,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            from shop.payments import PaymentException

            def retry_gift_card(order, provider, payment):
                try:
                    provider.execute_payment(payment)
                except PaymentException:
                    pass
            """,
            line=6,
            confidence=Confidence.MEDIUM,
        ),
        Good(
            """\
            import stripe

            def charge_order(order):
                try:
                    return stripe.PaymentIntent.create(
                        amount=order.total_minor, currency=order.currency, idempotency_key=f"order:{order.id}"
                    )
                except stripe.error.CardError as err:
                    order.mark_declined(err.code)
                    return None
            """
        ),
        Good(
            """\
            import httpx

            async def capture(client: httpx.AsyncClient, payment_id: str, amount_minor: int) -> None:
                try:
                    await client.post(f"/payments/{payment_id}/capture", json={"amount_to_capture": amount_minor})
                except httpx.TimeoutException as err:
                    logger.exception("capture of %s timed out", payment_id)
                    raise CaptureOutcomeUnknown(payment_id) from err
            """
        ),
        Good(
            """\
            from stripe.error import CardError

            def charge_view(request, order):
                try:
                    gateway.charge(order.total_minor, request.POST["payment_method"])
                except CardError as err:
                    return JsonResponse({"error": err.user_message}, status=402)
                return JsonResponse({"status": "paid"})
            """
        ),
        Good(
            """\
            import stripe

            def find_intent(intent_id):
                try:
                    return stripe.PaymentIntent.retrieve(intent_id)
                except stripe.error.InvalidRequestError:
                    return None
            """
        ),
    )
    triggers = ("except",)

    def visit_Try(self, node: cst.Try) -> None:
        self._check(node.body, node.handlers)

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self._check(node.body, node.handlers)

    def _check(
        self, body: cst.BaseSuite, handlers: Sequence[cst.ExceptHandler | cst.ExceptStarHandler]
    ) -> None:
        money: str | None = None
        searched = False
        for handler in handlers:
            names = caught_names(handler, self.ctx.imports)
            broad = broad_name(names)
            caught = broad or psp_error_name(names)
            if caught is None:
                continue
            kind = judge_body(handler.body)
            if kind is BodyKind.HANDLED or (broad is not None and kind is BodyKind.SILENT):
                continue
            if not searched:
                money, searched = first_money_call(body, self.ctx.imports, self.config), True
            if money is None or handler.type is None:
                return
            level, why = self._evidence(body, caught, broad is not None)
            if kind is BodyKind.SILENT:
                self.report(
                    handler.type,
                    f"`except {caught}` around `{money}` swallows the failure: the handler only does "
                    f"`{describe_body(handler.body, self.ctx.module)}`{why}",
                    confidence=level,
                )
            else:
                self.report(
                    handler.type,
                    f"`except {caught}` around `{money}` only logs: the failure is neither re-raised nor recorded{why}",
                    severity=Severity.WARNING,
                    confidence=level,
                )

    def _evidence(self, body: cst.BaseSuite, caught: str, broad: bool) -> tuple[Confidence, str]:
        if not broad and not is_sdk_error(caught):
            return Confidence.MEDIUM, f" (`{caught}` is the project's own error: its raiser may have recorded the failure)"
        if not broad and caught.rsplit(".", 1)[-1] in REFUSAL_ERRORS:
            return Confidence.MEDIUM, " (the provider refused the request, so no money moved)"
        effect = block_effect(body, self.ctx)
        if effect is None or effect.kind is not EffectKind.MOVES_MONEY:
            return Confidence.MEDIUM, " (the provider call names no money resource)"
        return Confidence.HIGH, ""
