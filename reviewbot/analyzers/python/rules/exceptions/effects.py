"""What a block does to money: moves it at a PSP, writes payment state, or raises a payment error.

The exceptions rules ask this of a `try` body (or a `with suppress(...)` block) to decide how sure they are
that a swallowed error hides a money outcome. Calls to functions defined in the same module are followed
two levels deep (`self._apply(event)` -> `self._intents.mark_succeeded(...)`), so a thin wrapper does not
hide what it wraps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import IntEnum

import libcst as cst

from reviewbot.analyzers.python.names import call_chain, node_fields, string_value
from reviewbot.analyzers.python.rule import FileContext
from reviewbot.analyzers.python.rules.exceptions.handlers import is_psp_error
from reviewbot.analyzers.python.rules.exceptions.money_calls import money_call_strength
from reviewbot.config import Config, split_words

# How deep calls to module-local functions are followed (the call itself, then what it calls).
MAX_WRAPPER_DEPTH = 2

# Nouns that name a payment record, in a receiver (`order.payments`, `self._intents`) or a method name.
PAYMENT_NOUNS = frozenset(
    {
        "payment", "payments", "intent", "intents", "order", "orders", "charge", "charges", "refund",
        "refunds", "payout", "payouts", "invoice", "invoices", "transaction", "transactions", "ledger",
        "ledgers", "balance", "balances", "wallet", "wallets", "subscription", "subscriptions",
        "settlement", "settlements", "capture", "captures", "dispute", "disputes", "transfer", "transfers",
        "chargeback", "chargebacks", "journal", "posting", "postings",
    }
)
# First words of a method that change a payment record's state or write it.
STATE_VERBS = frozenset(
    {
        "fail", "confirm", "mark", "cancel", "void", "refund", "capture", "settle", "reconcile", "credit",
        "debit", "approve", "decline", "reverse", "expire", "complete", "fulfil", "fulfill", "succeed",
        "charge", "post", "book", "save", "create", "update", "insert", "upsert", "delete", "add",
        "apply", "record", "set", "bulk", "get_or_create", "update_or_create",
    }
)
# Verbs that write any container (`seen.add(x)`, `cache.set(k, v)`): a payment only when the receiver is one.
GENERIC_WRITE_VERBS = frozenset(
    {"save", "create", "update", "insert", "upsert", "delete", "add", "apply", "record", "set", "bulk", "post",
     "get_or_create", "update_or_create"}
)
# Words after the verb that make a method a reader or a formatter (`refund_matching_id`, `charge_url`).
READ_WORDS = frozenset(
    {"id", "ids", "url", "urls", "name", "names", "display", "render", "text", "str", "info", "details", "form",
     "template", "html", "matching", "short", "label", "json", "dict", "list", "count", "key", "keys", "reason",
     "message", "icon", "title", "description", "supported", "enabled", "allowed", "possible", "available"}
)
# Queryset methods between a model and the write (`Payment.objects.filter(...).update(...)`).
QUERY_METHODS = frozenset(
    {"filter", "exclude", "all", "select_for_update", "select_related", "prefetch_related", "only", "defer",
     "order_by", "using", "annotate", "values", "distinct", "none", "with_for_update", "where", "query"}
)
# Verbs that write money books whatever the receiver is called.
BOOKKEEPING_VERBS = frozenset({"reconcile", "settle"})
_SQL_WRITE = ("insert into ", "update ", "delete from ")
_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


class EffectKind(IntEnum):
    """Ordered by how directly the block touches money."""

    RAISES_PAYMENT_ERROR = 1
    WRITES_PAYMENT = 2
    MOVES_MONEY = 3


@dataclass(frozen=True, slots=True)
class Effect:
    kind: EffectKind
    call: str  # the call (or raised class) as written
    via: str | None = None  # the module-local function it sits in, when followed

    def describe(self) -> str:
        """`moves money: stripe.Refund.create`, `writes payment state: payment.save (via _apply)`."""
        what = {
            EffectKind.MOVES_MONEY: "moves money with",
            EffectKind.WRITES_PAYMENT: "writes payment state with",
            EffectKind.RAISES_PAYMENT_ERROR: "raises",
        }[self.kind]
        via = f" (in `{self.via}`)" if self.via else ""
        return f"{what} `{self.call}`{via}"


@dataclass(slots=True)
class _ModuleFunctions:
    module: cst.Module
    functions: dict[str, list[cst.FunctionDef]] = field(default_factory=dict)
    # id(function) -> the class it is a method of
    owner: dict[int, cst.ClassDef] = field(default_factory=dict)
    effects: dict[int, Effect | None] = field(default_factory=dict)


_CURRENT: list[_ModuleFunctions] = []


def _index(ctx: FileContext) -> _ModuleFunctions:
    if _CURRENT and _CURRENT[0].module is ctx.module:
        return _CURRENT[0]
    index = _ModuleFunctions(ctx.module)
    _collect(ctx.module.body, None, index)
    _CURRENT[:] = [index]
    return index


def _collect(body: object, owner: cst.ClassDef | None, index: _ModuleFunctions) -> None:
    for stmt in body if isinstance(body, (list, tuple)) else ():
        if isinstance(stmt, cst.FunctionDef):
            index.functions.setdefault(stmt.name.value, []).append(stmt)
            if owner is not None:
                index.owner[id(stmt)] = owner
        elif isinstance(stmt, cst.ClassDef) and isinstance(stmt.body, cst.IndentedBlock):
            _collect(stmt.body.body, stmt, index)
        elif isinstance(stmt, (cst.If, cst.Try)) and isinstance(stmt.body, cst.IndentedBlock):
            _collect(stmt.body.body, owner, index)


def calls_in(node: cst.CSTNode) -> Iterator[cst.Call]:
    """Calls under `node` in document order, not looking into nested functions, classes or lambdas."""
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call):
            yield current
        children: list[cst.CSTNode] = []
        for name in node_fields(type(current)):
            value = getattr(current, name)
            if isinstance(value, cst.CSTNode):
                children.append(value)
            elif isinstance(value, tuple | list):
                children.extend(v for v in value if isinstance(v, cst.CSTNode))
        stack.extend(reversed([c for c in children if not isinstance(c, _SCOPES)]))


def _raises_in(node: cst.CSTNode) -> Iterator[cst.Raise]:
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Raise):
            yield current
        for name in node_fields(type(current)):
            value = getattr(current, name)
            if isinstance(value, cst.CSTNode) and not isinstance(value, _SCOPES):
                stack.append(value)
            elif isinstance(value, tuple | list):
                stack.extend(v for v in value if isinstance(v, cst.CSTNode) and not isinstance(v, _SCOPES))


def payment_write(call: cst.Call) -> str | None:
    """`payment.save()`, `order.payments.create(...)`, `self._intents.mark_succeeded(...)`, `post_to_ledger(x)`,
    `conn.execute("UPDATE payments ...")`: the call's name when it writes a payment record, else None."""
    chain = call_chain(call.func)
    if chain is None:
        return None
    parts = chain.split(".")
    method_words = split_words(parts[-1])
    if not method_words or READ_WORDS & set(method_words[1:]):
        return None
    if parts[-1] in ("execute", "executemany", "exec_driver_sql") and call.args:
        sql = (string_value(call.args[0].value) or "").lower()
        if sql.lstrip().startswith(_SQL_WRITE) and any(n in split_words(sql) for n in PAYMENT_NOUNS):
            return chain
        return None
    verb = method_words[0] if method_words[0] in STATE_VERBS else parts[-1] if parts[-1] in STATE_VERBS else None
    if verb is None and method_words[0] not in BOOKKEEPING_VERBS:
        return None
    if method_words[0] in BOOKKEEPING_VERBS or PAYMENT_NOUNS & set(method_words[1:]):
        return chain
    record = _record_part(parts[:-1])
    if record is None:
        return None
    record_words = split_words(record)
    if verb in GENERIC_WRITE_VERBS:
        # `invoice_nos.add(x)` is a set; `order.payments.create(...)` and `payment.save()` are records
        return chain if record_words and record_words[-1] in PAYMENT_NOUNS else None
    return chain if PAYMENT_NOUNS & set(record_words) else None


