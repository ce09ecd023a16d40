"""RB514 unlocked-amount-read-modify-write: a balance or paid amount is read, changed in Go and written back unlocked."""

from __future__ import annotations

import re
from dataclasses import dataclass

import tree_sitter

from reviewbot.analyzers.go.db import db_write, locks, set_expressions, sql_text
from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.go.rules.money._values import is_money
from reviewbot.analyzers.go.syntax import (
    arguments,
    assignments_in,
    call_chain,
    callee_name,
    outermost_function,
    root_name,
    selector_chain,
    unaddress,
    unparen,
)
from reviewbot.analyzers.treesitter.nodes import node_text, one_line
from reviewbot.analyzers.treesitter.rule import FileContext
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

# Reads of one record by a repository or an ORM (`repo.Get`, `db.First`, `client.Invoice.Get`).
_READ = re.compile(r"^(Get|Find|First|Take|Last|Load|Fetch|Retrieve|Read|Lookup|Query)\w*$")
_ARITHMETIC = re.compile(r"\.(Add|Sub|Plus|Minus)\(|[-+]")
# Writes that persist a whole record (`repo.Update(ctx, inv)`, `db.Save(&acct)`, `client.X.UpdateOne(x)`).
_WRITE = re.compile(r"^(Update|Save|Upsert|Put|Store|Persist|UpdateOne)\w*$")
# What follows a field's own value on the right of `x.F = x.F …` when it is changed from itself.
_SELF_ARITHMETIC = re.compile(r"\s*([-+]|\.(Add|Sub|Plus|Minus)\()")
# Optimistic locking, in the lower-cased text: a version or revision column, ETag, OptimisticLock.
_OPTIMISTIC = re.compile(r"\bversion\b|optimistic|\brevision\b|etag")


@dataclass(frozen=True, slots=True)
class _Change:
    statement: Node
    field: str  # "AmountPaid"


