"""What the RB5xx rules know about a whole file, computed once per file in one pass over its functions.

- which functions a concurrent actor runs: a web handler, a task or worker, a webhook receiver, and the
  same-module functions they call (to any depth);
- which functions talk to a PSP (a catalogued call, a call into an imported PSP SDK, a PSP client), whose
  webhooks then race what the function writes;
- which functions are only ever called, in this file, while their caller holds a row lock
  (`select_for_update()` inside the caller's `with transaction.atomic():` block, or anywhere before the call
  when no such block ends it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from reviewbot.analyzers.python.names import dotted_name, qualified_name, string_value
from reviewbot.analyzers.python.rule import FileContext
from reviewbot.analyzers.python.rules.concurrency._chains import LOCKING_CALLS, is_money_call, words
from reviewbot.analyzers.python.rules.idempotency.index import ModuleIndex, descendants, index_for, statements
from reviewbot.analyzers.python.rules.idempotency.psp import psp_use

# Imported modules whose calls talk to a PSP (a read of a PSP object is enough: its webhook races the write).
PSP_MODULES = frozenset(
    {
        "stripe", "adyen", "Adyen", "braintree", "mollie", "paypalcheckoutsdk", "paypalrestsdk", "paypalserversdk",
        "paypalhttp", "checkout_sdk", "square", "squareup", "razorpay", "gocardless_pro", "hyperswitch",
    }
)
_ROUTE_DECORATORS = frozenset(
    {"route", "api_route", "api_view", "action", "post", "put", "patch", "delete", "require_POST",
     "require_http_methods", "csrf_exempt"}
)
_TASK_DECORATORS = frozenset(
    {"task", "shared_task", "periodic_task", "db_task", "db_periodic_task", "actor", "job", "cron",
     "scheduled_job"}
)
_VIEW_METHODS = frozenset(
    {"post", "put", "patch", "delete", "create", "update", "partial_update", "destroy", "form_valid", "dispatch"}
)
_VIEW_BASES = ("View", "ViewSet", "Resource", "Endpoint", "Handler")
_WEBHOOK_WORDS = frozenset({"webhook", "webhooks", "ipn"})
_SCHEDULE_WORDS = ("periodic", "task", "cron", "schedule", "beat")
_ATOMIC_CALLS = frozenset({"atomic", "begin", "begin_nested", "transaction"})
CALLED_FROM = ", called from "


@dataclass(slots=True)
class ModuleFacts:
    index: ModuleIndex
    entry: dict[int, str] = field(default_factory=dict)  # id(function) -> "task `expire_orders`"
    psp: dict[int, str] = field(default_factory=dict)  # id(function) -> "`stripe.PaymentIntent.retrieve`"
    locked: set[int] = field(default_factory=set)  # functions only called with a row lock held

    def racer(self, function: cst.CSTNode | None) -> str:
        """Where this function's writes can meet another actor's: "task `expire_orders`", "code that calls
        `stripe.PaymentIntent.create`" ("" when nothing in the file shows one)."""
        if not isinstance(function, cst.FunctionDef):
            return ""
        entry = self.entry.get(id(function))
        if entry:
            return entry
        psp = self.psp.get(id(function))
        return f"code that calls the PSP ({psp})" if psp else ""


_LAST: list[ModuleFacts] = []


def facts_for(ctx: FileContext) -> ModuleFacts:
    """The facts of the file being walked, built once for the three RB5xx rules."""
    index = index_for(ctx)
    if _LAST and _LAST[0].index is index:
        return _LAST[0]
    facts = ModuleFacts(index)
    functions = [scope.node for scope in index.scopes.values() if isinstance(scope.node, cst.FunctionDef)]
    calls: dict[int, list[tuple[cst.FunctionDef, bool]]] = {}  # callee -> (caller, lock held at the call)
    for function in functions:
        own = _entry(function, index)
        if own:
            facts.entry[id(function)] = own
        for call, held in _calls(function):
            for callee in index.callee(call, function):
                if callee is not function:
                    calls.setdefault(id(callee), []).append((function, held))
            if id(function) not in facts.psp:
                seen = _psp_call(call, function, index)
                if seen:
                    facts.psp[id(function)] = seen
    _spread(facts, functions, calls)
    _LAST[:] = [facts]
    return facts