def _record_part(receiver: list[str]) -> str | None:
    """The receiver part naming the record: `Payment` in `Payment.objects.filter(...)`, `payments` in
    `order.payments`, `payment` in `rso.payment`."""
    if "objects" in receiver:
        index = receiver.index("objects")
        return receiver[index - 1] if index > 0 else None
    for part in reversed(receiver):
        if part not in QUERY_METHODS:
            return part
    return None


def _payment_error_raised(node: cst.CSTNode, ctx: FileContext) -> str | None:
    for raised in _raises_in(node):
        exc = raised.exc.func if isinstance(raised.exc, cst.Call) else raised.exc
        name = call_chain(exc) if exc is not None else None
        if name is not None and is_psp_error(ctx.imports.get(name, name)):
            return name
    return None


def block_effect(node: cst.CSTNode, ctx: FileContext, *, enclosing: cst.ClassDef | None = None) -> Effect | None:
    """The strongest money effect of the code under `node`, following module-local calls."""
    return _effect(node, ctx, enclosing, depth=0, seen=set())


def _effect(
    node: cst.CSTNode, ctx: FileContext, owner: cst.ClassDef | None, depth: int, seen: set[int]
) -> Effect | None:
    config = ctx.config
    best: Effect | None = None
    for call in calls_in(node):
        found = direct_effect(call, ctx.imports, config)
        if found is None and depth < MAX_WRAPPER_DEPTH:
            for callee in _resolve(call, ctx, owner):
                if id(callee) in seen:
                    continue
                seen.add(id(callee))
                inner = _effect(callee.body, ctx, _index(ctx).owner.get(id(callee)), depth + 1, seen)
                if inner is not None:
                    found = Effect(inner.kind, inner.call, inner.via or callee.name.value)
                    break
        if found is not None and (best is None or found.kind > best.kind):
            best = found
            if best.kind is EffectKind.MOVES_MONEY:
                return best
    if best is None and depth > 0:
        raised = _payment_error_raised(node, ctx)
        if raised is not None:
            best = Effect(EffectKind.RAISES_PAYMENT_ERROR, raised)
    return best


