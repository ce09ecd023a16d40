"""RB204 jump-in-finally: `return`, `break` or `continue` in a `finally` block, discarding the in-flight error."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.core.findings import Severity
from reviewbot.core.rules import Bad, Family, Good

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
        for jump in _jumps(node.body, in_loop=False):
            self.report(jump, f"`{_KEYWORDS[type(jump)]}` in `finally` discards any exception being raised")


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
