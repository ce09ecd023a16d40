"""RB513 check-then-insert-without-lock: refunds (captures...) are summed, checked, then inserted without a lock."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.analyzers.typescript.db import db_write
from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.rules.concurrency._rows import function_has_lock
from reviewbot.analyzers.typescript.syntax import (
    FUNCTION_TYPES,
    call_chain,
    declared_names,
    function_name,
    identifiers_in,
    unwrap,
)
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

# Records whose sum is bounded by the payment they belong to.
_RECORDS = re.compile(r"(refund|capture|payout|transfer|charge|allocation|credit|withdrawal|disbursement)s?\b", re.IGNORECASE)
_AGGREGATE_CALL = re.compile(r"\b(sum|_sum|aggregate|count)\s*\(", re.IGNORECASE)


class CheckThenInsertWithoutLock(TypeScriptRule):
    code = "RB513"
    name = "check-then-insert-without-lock"
    family = Family.CONCURRENCY
    severity = Severity.ERROR
    summary = (
        "The refunds (captures, payouts...) already recorded are summed and checked against a limit, then a "
        "new one is inserted, without locking the payment."
    )
    rationale = (
        "Two refund requests for a 100.00 capture both sum the existing refunds (0), both pass the "
        "\"refunded + amount <= captured\" check and both insert 80.00: 160.00 refunded on a 100.00 payment. "
        "A transaction does not prevent it at READ COMMITTED; only a lock on the parent row (or a constraint "
        "the database enforces) serialises the check and the insert."
    )
    help = (
        "Lock the payment row before summing (`SELECT ... FOR UPDATE`, Drizzle `.for(\"update\")`, MikroORM "
        "`lockMode: LockMode.PESSIMISTIC_WRITE`), or keep a running refunded amount updated atomically with a "
        "guard (`UPDATE payments SET refunded = refunded + $1 WHERE id = $2 AND refunded + $1 <= captured`)."
    )
    references = (
        "https://www.postgresql.org/docs/16/explicit-locking.html#LOCKING-ROWS",
        "https://mikro-orm.io/docs/transactions#locking-support",
    )
    triggers = ("reduce(", "sum(", "aggregate(")
    requires = (
        ("create(", "insert(", "INSERT", "persist(", "save("),
        ("refund", "Refund", "capture", "Capture", "payout", "Payout", "transfer", "Transfer", "allocation", "withdrawal"),
    )
    evidence = (
        Evidence(
            Confidence.HIGH,
            "in one function: the existing records summed, the sum compared in a branch that throws or returns, "
            "then a record of the same kind created, and no lock",
        ),
    )
    examples = (
        bad(
            """\
            export class RefundService {
              async refund(payment: Payment, amount: number) {
                const refunded = payment.refunds.reduce((sum, r) => sum + r.amount, 0);
                if (refunded + amount > payment.capturedAmount) {
                  throw new Error("cannot refund more than captured");
                }
                return this.refundRepository.create({ paymentId: payment.id, amount });
              }
            }
            """,
            line=2,
            confidence=Confidence.HIGH,
        ),
        good(
            """\
            export class RefundService {
              async refund(tx: Transaction, paymentId: string, amount: number) {
                const [payment] = await tx.select().from(payments).where(eq(payments.id, paymentId)).for("update");
                const rows = await tx.select().from(refunds).where(eq(refunds.paymentId, paymentId));
                const refunded = rows.reduce((sum, r) => sum + r.amount, 0);
                if (refunded + amount > payment.capturedAmount) throw new Error("cannot refund more than captured");
                await tx.insert(refunds).values({ paymentId, amount });
              }
            }
            """
        ),
    )

    def visit_method_definition(self, node: Node) -> None:
        self._check(node)

    def visit_function_declaration(self, node: Node) -> None:
        self._check(node)

    def visit_arrow_function(self, node: Node) -> None:
        if node.parent is not None and node.parent.type == "variable_declarator":
            self._check(node)

    def _check(self, fn: Node) -> None:
        text = fn.text or b""
        if b"reduce(" not in text and b"sum(" not in text and b"aggregate(" not in text:
            return
        sums = self._aggregates(fn)
        if not sums:
            return
        derived = self._derived(fn, set(sums))
        check = self._limit_check(fn, derived)
        if check is None:
            return
        found = self._insert_after(fn, check, set(sums.values()))
        if found is None or function_has_lock(self.ctx, fn):
            return
        insert, kind = found
        name = fn.child_by_field_name("name") or fn
        self.report(
            name,
            f"`{function_name(fn) or 'this function'}` checks the {kind}s already recorded (line "
            f"{check.start_point.row + 1}) and inserts a {kind} (line {insert.start_point.row + 1}) without "
            "locking the payment",
        )

    def _aggregates(self, fn: Node) -> dict[str, str]:
        """Variables holding a sum over existing records -> the record kind (refund, capture...)."""
        out: dict[str, str] = {}
        for declarator in self.ctx.descendants(fn, "variable_declarator"):
            if _owner(declarator) != fn.id:
                continue
            value = unwrap(declarator.child_by_field_name("value"))
            if value is None or value.type != "call_expression":
                continue
            text = node_text(value)
            parts = call_chain(value)
            kind: str | None = None
            if parts and parts[-1] == "reduce" and len(parts) >= 2:
                match = _RECORDS.search(parts[-2])
                kind = match.group(1).lower() if match else None
            elif _AGGREGATE_CALL.search(text):
                match = _RECORDS.search(text)
                kind = match.group(1).lower() if match else None
            if kind is None:
                continue
            for name in declared_names(declarator.child_by_field_name("name")):
                out[name] = kind
        return out

    def _derived(self, fn: Node, names: set[str]) -> set[str]:
        """The sums and every variable computed from them in the function."""
        declarators = [d for d in self.ctx.descendants(fn, "variable_declarator") if _owner(d) == fn.id]
        changed = True
        while changed:
            changed = False
            for declarator in declarators:
                value = declarator.child_by_field_name("value")
                if value is None or not identifiers_in(self.ctx, value) & names:
                    continue
                for name in declared_names(declarator.child_by_field_name("name")):
                    if name not in names:
                        names.add(name)
                        changed = True
        return names

    def _limit_check(self, fn: Node, derived: set[str]) -> Node | None:
        for branch in self.ctx.descendants(fn, "if_statement"):
            condition = branch.child_by_field_name("condition")
            body = branch.child_by_field_name("consequence")
            if condition is None or body is None or not identifiers_in(self.ctx, condition) & derived:
                continue
            if self.ctx.descendants(body, "throw_statement", "return_statement"):
                return branch
        return None

    def _insert_after(self, fn: Node, check: Node, kinds: set[str]) -> tuple[Node, str] | None:
        for call in self.ctx.descendants(fn, "call_expression"):
            if call.start_byte < check.end_byte:
                continue
            write = db_write(call)
            if write is None or write.kind != "insert":
                continue
            for kind in sorted(kinds):
                if kind in write.target.lower():
                    return call, kind
        return None


def _owner(node: Node) -> int | None:
    parent = node.parent
    while parent is not None:
        if parent.type in FUNCTION_TYPES:
            return parent.id
        parent = parent.parent
    return None