def direct_effect(call: cst.Call, imports: dict[str, str], config: Config) -> Effect | None:
    name, strong = money_call_strength(call, imports, config)
    if name is not None and strong:
        return Effect(EffectKind.MOVES_MONEY, name)
    written = payment_write(call)
    if written is not None:
        return Effect(EffectKind.WRITES_PAYMENT, written)
    return None


def _resolve(call: cst.Call, ctx: FileContext, owner: cst.ClassDef | None) -> list[cst.FunctionDef]:
    """Module-local functions a call may reach: `helper(...)`, `self.method(...)`, and `obj.method(...)` when
    exactly one class here defines a method of that (non-generic) name."""
    index = _index(ctx)
    func = call.func
    if isinstance(func, cst.Name):
        return [f for f in index.functions.get(func.value, ()) if id(f) not in index.owner]
    if not isinstance(func, cst.Attribute):
        return []
    method = func.attr.value
    methods = [f for f in index.functions.get(method, []) if id(f) in index.owner]
    if isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
        return [f for f in methods if owner is not None and index.owner[id(f)] is owner]
    if method in COMMON_METHODS or method.startswith("__") or len(methods) != 1:
        return []
    return methods


# Method names every library has (dict.get, list.append, View.post): never resolved by name alone.
COMMON_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "dispatch", "save", "update", "add", "append",
     "extend", "pop", "items", "keys", "values", "filter", "all", "first", "last", "create", "close", "open",
     "read", "write", "run", "execute", "call", "send", "format", "copy", "clear", "remove", "set",
     "setdefault", "render", "clean", "validate", "load", "dump", "dumps", "loads", "parse", "start", "stop",
     "process", "handle", "apply", "join", "split", "count", "exists", "refresh_from_db", "full_clean"}
)
