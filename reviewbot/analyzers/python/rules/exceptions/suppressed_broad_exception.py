"""RB203 suppressed-broad-exception: `contextlib.suppress(Exception)`, or any suppress around a money movement."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.names import dotted_name, qualified_name
from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.exceptions.handlers import BROAD_NAMES
from reviewbot.analyzers.python.rules.exceptions.money_calls import first_money_call
from reviewbot.core.findings import Severity
from reviewbot.core.rules import Bad, Family, Good

_SUPPRESS = "contextlib.suppress"


class SuppressedBroadException(PythonRule):
    code = "RB203"
    name = "suppressed-broad-exception"
    family = Family.EXCEPTIONS
    severity = Severity.ERROR
    summary = (
        "`contextlib.suppress(Exception)` or `suppress(BaseException)`, or a `suppress(...)` of any "
        "exception around a money-moving call."
    )
    rationale = (
        "`with suppress(Exception):` is `except Exception: pass` in one line, and no ruff rule "
        "flags it (ruff's SIM105 even suggests the rewrite). Around a refund, a capture or a "
        "payout, even a narrow suppress hides the one failure that matters: the block exits "
        "normally, the caller records success, and the money never moved. Narrow suppressions "
        "around clean-up (`suppress(FileNotFoundError)` around deleting a receipt PDF) are fine. "
        "Money-moving calls are recognised by name: a capture/refund/charge/payout/transfer verb, "
        "or create/confirm on a provider-looking receiver (stripe, adyen, braintree, gateway, "
        "`client.v1...`), or a POST to a /payments-style path, plus the configured PSP calls."
    )
    help = (
        "Use try/except with the narrowest exception, and log, record or re-raise the failure; never "
        "suppress errors around a call that moves money."
    )
    options = ("idempotency.psp-calls",)
    references = (
        "https://docs.python.org/3/library/contextlib.html#contextlib.suppress",
        "https://docs.astral.sh/ruff/rules/suppressible-exception/",
    )
    examples = (
        Bad(
            """\
            import contextlib

            def notify_merchant(payment):
                with contextlib.suppress(Exception):
                    webhooks.deliver(payment.merchant_id, "payment.succeeded", payment.id)
            """,
            line=4,
        ),
        Bad(
            """\
            from contextlib import suppress as ignored

            def release_hold(hold):
                with ignored(BaseException):
                    ledger.release(hold.account_id, hold.amount_minor)
            """,
            line=4,
        ),
        Bad(
            """\
            from contextlib import suppress

            import stripe

            def refund_duplicate(charge_id: str, amount_minor: int) -> None:
                with suppress(stripe.error.InvalidRequestError):
                    stripe.Refund.create(charge=charge_id, amount=amount_minor, idempotency_key=f"dup:{charge_id}")
            """,
            line=6,
        ),
        Good(
            """\
            import os
            from contextlib import suppress

            def discard_receipt(path: str) -> None:
                with suppress(FileNotFoundError):
                    os.remove(path)
            """
        ),
        Good(
            """\
            from contextlib import suppress

            def strip_internal_metadata(metadata: dict[str, str]) -> dict[str, str]:
                with suppress(KeyError):
                    del metadata["internal_ref"]
                return metadata
            """
        ),
        Good(
            """\
            import stripe

            def refund_duplicate(charge_id: str, amount_minor: int) -> None:
                try:
                    stripe.Refund.create(charge=charge_id, amount=amount_minor, idempotency_key=f"dup:{charge_id}")
                except stripe.error.InvalidRequestError as err:
                    if err.code != "charge_already_refunded":
                        raise
            """
        ),
    )
    triggers = ("suppress",)

    def visit_Call(self, node: cst.Call) -> None:
        if qualified_name(node.func, self.ctx.imports) != _SUPPRESS:
            return
        broad = _broad_argument(node, self.ctx.imports)
        if broad is not None:
            self.report(node, f"`suppress({broad})` hides every error raised in its block")

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            call = item.item
            if not isinstance(call, cst.Call) or qualified_name(call.func, self.ctx.imports) != _SUPPRESS:
                continue
            if _broad_argument(call, self.ctx.imports) is not None:
                continue  # reported by visit_Call
            money = first_money_call(node.body, self.ctx.imports, self.config)
            if money is not None:
                caught = ", ".join(dotted_name(a.value) or "..." for a in call.args)
                self.report(call, f"`suppress({caught})` around `{money}` hides a failed money movement")


def _broad_argument(call: cst.Call, imports: dict[str, str]) -> str | None:
    for arg in call.args:
        name = qualified_name(arg.value, imports)
        if name is not None and name.removeprefix("builtins.") in BROAD_NAMES:
            return name.removeprefix("builtins.")
    return None
