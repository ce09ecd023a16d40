"""RB511 unguarded-status-update-ts: a payment's status is written without checking the status it had."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text, one_line
from reviewbot.analyzers.typescript.db import PAYMENT_ENTITY, DbWrite, db_write, sql_text
from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.rules.concurrency._rows import (
    MONEY_STATES,
    PAYMENT_STATES,
    TERMINAL_STATES,
    function_has_lock,
    is_status_key,
    status_values,
)
from reviewbot.analyzers.typescript.syntax import arguments, calls_above, object_members
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

_SQL_SET_STATUS = re.compile(r"\bset\b(?P<set>[\s\S]*?)\bwhere\b(?P<where>[\s\S]*)$", re.IGNORECASE)
_SQL_STATUS_VALUE = re.compile(r"\b(\w*status)\s*=\s*'(\w+)'", re.IGNORECASE)
# Keys of a helper's argument that pass the expected previous status along.
_GUARD_KEYS = re.compile(r"^(expected|from|previous|current|prior|old)_?(status|state)$|^where$", re.IGNORECASE)


class UnguardedStatusUpdateTs(TypeScriptRule):
    code = "RB511"
    name = "unguarded-status-update-ts"
    family = Family.CONCURRENCY
    severity = Severity.ERROR
    summary = (
        "An update sets a payment's (invoice's, refund's...) status without the expected previous status in "
        "its WHERE clause."
    )
    rationale = (
        "Two workers that both read \"authorized\" can both capture, and a late \"payment_failed\" webhook can "
        "overwrite \"paid\". Without `AND status = 'authorized'` in the WHERE clause and a check of the "
        "affected row count, the state machine is enforced by nothing: a refunded invoice is marked paid again, "
        "a canceled series resumes billing."
    )
    help = (
        "Guard the transition in the statement: Drizzle `.where(and(eq(t.id, id), eq(t.status, \"authorized\")))`, "
        "Prisma `updateMany({ where: { id, status: \"authorized\" } })`, SQL `WHERE id = $1 AND status = "
        "'authorized'`; then check that exactly one row changed. Or lock the row (`.for(\"update\")`) and check "
        "its status first."
    )
    references = (
        "https://www.postgresql.org/docs/16/transaction-iso.html#XACT-READ-COMMITTED",
        "https://orm.drizzle.team/docs/update",
    )
    triggers = ("status", "Status", "state")
    requires = (("update", "Update", "UPDATE"),)
    # Updates: Drizzle/Prisma/MikroORM/service `update`, raw SQL runners, and write helpers.
    call_names = frozenset({"update", "updateMany", "nativeUpdate", "query", "execute", "executeQuery", "$executeRaw",
                            "$executeRawUnsafe", "raw", "run", "none", "one", "oneOrNone", "many", "any", "sql"})
    call_prefixes = ("update", "upsert", "increment", "decrement", "set", "mark", "apply", "bulk")
    evidence = (
        Evidence(
            Confidence.HIGH,
            "an ORM or SQL update of a payment, invoice, refund, order or subscription table whose WHERE clause "
            "is in view and does not mention the status",
        ),
        Evidence(
            Confidence.MEDIUM,
            "a write helper or service (`updateInvoice(db, { status: \"paid\" })`) whose WHERE clause is "
            "elsewhere, or a status value that is not a literal",
        ),
    )
    examples = (
        bad(
            """\
            export async function markCaptured(db: Database, paymentId: string) {
              await db
                .update(payments)
                .set({ status: "captured", capturedAt: new Date() })
                .where(eq(payments.id, paymentId));
            }
            """,
            line=2,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            app.post("/webhooks/stripe", async (c) => {
              const event = await verify(c);
              await updateInvoice(db, { id: event.data.object.metadata.invoiceId, status: "paid" });
              return c.json({ received: true });
            });
            """,
            line=3,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            export async function markCaptured(db: Database, paymentId: string) {
              const rows = await db
                .update(payments)
                .set({ status: "captured" })
                .where(and(eq(payments.id, paymentId), eq(payments.status, "authorized")))
                .returning();
              if (rows.length !== 1) throw new Error(`payment ${paymentId} is not authorized`);
            }
            """
        ),
        good(
            """\
            export async function archiveInboxItem(db: Database, id: string) {
              await db.update(inbox).set({ status: "done" }).where(eq(inbox.id, id));
            }
            export async function cancelSeries(db: Database, id: string) {
              await db.update(invoiceRecurring).set({ status: "canceled" }).where(eq(invoiceRecurring.id, id));
            }
            """
        ),
    )

    def visit_call_expression(self, node: Node) -> None:
        write = db_write(node)
        if write is None or write.kind != "update":
            return
        sql = sql_text(arguments(node)[0]) if write.values is None and arguments(node) else None
        if sql is not None:
            self._check_sql(node, write, sql)
            return
        members = object_members(write.values)
        statuses = [(key, value) for key, value in members.items() if is_status_key(key)]
        if not statuses:
            return
        if any(_GUARD_KEYS.match(key) for key in members):
            return
        values: set[str] = set()
        known = True
        for _, value in statuses:
            found = status_values(self.ctx, value)
            if found is None:
                known = False
            else:
                values |= {v.lower() for v in found}
        if known and values and values <= TERMINAL_STATES:
            return
        payment_value = bool(values & PAYMENT_STATES)
        if not (write.is_payment_entity or payment_value):
            return
        in_view = self._where_in_view(write)
        if not in_view and not values & MONEY_STATES:
            return  # a helper's WHERE is elsewhere: only the transitions that say money moved
        where = self._where(node, write)
        if where is not None and re.search(r"status|state", node_text(where), re.IGNORECASE):
            return
        if function_has_lock(self.ctx, node):
            return
        key = statuses[0][0]
        shown = " or ".join(f'"{v}"' for v in sorted(values)) if values else f"`{one_line(node_text(statuses[0][1]), 30)}`"
        confidence = Confidence.HIGH if in_view and write.is_payment_entity and known else Confidence.MEDIUM
        if in_view:
            message = f"`{one_line(node_text(node), 50)}` sets {key} to {shown} without checking the current {key} in its WHERE clause"
        else:
            message = f"`{write.target}(...)` sets {key} to {shown} without passing the status it expects to replace"
        self.report(node, message, confidence=confidence)

    def _where_in_view(self, write: DbWrite) -> bool:
        """Drizzle and Prisma updates show their WHERE at the call; helpers and services do not."""
        return write.direct and not re.search(r"(service|repository|repo)_?$", write.target, re.IGNORECASE)

    def _where(self, node: Node, write: DbWrite) -> Node | None:
        for method, call in calls_above(node):
            if method == "where":
                return call.child_by_field_name("arguments")
        parent_args = arguments(node)
        if parent_args:
            members = object_members(parent_args[0])
            if "where" in members:
                return members["where"]
        return None

    def _check_sql(self, node: Node, write: DbWrite, sql: str) -> None:
        match = _SQL_SET_STATUS.search(sql)
        if match is None:
            return
        values = {v.lower() for key, v in _SQL_STATUS_VALUE.findall(match.group("set")) if is_status_key(key.lower()) or key.lower().endswith("status")}
        if not values or values <= TERMINAL_STATES:
            return
        if re.search(r"status|state", match.group("where"), re.IGNORECASE):
            return
        if not (PAYMENT_ENTITY.search(write.target) or values & PAYMENT_STATES):
            return
        if function_has_lock(self.ctx, node):
            return
        shown = " or ".join(f"'{v}'" for v in sorted(values))
        self.report(
            node,
            f"`UPDATE {write.target}` sets status to {shown} without checking the current status in its WHERE clause",
            confidence=Confidence.HIGH if PAYMENT_ENTITY.search(write.target) else Confidence.MEDIUM,
        )
