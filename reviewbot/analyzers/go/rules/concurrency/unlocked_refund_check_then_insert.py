"""RB515 unlocked-refund-check-then-insert: refunds are summed, compared and a new one inserted, with no lock."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.go.db import db_write, locks, sql_text
from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.go.stripe import money_call
from reviewbot.analyzers.go.syntax import arguments, call_chain, callee_name
from reviewbot.analyzers.treesitter.nodes import node_text, one_line
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

# SQL that reads what has been refunded so far.
_REFUNDED_SQL = re.compile(r"\bSELECT\b.*\b(SUM|COUNT)\s*\(.*\bFROM\b.*refund|\bSELECT\b.*\b\w*refunded\w*\b.*\bFROM\b", re.I | re.S)
# Calls that read it by name: `repo.SumRefunds`, `TotalRefunded`, `GetRefundedAmount`, `ListRefundsByPayment`.
_REFUNDED_CALL = re.compile(r"^(Sum|Total|Get|List|Find|Count|Fetch|Calculate|Compute)\w*Refund\w*$|^\w*Refunded\w*$|^\w*Refundable\w*$")
_REFUND_INSERT_CALL = re.compile(r"^(Create|Insert|Save|Add|Record)\w*Refund\w*$")


class UnlockedRefundCheckThenInsert(GoRule):
    code = "RB515"
    name = "unlocked-refund-check-then-insert"
    family = Family.CONCURRENCY
    severity = Severity.ERROR
    summary = (
        "A Go function reads how much of a payment is already refunded, checks the new refund fits, and inserts "
        "it (or sends it to the PSP), without locking the payment."
    )
    rationale = (
        "Two refund requests for the same payment both read `refunded = 0`, both pass `refunded + amount <= "
        "captured`, and both insert: the customer gets back more than they paid. The check is only true while "
        "nobody else inserts, which needs the payment row locked (or a constraint) for the length of the check."
    )
    help = (
        "Lock the payment first, in the same transaction: `SELECT … FROM payments WHERE id = $1 FOR UPDATE` (GORM "
        "`Clauses(clause.Locking{Strength: \"UPDATE\"})`, ent `.ForUpdate()`), then sum, check and insert; or keep "
        "a refunded amount on the payment and raise it with `UPDATE … SET refunded = refunded + $1 WHERE id = $2 "
        "AND refunded + $1 <= captured`."
    )
    references = (
        "https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-ROWS",
        "https://docs.stripe.com/refunds",
    )
    triggers = ("efund",)
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the refunded total is read by SQL (SUM/COUNT over refunds, or a refunded column) and the refund is "
            "inserted by SQL or an ORM, or created at Stripe",
        ),
        Evidence(Confidence.MEDIUM, "the read or the insert is seen only through a repository method's name"),
    )
    examples = (
        bad(
            """\
            package refunds

            func (s *Store) Refund(ctx context.Context, paymentID string, amountMinor int64) error {
                var refunded, captured int64
                err := s.db.QueryRowContext(ctx,
                    `SELECT COALESCE(SUM(r.amount_minor), 0), p.captured_minor FROM payments p
                     LEFT JOIN refunds r ON r.payment_id = p.id WHERE p.id = $1 GROUP BY p.captured_minor`,
                    paymentID).Scan(&refunded, &captured)
                if err != nil {
                    return err
                }
                if refunded+amountMinor > captured {
                    return ErrRefundExceedsCapture
                }
                _, err = s.db.ExecContext(ctx, `INSERT INTO refunds (payment_id, amount_minor) VALUES ($1, $2)`,
                    paymentID, amountMinor)
                return err
            }
            """,
            line=5,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            package refunds

            func (s *Service) Refund(ctx context.Context, p Payment, amount decimal.Decimal) error {
                refunded, err := s.repo.SumRefundsForPayment(ctx, p.ID)
                if err != nil {
                    return err
                }
                if refunded.Add(amount).GreaterThan(p.Amount) {
                    return ErrRefundExceedsPayment
                }
                return s.repo.CreateRefund(ctx, Refund{PaymentID: p.ID, Amount: amount})
            }
            """,
            line=4,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            package refunds

            func (s *Store) Refund(ctx context.Context, tx *sql.Tx, paymentID string, amountMinor int64) error {
                var refunded, captured int64
                if err := tx.QueryRowContext(ctx,
                    `SELECT refunded_minor, captured_minor FROM payments WHERE id = $1 FOR UPDATE`, paymentID,
                ).Scan(&refunded, &captured); err != nil {
                    return err
                }
                if refunded+amountMinor > captured {
                    return ErrRefundExceedsCapture
                }
                _, err := tx.ExecContext(ctx, `INSERT INTO refunds (payment_id, amount_minor) VALUES ($1, $2)`,
                    paymentID, amountMinor)
                return err
            }
            """
        ),
    )

    def visit_function_declaration(self, node: Node) -> None:
        self._check(node)

    def visit_method_declaration(self, node: Node) -> None:
        self._check(node)

    def _check(self, function: Node) -> None:
        text = node_text(function)
        if "efund" not in text or locks(text):
            return
        calls = self.ctx.descendants(function, "call_expression")
        check: tuple[Node, bool] | None = None
        for call in calls:
            if check is None:
                check = self._refunded_read(call)
                continue
            insert = self._refund_insert(call)
            if insert is None or not self._compares_between(function, check[0], call):
                continue
            seen_by_sql, insert_seen = check[1], insert[1]
            self.report(
                check[0],
                f"the refunded amount read by `{one_line(node_text(check[0].child_by_field_name('function') or check[0]), 40)}` "
                f"is checked and a refund is added by `{insert[0]}` on line {call.start_point.row + 1}, with the "
                "payment unlocked",
                confidence=Confidence.HIGH if seen_by_sql and insert_seen else Confidence.MEDIUM,
            )
            return

    def _refunded_read(self, call: Node) -> tuple[Node, bool] | None:
        """(the read, whether its SQL was seen) when `call` reads what is already refunded."""
        if callee_name(call).startswith(("Query", "Get", "Select")):
            for arg in arguments(call)[:2]:
                sql = sql_text(self.ctx, arg)
                if sql is not None and _REFUNDED_SQL.search(sql) and not locks(sql):
                    return call, True
        if _REFUNDED_CALL.match(callee_name(call)):
            return call, False
        return None

    def _refund_insert(self, call: Node) -> tuple[str, bool] | None:
        """(how to name it, whether it was seen as SQL, an ORM write or a Stripe call) when `call` adds a refund."""
        stripe = money_call(self.ctx, call)
        if stripe is not None and "Refund" in stripe.movement.label:
            return stripe.label, True
        write = db_write(self.ctx, call)
        if write is not None and write.verb == "insert" and "refund" in write.table:
            return write.label, True
        if _REFUND_INSERT_CALL.match(callee_name(call)):
            return ".".join(call_chain(call)), False
        return None

    def _compares_between(self, function: Node, read: Node, insert: Node) -> bool:
        """An `if` between the read and the insert compares amounts (`>`, `<`, GreaterThan...) and bails out."""
        for statement in self.ctx.descendants(function, "if_statement"):
            if not (read.end_byte <= statement.start_byte and statement.end_byte <= insert.start_byte):
                continue
            condition = node_text(statement.child_by_field_name("condition") or statement)
            if re.search(r"[<>]=?|GreaterThan|LessThan|Cmp\(", condition) and "return" in node_text(
                statement.child_by_field_name("consequence") or statement
            ):
                return True
        return False
