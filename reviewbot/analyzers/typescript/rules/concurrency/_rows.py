"""What the TypeScript concurrency rules share: row reads, locks, status values."""

from __future__ import annotations

import re
from dataclasses import dataclass

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.analyzers.treesitter.rule import FileContext
from reviewbot.analyzers.typescript.db import is_db_receiver
from reviewbot.analyzers.typescript.syntax import (
    arguments,
    bindings,
    call_sequence,
    declared_names,
    object_members,
    outermost_function,
    string_value,
    unwrap,
)

Node = tree_sitter.Node

# A row lock or a serializable transaction in the function makes a read-check-write safe.
LOCK = re.compile(
    r"""\.for\(\s*["'`](no key )?update["'`]|\bfor\s+(no\s+key\s+)?update\b|lockMode|LockMode\.PESSIMISTIC"""
    r"""|pessimistic_(write|read)|\bserializable\b|forUpdate\(""",
    re.IGNORECASE,
)
# Values a payment's (or invoice's, refund's...) status takes.
PAYMENT_STATES = frozenset(
    {
        "paid", "unpaid", "captured", "refunded", "partially_refunded", "partially_paid", "succeeded",
        "authorized", "settled", "voided", "disputed", "charged", "overdue", "requires_capture",
        "chargeback", "reversed", "payout_sent", "partially_captured",
    }
)
# The states that say money moved (or was returned): a helper that sets one unguarded is reported.
MONEY_STATES = frozenset(
    {
        "paid", "captured", "refunded", "partially_refunded", "partially_paid", "succeeded", "settled", "charged",
        "authorized", "voided", "disputed", "reversed", "chargeback", "partially_captured",
    }
)
# Targets that end a lifecycle from any state by decision of its owner: setting them unguarded is safe.
TERMINAL_STATES = frozenset({"canceled", "cancelled", "completed", "deleted", "archived"})
_READ_WORDS = (b"select", b"find", b"retrieve")
_STATUS_KEY = re.compile(r"^(status|state)$|Status$|_status$|State$")


def is_status_key(key: str) -> bool:
    return bool(_STATUS_KEY.search(key))


def function_has_lock(ctx: FileContext, node: Node) -> bool:
    function = outermost_function(node)
    scope = function if function is not None else ctx.root
    return has_lock_text(scope.text or b"")


def has_lock_text(raw: bytes) -> bool:
    """A row lock or serializable isolation written in this text (a byte scan first: the regex is slow)."""
    lowered = raw.lower()
    if b"update" not in lowered and b"lock" not in lowered and b"serializable" not in lowered:
        return False
    return bool(LOCK.search(raw.decode("utf-8", errors="replace")))


def status_values(ctx: FileContext, value: Node | None, depth: int = 0) -> set[str] | None:
    """The string values a status expression can take, or None when one of them is not a literal."""
    value = unwrap(value)
    if value is None:
        return None
    literal = string_value(value)
    if literal is not None:
        return {literal}
    if value.type == "ternary_expression":
        out: set[str] = set()
        for field in ("consequence", "alternative"):
            branch = status_values(ctx, value.child_by_field_name(field), depth + 1)
            if branch is None:
                return None
            out |= branch
        return out
    if value.type == "identifier" and depth < 3:
        bound = ctx.fact(bindings).value(node_text(value), value)
        if bound is not None:
            return status_values(ctx, bound, depth + 1)
    if value.type == "member_expression":
        prop = value.child_by_field_name("property")
        obj = value.child_by_field_name("object")
        if prop is None or obj is None:
            return None
        # PaymentStatus.Captured / STATUS.CAPTURED: the member's name is the value.
        if node_text(obj)[:1].isupper():
            return {node_text(prop).lower()}
        # `current.status` written back: the status it already had, no transition.
        if is_status_key(node_text(prop)):
            return set()
    return None


@dataclass(frozen=True, slots=True)
class RowRead:
    """A read of one row (or rows) bound to names, e.g. `const [account] = await db.select()...`."""

    node: Node  # the read expression
    names: frozenset[str]
    table: str
    locked: bool
    label: str  # how the message names the read


def row_read(ctx: FileContext, declarator: Node) -> RowRead | None:
    """The row read a `const x = await ...` declarator makes, if it is one."""
    value = unwrap(declarator.child_by_field_name("value"))
    if value is None or value.type != "call_expression":
        return None
    raw = value.text or b""
    if not any(word in raw for word in _READ_WORDS):
        return None
    calls, receiver = call_sequence(value)
    if not calls:
        return None
    methods = [m for m, _ in calls]
    names = frozenset(declared_names(declarator.child_by_field_name("name")))
    root = node_text(receiver) if receiver is not None else ""
    text = node_text(value)
    locked = has_lock_text(raw)
    # Drizzle: db.select(...).from(t).where(...)[.for("update")]
    if "from" in methods and methods[0] in ("select", "selectDistinct"):
        table_call = calls[methods.index("from")][1]
        args = arguments(table_call)
        table = node_text(args[0]) if args else ""
        return RowRead(value, names, table, locked, f"{root}.select()…from({table})")
    # Drizzle relational queries: db.query.accounts.findFirst(...)
    if methods[-1] in ("findFirst", "findMany") and ".query." in text.split("(")[0]:
        table = text.split("(")[0].split(".query.", 1)[1].split(".")[0]
        return RowRead(value, names, table, locked, text.split("(")[0] + "()")
    head = text.split("(")[0]
    parts = head.split(".")
    # Prisma: prisma.account.findUnique(...)
    if methods[-1] in ("findUnique", "findFirst", "findUniqueOrThrow", "findFirstOrThrow") and len(parts) >= 3:
        if is_db_receiver(parts[:-2]) or "prisma" in parts[0].lower():
            return RowRead(value, names, parts[-2], locked, head + "()")
    # MikroORM / TypeORM: em.findOne(Account, id), repo.findOneOrFail(...)
    if methods[-1] in ("findOne", "findOneOrFail", "findOneBy", "findOneByOrFail") and len(parts) >= 2:
        args = arguments(calls[-1][1])
        manager = parts[-2].rstrip("_").lower() in ("em", "manager", "entitymanager")
        table = node_text(args[0]) if manager and args else parts[-2]
        return RowRead(value, names, table, locked, head + "()")
    # Services: this.paymentService_.retrieve(id, { relations: [...] })
    if methods[-1] == "retrieve" and len(parts) >= 2 and re.search(r"(service|repository)_?$", parts[-2], re.IGNORECASE):
        members = object_members(arguments(calls[-1][1])[1]) if len(arguments(calls[-1][1])) > 1 else {}
        return RowRead(value, names, parts[-2], locked or "lock" in members, head + "()")
    return None


def row_reads(ctx: FileContext, scope: Node) -> list[RowRead]:
    reads: list[RowRead] = []
    for declarator in ctx.descendants(scope, "variable_declarator"):
        read = row_read(ctx, declarator)
        if read is not None and read.names:
            reads.append(read)
    return reads
