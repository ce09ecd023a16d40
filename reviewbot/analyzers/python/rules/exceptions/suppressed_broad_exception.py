"""RB203 suppressed-broad-exception: `contextlib.suppress(Exception)`, or any suppress around a money movement."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.names import dotted_name, qualified_name
from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.exceptions.effects import EffectKind, block_effect
from reviewbot.analyzers.python.rules.exceptions.handlers import BROAD_NAMES
from reviewbot.analyzers.python.rules.exceptions.money_calls import first_money_call
from reviewbot.analyzers.python.rules.exceptions.money_values import money_value_in
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good

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
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the suppressed block moves money at a PSP, or (for Exception/BaseException) writes payment state or "
            "calls a function of this module that does, or that raises a payment error",
        ),
        Evidence(
            Confidence.MEDIUM,
            "a broad suppress around code that handles a money value without moving or storing it, or a narrow "
            "suppress around a provider call that names no money resource",
        ),
        Evidence(Confidence.LOW, "a broad suppress around code that touches no money"),
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
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            from contextlib import suppress as ignored

            def release_hold(hold):
                with ignored(BaseException):
                    ledger.release(hold.account_id, hold.amount_minor)
            """,
            line=4,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            import contextlib

            def finish_refund(refund):
                refund.status = "succeeded"
                with contextlib.suppress(Exception):
                    refund.save(update_fields=["status"])
            """,
            line=5,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            import contextlib

            def warm_cache(cache, keys):
                with contextlib.suppress(Exception):
                    cache.delete_many(keys)
            """,
            line=4,
            confidence=Confidence.LOW,
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
            confidence=Confidence.HIGH,
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
            level, why = self._evidence(node)
            self.report(node, f"`suppress({broad})` hides every error raised in its block{why}", confidence=level)

    def _evidence(self, node: cst.Call) -> tuple[Confidence, str]:
        """What the suppressed block does, when `node` is an item of a `with` statement."""
        block: cst.CSTNode | None = None
        for parent in reversed(self.ctx.parents):
            if isinstance(parent, cst.With):
                if any(item.item is node for item in parent.items):
                    block = parent.body
                break
        if block is None:
            return Confidence.LOW, ""
        owner = self.ctx.enclosing(cst.ClassDef)
        effect = block_effect(block, self.ctx, enclosing=owner if isinstance(owner, cst.ClassDef) else None)
        if effect is not None:
            return Confidence.HIGH, f", which {effect.describe()}"
        money = money_value_in(block, self.config)
        if money is not None:
            return Confidence.MEDIUM, f", around money value `{money}`"
        return Confidence.LOW, ""

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
                self.report(
                    call,
                    f"`suppress({caught})` around `{money}` hides a failed money movement",
                    confidence=Confidence.HIGH if self._is_strong(node.body) else Confidence.MEDIUM,
                )

    def _is_strong(self, block: cst.BaseSuite) -> bool:
        effect = block_effect(block, self.ctx)
        return effect is not None and effect.kind is EffectKind.MOVES_MONEY


def _broad_argument(call: cst.Call, imports: dict[str, str]) -> str | None:
    for arg in call.args:
        name = qualified_name(arg.value, imports)
        if name is not None and name.removeprefix("builtins.") in BROAD_NAMES:
            return name.removeprefix("builtins.")
    return None
