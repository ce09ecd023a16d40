"""RB510 read-modify-write-without-lock: a row is read without a lock and written back from what was read."""

from __future__ import annotations

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.analyzers.treesitter.rule import FileContext
from reviewbot.analyzers.typescript.db import DbWrite, db_write
from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.rules.concurrency._rows import RowRead, function_has_lock, row_read
from reviewbot.analyzers.typescript.syntax import (
    bindings,
    calls_above,
    identifiers_in,
    method_name,
    object_members,
    outermost_function,
    unwrap,
)
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

_ARITHMETIC = frozenset({"+", "-", "*", "/", "%"})
# Decimal and BigNumber libraries: MathBN.add(a, b), new Big(a).plus(b), Decimal.sub(...)
_ARITHMETIC_CALLS = frozenset({"add", "sub", "subtract", "plus", "minus", "mul", "mult", "multiply", "times", "div", "divide", "increment", "decrement"})
_FLUSH = ("flush(", "persistAndFlush(", "save(", ".persist(")


class ReadModifyWriteWithoutLock(TypeScriptRule):
    code = "RB510"
    name = "read-modify-write-without-lock"
    family = Family.CONCURRENCY
    severity = Severity.ERROR
    summary = (
        "A row is read without a lock (Drizzle, Prisma, MikroORM, TypeORM) and written back with a value "
        "computed from what was read."
    )
    rationale = (
        "Two concurrent requests both read balance 100, both subtract 80 and both write 20: 160 left the "
        "account and the balance says 20. A transaction alone does not lock the row at READ COMMITTED; this is "
        "the lost update that emptied Flexcoin's hot wallet."
    )
    help = (
        "Lock the row as you read it (Drizzle `.for(\"update\")` inside the transaction, SQL `SELECT ... FOR "
        "UPDATE`, MikroORM `lockMode: LockMode.PESSIMISTIC_WRITE`), or update atomically: "
        "`set({ balance: sql`${accounts.balance} - ${amount}` })` guarded by `gte(accounts.balance, amount)`."
    )
    references = (
        "https://orm.drizzle.team/docs/select#for-update",
        "https://www.postgresql.org/docs/16/explicit-locking.html#LOCKING-ROWS",
    )
    triggers = ("select(", "findFirst", "findUnique", "findOne", "retrieve(")
    requires = ((".update(", "update(", "flush(", "save(", "nativeUpdate"),)
    evidence = (
        Evidence(Confidence.HIGH, "the value written back is money (balance, amount, captured, refunded...)"),
        Evidence(Confidence.MEDIUM, "the value written back is a counter or a status, not money"),
    )
    examples = (
        bad(
            """\
            export async function debit(tx: Transaction, accountId: string, amountMinor: number) {
              const [account] = await tx.select().from(accounts).where(eq(accounts.id, accountId));
              await tx
                .update(accounts)
                .set({ balanceMinor: account.balanceMinor - amountMinor })
                .where(eq(accounts.id, accountId));
            }
            """,
            line=2,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            export async function recordFailure(db: Database, id: string) {
              const series = await prisma.invoiceSeries.findUnique({ where: { id } });
              const failures = series.failures + 1;
              await prisma.invoiceSeries.update({ where: { id }, data: { failures } });
            }
            """,
            line=2,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            export async function debit(tx: Transaction, accountId: string, amountMinor: number) {
              const [account] = await tx
                .select()
                .from(accounts)
                .where(eq(accounts.id, accountId))
                .for("update");
              await tx
                .update(accounts)
                .set({ balanceMinor: account.balanceMinor - amountMinor })
                .where(eq(accounts.id, accountId));
            }
            """
        ),
        good(
            """\
            export async function debit(db: Database, accountId: string, amountMinor: number) {
              const [account] = await db.select().from(accounts).where(eq(accounts.id, accountId));
              if (!account) throw new Error("no account");
              await db
                .update(accounts)
                .set({ balanceMinor: sql`${accounts.balanceMinor} - ${amountMinor}` })
                .where(and(eq(accounts.id, accountId), gte(accounts.balanceMinor, amountMinor)));
            }
            """
        ),
    )

    # The last call of a row read's chain: db.select().from(t).where(...)[.limit(1)][.for("update")],
    # db.query.t.findFirst(...), prisma.t.findUnique(...), em.findOne(...), service.retrieve(...).
    call_names = frozenset({"where", "limit", "for", "from", "orderBy", "findFirst", "findUnique", "findFirstOrThrow",
                            "findUniqueOrThrow", "findOne", "findOneOrFail", "findOneBy", "findOneByOrFail", "retrieve",
                            "execute", "then"})

    def visit_call_expression(self, call: Node) -> None:
        node = call.parent
        while node is not None and node.type in ("await_expression", "parenthesized_expression", "as_expression", "non_null_expression"):
            node = node.parent
        if node is None or node.type != "variable_declarator":
            return
        read = row_read(self.ctx, node)
        if read is None or read.locked or not read.names:
            return
        scope = outermost_function(node)
        if scope is None:
            return
        for field, written_at in self._written_back(read, scope):
            if function_has_lock(self.ctx, node):
                return
            money = self.config.is_money_name(field) or field.lower() in ("balance", "amount")
            self.report(
                read.node,
                f"`{read.label}` reads `{'/'.join(sorted(read.names))}` without a row lock, and "
                f"`{field}` is written back from it on line {written_at.start_point.row + 1}",
                confidence=Confidence.HIGH if money else Confidence.MEDIUM,
            )
            return

    def _written_back(self, read: RowRead, scope: Node) -> list[tuple[str, Node]]:
        out: list[tuple[str, Node]] = []
        updates = self.ctx.fact(_updates)
        if scope.id not in updates:
            updates[scope.id] = [
                (call, write)
                for call in self.ctx.descendants(scope, "call_expression")
                if (write := db_write(call)) is not None and write.kind == "update"
            ]
        for call, write in updates[scope.id]:
            if call.start_byte <= read.node.end_byte or not _same_table(read.table, write.target):
                continue
            if self._where_checks_read(call, read):
                continue
            for key, value in object_members(write.values).items():
                if self._computed_from(value, read.names):
                    out.append((key, call))
        if not out:
            out.extend(self._mutated_then_flushed(read, scope))
        return out

    def _where_checks_read(self, call: Node, read: RowRead) -> bool:
        """An optimistic guard: the update's WHERE compares with a value read (`eq(t.version, row.version)`)."""
        for method, above in calls_above(call):
            where = above.child_by_field_name("arguments")
            if method == "where" and where is not None and identifiers_in(self.ctx, where) & read.names:
                return True
        return False

    def _computed_from(self, value: Node, names: frozenset[str], depth: int = 0) -> bool:
        node = unwrap(value)
        if node is None:
            return False
        if node.type in ("identifier", "shorthand_property_identifier") and depth < 3:
            bound = self.ctx.fact(bindings).value(node_text(node), node)
            return bound is not None and self._computed_from(bound, names, depth + 1)
        for part in self.ctx.descendants(node, "binary_expression", "update_expression", "call_expression"):
            if part.type == "binary_expression":
                operator = part.child_by_field_name("operator")
                if operator is None or node_text(operator) not in _ARITHMETIC:
                    continue
            elif part.type == "call_expression" and method_name(part) not in _ARITHMETIC_CALLS:
                continue
            if identifiers_in(self.ctx, part) & names:
                return True
        return False

    def _mutated_then_flushed(self, read: RowRead, scope: Node) -> list[tuple[str, Node]]:
        """MikroORM/TypeORM style: `payment.refunded += amount; await em.flush()`."""
        if not any(marker in node_text(scope) for marker in _FLUSH):
            return []
        out: list[tuple[str, Node]] = []
        for assign in self.ctx.descendants(scope, "augmented_assignment_expression", "assignment_expression"):
            left = assign.child_by_field_name("left")
            right = assign.child_by_field_name("right")
            if left is None or right is None or left.type != "member_expression":
                continue
            obj = left.child_by_field_name("object")
            if obj is None or node_text(obj) not in read.names:
                continue
            prop = left.child_by_field_name("property")
            field = node_text(prop) if prop is not None else ""
            if assign.type == "augmented_assignment_expression" or self._computed_from(right, read.names):
                out.append((field, assign))
        return out


def _updates(ctx: FileContext) -> dict[int, list[tuple[Node, DbWrite]]]:
    """Function id -> the update writes in it (filled per function on demand)."""
    return {}


def _same_table(read: str, written: str) -> bool:
    a, b = read.rsplit(".", 1)[-1].lower(), written.rsplit(".", 1)[-1].lower()
    return bool(a) and (a == b or a.rstrip("s") == b.rstrip("s"))