def _spread(facts: ModuleFacts, functions: Sequence[cst.FunctionDef], calls: dict[int, list[tuple[cst.FunctionDef, bool]]]) -> None:
    """Entries reach what they call; PSP talk reaches callers; a lock reaches functions only called under one."""
    callees: dict[int, dict[int, cst.FunctionDef]] = {}
    by_id = {id(f): f for f in functions}
    for callee_id, sites in calls.items():
        for caller, _ in sites:
            if callee_id in by_id:
                callees.setdefault(id(caller), {})[callee_id] = by_id[callee_id]
    pending = [f for f in functions if id(f) in facts.entry]
    while pending:
        caller = pending.pop()
        root = facts.entry[id(caller)].rsplit(CALLED_FROM, 1)[-1]
        for callee in callees.get(id(caller), {}).values():
            if id(callee) not in facts.entry:
                facts.entry[id(callee)] = f"`{callee.name.value}()`{CALLED_FROM}{root}"
                pending.append(callee)
    pending = [f for f in functions if id(f) in facts.psp]
    while pending:
        callee = pending.pop()
        for caller, _ in calls.get(id(callee), []):
            if id(caller) not in facts.psp:
                facts.psp[id(caller)] = f"{facts.psp[id(callee)]} via `{callee.name.value}()`"
                pending.append(caller)
    # Only called under a lock: every call site holds one, or sits in a function that is itself only called
    # under a lock. A work list: `unlocked[f]` counts f's call sites without a lock in a caller not (yet) known
    # to be locked; a function whose count reaches zero is locked and lowers its callees' counts.
    unlocked = {fid: sum(1 for _, held in sites if not held) for fid, sites in calls.items()}
    pending = [f for f in functions if unlocked.get(id(f)) == 0 and _may_be_locked(facts, f)]
    facts.locked.update(id(f) for f in pending)
    while pending:
        caller = pending.pop()
        for callee in callees.get(id(caller), {}).values():
            cid = id(callee)
            if cid in facts.locked:
                continue
            unlocked[cid] -= sum(1 for site_caller, held in calls[cid] if site_caller is caller and not held)
            if unlocked[cid] <= 0 and _may_be_locked(facts, callee):
                facts.locked.add(cid)
                pending.append(callee)


def _may_be_locked(facts: ModuleFacts, function: cst.FunctionDef) -> bool:
    """A handler or task of its own is entered without its callers' locks."""
    entry = facts.entry.get(id(function), "")
    return not entry or CALLED_FROM in entry


def _entry(function: cst.FunctionDef, index: ModuleIndex) -> str:
    name = function.name.value
    if set(words(name)) & _WEBHOOK_WORDS:
        return f"webhook handler `{name}`"
    for decorator in function.decorators:
        expr = decorator.decorator
        target = expr.func if isinstance(expr, cst.Call) else expr
        last = (dotted_name(target) or "").rsplit(".", 1)[-1]
        if last in _ROUTE_DECORATORS:
            return f"request handler `{name}`"
        if last in _TASK_DECORATORS or last.endswith("_task"):
            return f"task `{name}`"
        if last == "receiver" and isinstance(expr, cst.Call):
            text = " ".join(dotted_name(a.value) or string_value(a.value) or "" for a in expr.args).lower()
            if any(word in text for word in _SCHEDULE_WORDS):
                return f"scheduled task `{name}`"
    owner = index.owner.get(id(function))
    if owner is not None and name in _VIEW_METHODS:
        bases = " ".join(dotted_name(b.value) or "" for b in owner.bases)
        if any(word in bases for word in _VIEW_BASES):
            return f"view `{owner.name.value}.{name}`"
    params = function.params.params
    if owner is None and params and params[0].name.value == "request":
        return f"view `{name}`"
    return ""


