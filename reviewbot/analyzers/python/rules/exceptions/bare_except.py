"""RB201 bare-except: an `except:` clause that catches everything, interpreter exits included."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.exceptions.effects import block_effect
from reviewbot.analyzers.python.rules.exceptions.handlers import has_raise, sibling_psp_handler
from reviewbot.analyzers.python.rules.exceptions.money_values import (
    money_fallback,
    money_value_in,
    stored_after,
)
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good


class BareExcept(PythonRule):
    code = "RB201"
    name = "bare-except"
    family = Family.EXCEPTIONS
    severity = Severity.ERROR
    summary = "A bare `except:` clause catches every exception, including KeyboardInterrupt and SystemExit."
    rationale = (
        "`except:` catches BaseException: a worker being shut down mid-capture, a Ctrl-C, a "
        "`sys.exit()` from a signal handler and every programming error all land in the same "
        "branch. Around a charge or a ledger write that branch usually marks the payment failed "
        "or retries it, so a deploy that stops a worker can charge a customer twice or leave a "
        "captured payment recorded as failed. Outside money the bare clause is a style issue (ruff's E722 "
        "reports it too), so its confidence follows what the try block does: a PSP call or a payment write "
        "there is high, a money value medium, anything else, or a handler that raises again, low."
    )
    help = (
        "Catch the exceptions you expect (`stripe.error.CardError`, `httpx.TimeoutException`); "
        "if you really mean everything, write `except BaseException:` and re-raise."
    )
    references = (
        "https://docs.python.org/3/library/exceptions.html#exception-hierarchy",
        "https://docs.astral.sh/ruff/rules/bare-except/",
    )
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the handler carries on (no raise) around a money movement: a PSP call, a write of payment state "
            "(also one or two calls deep in this module), another handler of the same try catching a PSP or "
            "payment error, or a made-up amount (`amount = Decimal('0')`) that is stored afterwards",
        ),
        Evidence(
            Confidence.MEDIUM,
            "the handler carries on around code that computes or returns a money value, or makes one up, "
            "without the rule seeing it stored or sent",
        ),
        Evidence(
            Confidence.LOW,
            "nothing ties the block to money (thumbnails, mail, parsing), or the handler raises again: the style "
            "issue ruff's E722 also reports",
        ),
    )
    examples = (
        Bad(
            """\
            def capture(payment):
                try:
                    stripe.PaymentIntent.capture(payment.intent_id, idempotency_key=f"capture:{payment.id}")
                except:
                    payment.status = "capture_failed"
                payment.save()
            """,
            line=4,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            def import_statement_line(row, batch):
                try:
                    amount = Decimal(row["amount"])
                except:
                    logger.exception("unparseable amount %r", row["amount"])
                    amount = Decimal("0.00")
                BankTransaction.objects.create(batch=batch, reference=row["reference"], amount=amount)
            """,
            line=4,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            def parse_amount_minor(raw):
                try:
                    return int(raw)
                except:
                    return 0
            """,
            line=4,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            def post_ledger_entry(session, entry):
                try:
                    session.add(entry)
                    session.commit()
                except:
                    session.rollback()
                    raise
            """,
            line=5,
            confidence=Confidence.LOW,
        ),
        Good(
            """\
            def parse_amount_minor(raw: str) -> int | None:
                try:
                    return int(raw)
                except ValueError:
                    return None
            """
        ),
        Good(
            """\
            def post_ledger_entry(session, entry):
                try:
                    session.add(entry)
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
            """
        ),
        Good(
            """\
            def refund(charge_id, amount_minor):
                try:
                    return stripe.Refund.create(charge=charge_id, amount=amount_minor)
                except stripe.error.StripeError:
                    logger.exception("refund of %s failed", charge_id)
                    raise
            """
        ),
    )
    triggers = ("except",)

    def visit_Try(self, node: cst.Try) -> None:
        for handler in node.handlers:
            if handler.type is None:
                self._check(node, handler)

    def _check(self, node: cst.Try, handler: cst.ExceptHandler) -> None:
        what = "bare `except:` catches every error, KeyboardInterrupt and SystemExit included"
        if has_raise(handler.body):
            severity = Severity.WARNING if _ends_in_bare_raise(handler.body) else None
            self.report(handler, f"{what}, then raises again", severity=severity, confidence=Confidence.LOW)
            return
        level, why = self._evidence(node, handler)
        self.report(handler, f"{what}, and carries on{why}", confidence=level)

    def _evidence(self, node: cst.Try, handler: cst.ExceptHandler) -> tuple[Confidence, str]:
        function = self.ctx.enclosing_function()
        owner = self.ctx.enclosing(cst.ClassDef)
        effect = block_effect(node.body, self.ctx, enclosing=owner if isinstance(owner, cst.ClassDef) else None)
        if effect is not None:
            return Confidence.HIGH, f": the try body {effect.describe()}"
        sibling = sibling_psp_handler(node.handlers, self.ctx.imports)
        if sibling is not None:
            return Confidence.HIGH, f": the same try also catches `{sibling}`, so its body moves money"
        fallback = money_fallback(handler.body, self.config, function)
        if fallback is not None:
            scope: cst.CSTNode = function if function is not None else self.ctx.module
            stored = stored_after(fallback, node, scope, self.ctx) if not fallback.endswith("()") else None
            if stored is not None:
                return Confidence.HIGH, f": the made-up `{fallback}` is then stored by `{stored}`"
            return Confidence.MEDIUM, f": the failure becomes a made-up `{fallback}`"
        money = money_value_in(node.body, self.config, function)
        if money is not None:
            return Confidence.MEDIUM, f" around money value `{money}`"
        return Confidence.LOW, ""


def _ends_in_bare_raise(body: cst.BaseSuite) -> bool:
    last: cst.CSTNode | None = body.body[-1] if body.body else None
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1] if last.body else None
    return isinstance(last, cst.Raise) and last.exc is None