class UnlockedAmountReadModifyWrite(GoRule):
    code = "RB514"
    name = "unlocked-amount-read-modify-write"
    family = Family.CONCURRENCY
    severity = Severity.ERROR
    summary = (
        "A Go function reads a record, adds to or subtracts from a balance or paid/refunded amount in Go, and "
        "writes the record back, with no row lock and no atomic update."
    )
    rationale = (
        "Two webhooks for the same invoice (a payment and a refund, or Stripe's redelivery) both read "
        "amount_paid = 0, both add their amount, and the last write wins: one payment vanishes from the "
        "invoice and the customer is dunned for money they paid. A wallet debited this way can go negative "
        "under concurrent spends."
    )
    help = (
        "Let the database do the arithmetic (`UPDATE invoices SET amount_paid = amount_paid + $1 WHERE id = $2`), "
        "or read the row with a lock inside the transaction: SQL `SELECT … FOR UPDATE`, GORM "
        "`Clauses(clause.Locking{Strength: \"UPDATE\"})`, ent `.ForUpdate()`; or check a version column on update."
    )
    references = (
        "https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-ROWS",
        "https://gorm.io/docs/advanced_query.html#Locking",
        "https://entgo.io/docs/feature-flags/#row-level-locking",
    )
    triggers = ("Add(", "Sub(", "+=", "-=", " + ", "ELECT", "elect")
    evidence = (
        Evidence(
            Confidence.HIGH,
            "a record read without a lock has a money field (balance, amount paid, refunded...) changed from its "
            "own value and is written back in the same function, or a SELECTed amount is written back by "
            "`UPDATE … SET amount = $1`",
        ),
    )
    examples = (
        bad(
            """\
            package invoices

            func (s *Service) ReconcilePayment(ctx context.Context, id string, amount decimal.Decimal) error {
                inv, err := s.repo.Get(ctx, id)
                if err != nil {
                    return err
                }
                inv.AmountPaid = inv.AmountPaid.Add(amount)
                inv.AmountRemaining = inv.AmountDue.Sub(inv.AmountPaid)
                return s.repo.Update(ctx, inv)
            }
            """,
            line=4,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            package wallets

            func (s *Store) Debit(ctx context.Context, walletID string, amountMinor int64) error {
                var balance int64
                if err := s.db.QueryRowContext(ctx, `SELECT balance_minor FROM wallets WHERE id = $1`, walletID).Scan(&balance); err != nil {
                    return err
                }
                if balance < amountMinor {
                    return ErrInsufficientFunds
                }
                _, err := s.db.ExecContext(ctx, `UPDATE wallets SET balance_minor = $1 WHERE id = $2`, balance-amountMinor, walletID)
                return err
            }
            """,
            line=5,
            confidence=Confidence.HIGH,
        ),
        good(
            """\
            package wallets

            func (s *Store) Debit(ctx context.Context, walletID string, amountMinor int64) error {
                res, err := s.db.ExecContext(ctx,
                    `UPDATE wallets SET balance_minor = balance_minor - $1 WHERE id = $2 AND balance_minor >= $1`,
                    amountMinor, walletID)
                if err != nil {
                    return err
                }
                if n, _ := res.RowsAffected(); n == 0 {
                    return ErrInsufficientFunds
                }
                return nil
            }

            func (s *Service) ApplyDiscount(ctx context.Context, id string, discount decimal.Decimal) error {
                return s.db.WithTx(ctx, func(ctx context.Context) error {
                    inv, err := s.repo.GetForUpdate(ctx, id)
                    if err != nil {
                        return err
                    }
                    inv.AmountDue = inv.AmountDue.Sub(discount)
                    return s.repo.Update(ctx, inv)
                })
            }
            """
        ),
    )

    call_names = frozenset({"Scan"})

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self._functions: dict[int, tuple[Node, bool, bool]] = {}  # id -> (function, record change, SQL read)

    def visit_assignment_statement(self, node: Node) -> None:
        """A money field changed from its own value marks its function for `finish`."""
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        operator = node.child_by_field_name("operator")
        if left is None or right is None or len(left.named_children) != 1:
            return
        target = left.named_children[0]
        if target.type != "selector_expression":
            return
        op = node_text(operator) if operator is not None else "="
        text = node_text(target)
        if (op not in ("+=", "-=") and not _SELF_ARITHMETIC.match(node_text(right).removeprefix(text))) or (
            op == "=" and not node_text(right).startswith(text)
        ):
            return
        self._mark(node, record=True)

    def visit_call_expression(self, node: Node) -> None:
        """`QueryRow(...).Scan(&balance)` marks its function for `finish`."""
        self._mark(node, record=False)

    def _mark(self, node: Node, record: bool) -> None:
        function = outermost_function(node)
        if function is None:
            return
        _, has_record, has_sql = self._functions.get(function.id, (function, False, False))
        self._functions[function.id] = (function, has_record or record, has_sql or not record)

    def finish(self) -> None:
        for function, record, sql in self._functions.values():
            text = node_text(function)
            lowered = text.lower()  # then case-sensitive searches: a case-insensitive one reads 15 MB/s
            if locks(text) or _OPTIMISTIC.search(lowered):
                continue
            if record:
                self._records(function)
            if sql and "update" in lowered and re.search(r"\bupdate\b", lowered):
                self._sql(function)

    def _reads(self, function: Node) -> list[tuple[str, Node, Node]]:
        """(record name, read call, statement): `x, err := repo.Get(...)` and GORM's `db.First(&x, id)`."""
        found: list[tuple[str, Node, Node]] = []
        for assignment in assignments_in(self.ctx, function):
            value = unparen(assignment.value)
            if value is None or value.type != "call_expression" or assignment.index != 0:
                continue
            if assignment.target.type == "identifier" and _READ.match(callee_name(value)):
                found.append((assignment.name, value, assignment.statement))
        for call in self.ctx.descendants(function, "call_expression"):
            args = arguments(call)
            if callee_name(call) in ("First", "Take", "Last", "Find") and args:
                inner = unaddress(args[0])
                if inner is not None and inner.type == "identifier" and node_text(args[0]).startswith("&"):
                    found.append((node_text(inner), call, call))
        return sorted(found, key=lambda item: item[1].start_byte)

    def _records(self, function: Node) -> None:
        """`x, err := repo.Get(...)`; `x.Amount = x.Amount.Add(...)`; `repo.Update(ctx, x)`."""
        for name, value, statement in self._reads(function):
            change = self._money_change(function, name, after=statement)
            if change is None:
                continue
            write = self._written_back(function, name, after=change.statement)
            if write is None:
                continue
            self.report(
                value,
                f"`{name}` is read by `{one_line(node_text(value.child_by_field_name('function') or value), 40)}` "
                f"without a lock, `{name}.{change.field}` is changed in Go on line {change.statement.start_point.row + 1} "
                f"and written back by `{one_line(node_text(write.child_by_field_name('function') or write), 40)}` "
                f"on line {write.start_point.row + 1}",
            )
            return

    def _money_change(self, function: Node, name: str, after: Node) -> _Change | None:
        for statement in self.ctx.descendants(function, "assignment_statement"):
            if statement.start_byte < after.end_byte:
                continue
            left = statement.child_by_field_name("left")
            right = statement.child_by_field_name("right")
            operator = statement.child_by_field_name("operator")
            if left is None or right is None or len(left.named_children) != 1:
                continue
            target = left.named_children[0]
            chain = selector_chain(target) if target.type == "selector_expression" else ()
            if len(chain) != 2 or chain[0] != name or not is_money(self.ctx, chain[1]):
                continue
            op = node_text(operator) if operator is not None else "="
            self_referencing = node_text(target) in node_text(right) and _ARITHMETIC.search(node_text(right))
            if op in ("+=", "-=") or self_referencing:
                return _Change(statement, chain[1])
        return None

    def _written_back(self, function: Node, name: str, after: Node) -> Node | None:
        for call in self.ctx.descendants(function, "call_expression"):
            if call.start_byte < after.end_byte:
                continue
            method = callee_name(call)
            if not _WRITE.match(method):
                continue
            if any(root_name(arg) == name and (unaddress(arg) is not None) for arg in arguments(call)):
                return call
            write = db_write(self.ctx, call)
            if write is not None and any(root_name(v) == name for v in write.set_values.values()):
                return call
        return None

    def _sql(self, function: Node) -> None:
        """`SELECT balance … ` scanned into a variable (no FOR UPDATE), then `UPDATE … SET balance = $1` fed from it."""
        scanned = _scanned_money(self.ctx, function)
        if not scanned:
            return
        for call in self.ctx.descendants(function, "call_expression"):
            write = db_write(self.ctx, call)
            if write is None or write.verb != "update" or write.kind != "sql":
                continue
            expressions = set_expressions(write.sql)
            overwritten = [c for c, e in expressions.items() if is_money(self.ctx, c) and not re.search(rf"\b{c}\b", e, re.I)]
            if not overwritten:
                continue
            args = " ".join(node_text(a) for a in arguments(call)[1:])
            derived = _derived_names(self.ctx, function, scanned)
            for variable, read in scanned.items():
                if read.start_byte < call.start_byte and any(re.search(rf"\b{re.escape(v)}\b", args) for v in derived[variable]):
                    self.report(
                        read,
                        f"`{variable}` is SELECTed without FOR UPDATE and written back by `{write.label}` "
                        f"as `{overwritten[0]} = …` on line {call.start_point.row + 1}",
                    )
                    return


def _scanned_money(ctx: FileContext, function: Node) -> dict[str, Node]:
    """Money variables scanned from a SELECT without a lock: name -> the query call."""
    found: dict[str, Node] = {}
    for call in ctx.descendants(function, "call_expression"):
        if callee_name(call) != "Scan":
            continue
        function_node = call.child_by_field_name("function")
        query = function_node.child_by_field_name("operand") if function_node is not None else None
        query = unparen(query)
        if query is None or query.type != "call_expression" or not call_chain(query)[-1:][0].startswith("QueryRow"):
            continue
        sql = next((s for s in (sql_text(ctx, a) for a in arguments(query)[:2]) if s is not None), None)
        if sql is None or not re.match(r"\s*SELECT\b", sql, re.I) or locks(sql):
            continue
        for arg in arguments(call):
            inner = unaddress(arg)
            if inner is not None and inner.type in ("identifier", "selector_expression"):
                name = node_text(inner)
                if is_money(ctx, name.rsplit(".", 1)[-1]):
                    found[name] = query
    return found


def _derived_names(ctx: FileContext, function: Node, scanned: dict[str, Node]) -> dict[str, set[str]]:
    """Each scanned variable and the variables computed from it (one step)."""
    derived = {name: {name} for name in scanned}
    for assignment in assignments_in(ctx, function):
        if assignment.value is None:
            continue
        text = node_text(assignment.value)
        for name in scanned:
            if re.search(rf"\b{re.escape(name)}\b", text) and assignment.target.type == "identifier":
                derived[name].add(assignment.name)
    return derived
