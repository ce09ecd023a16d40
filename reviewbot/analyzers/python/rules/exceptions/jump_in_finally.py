"""RB204 jump-in-finally: `return`, `break` or `continue` in a `finally` block, discarding the in-flight error."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.exceptions.effects import block_effect
from reviewbot.analyzers.python.rules.exceptions.money_values import money_value_in
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good

_KEYWORDS: dict[type[cst.CSTNode], str] = {cst.Return: "return", cst.Break: "break", cst.Continue: "continue"}


class JumpInFinally(PythonRule):
    code = "RB204"
    name = "jump-in-finally"
    family = Family.EXCEPTIONS
    severity = Severity.ERROR
    summary = "A `return`, `break` or `continue` directly inside a `finally` block."
    rationale = (
        "Leaving a `finally` block with `return`, `break` or `continue` silently discards any "
        "exception that was propagating: a failed capture or a ledger constraint violation "
        "vanishes and the function returns as if it succeeded. Python 3.14 makes this a "
        "SyntaxWarning (PEP 765). A `break`/`continue` that belongs to a loop written inside the "
        "`finally`, and anything inside a function defined there, are fine."
    )
    help = "Move the `return` after the try statement, or into the `try`/`else` block; keep `finally` for clean-up."
    references = (
        "https://peps.python.org/pep-0765/",
        "https://docs.astral.sh/ruff/rules/jump-statement-in-finally/",
    )
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the guarded block moves money or writes payment state (a PSP call, `ledger.post(...)`, "
            "`payment.save()`; also one or two calls deep in this module)",
        ),
        Evidence(Confidence.MEDIUM, "the guarded block computes a money value without moving or storing it"),
        Evidence(Confidence.LOW, "nothing in the guarded block touches money (a template render, a file)"),
    )
    examples = (
        Bad(
            """\
            def capture(payment):
                try:
                    result = gateway.capture(payment.intent_id, payment.amount_minor)
                    payment.mark_captured(result.id)
                finally:
                    payment.save()
                    return payment.status
            """,
            line=7,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            def drain_payout_queue(queue):
                while True:
                    job = queue.pop()
                    try:
                        stripe.Payout.create(amount=job.amount_minor, currency=job.currency)
                    finally:
                        queue.ack(job)
                        continue
            """,
            line=8,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            def settle(batch):
                for entry in batch:
                    try:
                        ledger.post(entry)
                    finally:
                        if entry.is_last:
                            break
            """,
            line=7,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            def quote_total(cart):
                try:
                    total = cart.subtotal + shipping_for(cart)
                finally:
                    return total
            """,
            line=5,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            def render_receipt(template, context):
                try:
                    html = template.render(context)
                finally:
                    return html
            """,
            line=5,
            confidence=Confidence.LOW,
        ),
        Good(
            """\
            def capture(payment):
                try:
                    result = gateway.capture(payment.intent_id, payment.amount_minor)
                    payment.mark_captured(result.id)
                finally:
                    payment.save()
                return payment.status
            """
        ),
        Good(
            """\
            def release_locks(locks):
                try:
                    ledger.flush()
                finally:
                    for lock in locks:
                        if lock.released:
                            continue
                        lock.release()
            """
        ),
        Good(
            """\
            def run_settlement(batch):
                try:
                    ledger.post_all(batch)
                finally:
                    def report() -> int:
                        return len(batch)

                    metrics.gauge("settlement.batch", report())
            """
        ),
    )
    triggers = ("finally",)

    def visit_Finally(self, node: cst.Finally) -> None:
        jumps = list(_jumps(node.body, in_loop=False))
        if not jumps:
            return
        level, why = self._evidence()
        for jump in jumps:
            self.report(
                jump, f"`{_KEYWORDS[type(jump)]}` in `finally` discards any exception being raised{why}", confidence=level
            )

    def _evidence(self) -> tuple[Confidence, str]:
        guarded = self.ctx.parent
        if not isinstance(guarded, cst.Try | cst.TryStar):
            return Confidence.LOW, ""
        blocks: list[cst.CSTNode] = [guarded.body, *guarded.handlers]
        if guarded.orelse is not None:
            blocks.append(guarded.orelse)
        owner = self.ctx.enclosing(cst.ClassDef)
        for block in blocks:
            effect = block_effect(block, self.ctx, enclosing=owner if isinstance(owner, cst.ClassDef) else None)
            if effect is not None:
                return Confidence.HIGH, f", from a block that {effect.describe()}"
        for block in blocks:
            money = money_value_in(block, self.config, self.ctx.enclosing_function())
            if money is not None:
                return Confidence.MEDIUM, f", around money value `{money}`"
        return Confidence.LOW, ""


def _jumps(node: cst.CSTNode, *, in_loop: bool) -> Iterator[cst.Return | cst.Break | cst.Continue]:
    """Jumps that leave the finally block: returns anywhere, break/continue outside inner loops."""
    if isinstance(node, cst.Return):
        yield node
        return
    if isinstance(node, cst.Break | cst.Continue):
        if not in_loop:
            yield node
        return
    if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda | cst.BaseExpression):
        return
    if isinstance(node, cst.For | cst.While):
        yield from _jumps(node.body, in_loop=True)
        if node.orelse is not None:
            yield from _jumps(node.orelse, in_loop=in_loop)
        return
    if isinstance(node, cst.Try | cst.TryStar) and node.finalbody is not None:
        # A nested finally is judged on its own visit; still look at its try body and handlers.
        children: Sequence[cst.CSTNode] = (node.body, *node.handlers, *([node.orelse] if node.orelse else []))
    else:
        children = node.children
    for child in children:
        yield from _jumps(child, in_loop=in_loop)