def _psp_call(call: cst.Call, function: cst.FunctionDef, index: ModuleIndex) -> str:
    use = psp_use(call, index.scope_of(function), index)
    if use is not None:
        return f"`{use.label}`"
    name = qualified_name(call.func, index.imports)
    if name is not None:
        head = name.split(".", 1)[0]
        written = (dotted_name(call.func) or "").split(".", 1)[0]
        if head in PSP_MODULES and written in index.imports:
            return f"`{name}`"
    money = is_money_call(call)
    if money is not None and not looks_like_orm(call):
        return f"`{money}`"
    return ""


def looks_like_orm(call: cst.Call) -> bool:
    """`order.payments.create(amount=..., state=...)`: a related manager, not a PSP."""
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value == "create" and any(
        a.keyword is not None and a.keyword.value not in ("params", "options", "idempotency_key") for a in call.args
    )


def _calls(function: cst.FunctionDef) -> list[tuple[cst.Call, bool]]:
    """Every call in the function's body (nested functions excluded) and whether a row lock is held there."""
    out: list[tuple[cst.Call, bool]] = []
    _walk_block(statements(function.body), False, out)
    return out


def _walk_block(body: Sequence[cst.CSTNode], held: bool, out: list[tuple[cst.Call, bool]]) -> bool:
    """Walk statements in order; returns whether a lock is held after the block."""
    for stmt in body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            continue
        if isinstance(stmt, cst.SimpleStatementLine):
            locks = False
            for node in descendants(stmt):
                if isinstance(node, cst.Call):
                    out.append((node, held))
                    if isinstance(node.func, cst.Attribute) and node.func.attr.value in LOCKING_CALLS:
                        locks = True
            held = held or locks
            continue
        if isinstance(stmt, cst.With) and is_atomic_block(stmt):
            _walk_block(statements(stmt.body), held, out)  # a lock taken inside ends with the block
            continue
        if isinstance(stmt, cst.BaseCompoundStatement):
            for node in _header_nodes(stmt):
                for inner in descendants(node):
                    if isinstance(inner, cst.Call):
                        out.append((inner, held))
            inner_held = held
            for block in _blocks(stmt):
                inner_held = _walk_block(statements(block), held, out) or inner_held
            held = inner_held
    return held


def _header_nodes(stmt: cst.BaseCompoundStatement) -> list[cst.CSTNode]:
    if isinstance(stmt, (cst.If, cst.While)):
        return [stmt.test]
    if isinstance(stmt, cst.For):
        return [stmt.iter]
    if isinstance(stmt, cst.With):
        return [item.item for item in stmt.items]
    return []


def _blocks(stmt: cst.BaseCompoundStatement) -> list[cst.BaseSuite]:
    out: list[cst.BaseSuite] = [stmt.body]
    orelse = getattr(stmt, "orelse", None)
    if isinstance(orelse, cst.If):
        out.extend(_blocks(orelse))
    elif orelse is not None and hasattr(orelse, "body"):
        out.append(orelse.body)
    out.extend(handler.body for handler in getattr(stmt, "handlers", ()))
    final = getattr(stmt, "finalbody", None)
    if final is not None:
        out.append(final.body)
    return out


def is_atomic_block(node: cst.With) -> bool:
    """`with transaction.atomic():`, `with session.begin():`: a transaction that ends with the block."""
    for item in node.items:
        expr = item.item
        target = expr.func if isinstance(expr, cst.Call) else expr
        if (dotted_name(target) or "").rsplit(".", 1)[-1] in _ATOMIC_CALLS:
            return True
    return False


def is_atomic_function(function: cst.FunctionDef) -> bool:
    """`@transaction.atomic` on the function: its transaction (and any lock taken in it) lasts until it returns."""
    for decorator in function.decorators:
        expr = decorator.decorator
        target = expr.func if isinstance(expr, cst.Call) else expr
        if (dotted_name(target) or "").rsplit(".", 1)[-1] == "atomic":
            return True
    return False
