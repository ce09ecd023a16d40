"""Database reads and writes in TypeScript: Drizzle, Prisma, MikroORM, TypeORM, raw SQL and write helpers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.analyzers.typescript.syntax import (
    arguments,
    call_chain,
    callee,
    chain,
    object_members,
    template_text,
    unwrap,
)

Node = tree_sitter.Node

# Entities whose rows are money or a payment's state. "transaction" is not one: it is as often a
# bank-feed line or a database transaction as a payment.
PAYMENT_ENTITY = re.compile(
    r"payment|invoice|charge|refund|payout|transfer|capture|order|subscription|settlement|dispute|intent"
    r"|ledger|balance|wallet|withdrawal|deposit|credit_?note|creditnote|billing|checkout",
    re.IGNORECASE,
)
_DB_RECEIVER = re.compile(r"^(db|tx|trx|txn|transaction|database|client|conn|connection|pool|em|manager|knex|sql|prisma)$", re.I)
_WRITE_HELPER = re.compile(r"^(create|update|insert|upsert|delete|remove|save|record|mark|set|bulk|increment|decrement|apply)[A-Z_]")
_SERVICE_RECEIVER = re.compile(r"(service|repository|repo|model|dao|store)_?$", re.IGNORECASE)
_SQL_WRITE = re.compile(
    r"^\s*(with\b[\s\S]*?\)\s*)?(insert\s+into\b|update\s+[\"\w.${}]+\s+set\b|delete\s+from\b)", re.IGNORECASE
)
_SQL_LOCK = re.compile(r"\bfor\s+(no\s+key\s+)?update\b", re.IGNORECASE)
_PRISMA_WRITES = frozenset({"create", "createMany", "update", "updateMany", "upsert", "delete", "deleteMany"})
_SERVICE_WRITES = frozenset({"create", "update", "upsert", "delete", "softDelete", "save", "insert", "increment", "decrement"})


@dataclass(frozen=True, slots=True)
class DbWrite:
    node: Node  # the call that writes
    kind: str  # insert | update | delete | write
    target: str  # table, model, entity, service or helper name
    values: Node | None  # the object of written values, when written at the call
    direct: bool  # an ORM or SQL write seen here (False: a helper whose body is elsewhere)

    @property
    def is_payment_entity(self) -> bool:
        return bool(PAYMENT_ENTITY.search(self.target))


def is_db_receiver(parts: Sequence[str]) -> bool:
    """`db`, `tx`, `this.db`, `ctx.db`, `this.em`: a database handle by name."""
    return bool(parts) and bool(_DB_RECEIVER.match(parts[-1].rstrip("_")))


# Per-file memo of db_write, keyed by node id (cleared with syntax.clear_caches before each file).
WRITES: dict[int, DbWrite | None] = {}


def db_write(call: Node) -> DbWrite | None:
    """The write a call performs, if it is one (memoised: several rules ask about every call)."""
    if call.id in WRITES:
        return WRITES[call.id]
    found = WRITES[call.id] = _db_write(call)
    return found


def _db_write(call: Node) -> DbWrite | None:
    if call.type != "call_expression":
        return None
    parts = call_chain(call)
    if not parts:
        return None
    method = parts[-1]
    args = arguments(call)
    # Drizzle: db.insert(t).values({...}), db.update(t).set({...}), db.delete(t).where(...)
    if method in ("values", "set", "where", "returning", "onConflictDoUpdate", "onConflictDoNothing"):
        return None  # reported at the insert/update/delete call itself
    if method in ("insert", "update", "delete") and len(args) == 1 and unwrap(args[0]) is not None:
        table = unwrap(args[0])
        assert table is not None
        if table.type in ("identifier", "member_expression") and _continues_with(call, ("values", "set", "where", "returning")):
            values = _drizzle_values(call)
            return DbWrite(call, method, node_text(table), values, True)
    # Prisma: prisma.payment.create({ data }), tx.refund.update({ where, data })
    if method in _PRISMA_WRITES and len(parts) >= 3 and args:
        first = object_members(args[0])
        if ("data" in first or "where" in first) and (is_db_receiver(parts[:-2]) or "prisma" in parts[0].lower()):
            return DbWrite(call, _kind(method), parts[-2], first.get("data"), True)
    # MikroORM / TypeORM entity managers and repositories
    receiver = parts[:-1]
    if receiver and method in ("persist", "persistAndFlush", "nativeInsert", "nativeUpdate", "nativeDelete", "insert", "save"):
        name = receiver[-1]
        if _DB_RECEIVER.match(name.rstrip("_")) or _SERVICE_RECEIVER.search(name):
            target = node_text(args[0]) if args else name
            values = args[2] if method == "nativeUpdate" and len(args) > 2 else (args[1] if len(args) > 1 else None)
            return DbWrite(call, _kind(method), target, values, True)
    # Medusa-style services and repositories: this.refundService_.create({...})
    if receiver and method in _SERVICE_WRITES and _SERVICE_RECEIVER.search(receiver[-1]):
        return DbWrite(call, _kind(method), receiver[-1], args[0] if args else None, True)
    # Raw SQL: db.query("UPDATE ..."), db.execute(sql`INSERT ...`)
    for arg in args[:1]:
        text = sql_text(arg)
        if text is not None and _SQL_WRITE.match(text):
            return DbWrite(call, _sql_kind(text), _sql_table(text), None, True)
    # Write helpers: updateInvoice(db, {...}), createRefund(tx, ...)
    if len(parts) == 1 and _WRITE_HELPER.match(method) and args:
        first_arg = unwrap(args[0])
        if first_arg is not None and is_db_receiver(chain(first_arg)):
            values = args[1] if len(args) > 1 else None
            return DbWrite(call, _kind(method), method, values, False)
    return None


def sql_text(expression: Node) -> str | None:
    """The SQL of a string, template, or `sql\\`...\\`` tagged template argument."""
    node = unwrap(expression)
    if node is None:
        return None
    if node.type in ("string", "template_string"):
        return template_text(node)
    if node.type == "call_expression":
        args = node.child_by_field_name("arguments")
        if args is not None and args.type == "template_string":
            return template_text(args)
    return None


def has_sql_lock(text: str) -> bool:
    return bool(_SQL_LOCK.search(text))


def _continues_with(call: Node, methods: tuple[str, ...]) -> bool:
    parent = call.parent
    if parent is None or parent.type != "member_expression":
        return False
    prop = parent.child_by_field_name("property")
    return prop is not None and node_text(prop) in methods


def _drizzle_values(call: Node) -> Node | None:
    """The object passed to `.values()` or `.set()` after `db.insert(t)` / `db.update(t)`."""
    parent = call.parent
    if parent is None or parent.type != "member_expression" or parent.parent is None:
        return None
    outer = parent.parent
    if outer.type != "call_expression" or callee(outer) != parent:
        return None
    args = arguments(outer)
    return args[0] if args else None


def _kind(method: str) -> str:
    lowered = method.lower()
    for kind in ("insert", "update", "delete"):
        if kind in lowered:
            return kind
    if lowered.startswith(("create", "persist", "save")):
        return "insert"
    if lowered.startswith(("remove", "softdelete")):
        return "delete"
    return "update" if lowered.startswith(("upsert", "increment", "decrement", "set", "mark", "apply")) else "write"


def _sql_kind(text: str) -> str:
    match = _SQL_WRITE.match(text)
    return match.group(2).split()[0].lower() if match else "write"


def _sql_table(text: str) -> str:
    match = re.search(r"\b(?:into|update|from)\s+([\"\w.]+)", text, re.IGNORECASE)
    return match.group(1).strip('"') if match else ""
