"""What a webhook handler does with the payload it was sent: where the payload is parsed, which names carry
it, and whether its event type or its values decide a money action — also in a module-local handler the
endpoint dispatches the payload to (`func = charge_webhook; func(event)`, `HANDLERS[event["type"]](event)`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst

from reviewbot.analyzers.python.names import call_chain, string_value
from reviewbot.analyzers.python.rule import FileContext
from reviewbot.analyzers.python.rules.exceptions.effects import payment_write
from reviewbot.analyzers.python.rules.exceptions.money_calls import money_call_strength
from reviewbot.config import split_words

# Calls that verify a payload: Stripe construct_event/verify_header, hmac.compare_digest, Adyen
# is_valid_hmac_notification, PayPal verify_webhook_signature, project helpers named verify_*.
VERIFYING_FRAGMENTS = (
    "construct_event", "verify", "compare_digest", "hmac", "signature", "webhook_notification.parse", "authenticat",
)
PARSING_CALLS = frozenset({"loads", "json", "get_json", "construct_from", "model_validate", "model_validate_json",
                           "parse_obj", "parse_raw"})
BODY_ATTRIBUTES = frozenset({"json", "data", "body", "POST", "get_json", "get_data"})
EVENT_KEYS = frozenset({"type", "event_type", "eventCode", "event", "kind", "action", "status"})
_PSP_WORDS = frozenset({"mollie", "stripe", "psp", "gateway", "paypal", "adyen", "braintree", "checkout"})
# States a `mark_*` call sets on a payment (`mark_paid`, `mark_refunded`).
PAYMENT_STATES = frozenset(
    {"paid", "unpaid", "succeeded", "failed", "refunded", "captured", "settled", "fulfilled", "completed",
     "canceled", "cancelled", "declined", "disputed", "authorized", "chargeable", "charged", "reversed"}
)
_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def is_verifying_name(callee: str) -> bool:
    lowered = callee.lower()
    return any(fragment in lowered for fragment in VERIFYING_FRAGMENTS)


def is_event_refetch(callee: str) -> bool:
    """`stripe.Event.retrieve(id)`, `mollie_client.payments.get(id)`: fetching from the PSP proves it is real."""
    parts = callee.split(".")
    words = {w for part in parts[:-1] for w in split_words(part)}
    method = parts[-1]
    if method == "retrieve" and words & {"event", "events"}:
        return True
    return method in ("get", "retrieve") and bool(words & _PSP_WORDS)


def money_action(call: cst.Call, ctx: FileContext) -> str | None:
    """A call that moves money or changes a payment's state: `payment.fail(...)`, `mark_paid(id)`,
    `Reconciler(conn).reconcile(...)`, `stripe.Refund.create(...)`."""
    name, strong = money_call_strength(call, ctx.imports, ctx.config)
    if name is not None and strong:
        return name
    written = payment_write(call)
    if written is not None:
        return written
    chain = call_chain(call.func) or ""
    words = split_words(chain.rsplit(".", 1)[-1])
    if len(words) >= 2 and words[0] in ("mark", "set") and PAYMENT_STATES & set(words[1:]):
        return chain
    return None


@dataclass(slots=True)
class Flow:
    """The payload names of one function and what it does with them."""

    payload: set[str] = field(default_factory=set)
    type_names: set[str] = field(default_factory=set)  # names holding (a test on) the event type
    parses: bool = False
    acts: bool = False
    verified: bool = False
    refetched: bool = False
    decision: str | None = None  # why a money action depends on the unverified payload


def calls_in(node: cst.CSTNode) -> Iterator[cst.Call]:
    for sub in walk(node):
        if isinstance(sub, cst.Call):
            yield sub


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Nodes under `node` in source order, not entering nested functions, classes or lambdas."""
    stack: list[cst.CSTNode] = list(reversed(list(node.children)))
    while stack:
        current = stack.pop()
        yield current
        if not isinstance(current, _SCOPES):
            stack.extend(reversed(list(current.children)))


class Tracer:
    """Follows an unverified payload through one function, and one level into module-local handlers."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.functions: dict[str, cst.FunctionDef] = {}
        self.tables: dict[str, list[str]] = {}  # module dict name -> handler function names
        for stmt in ctx.module.body:
            if isinstance(stmt, cst.FunctionDef):
                self.functions[stmt.name.value] = stmt
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    self._table(small)

    def _table(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Assign | cst.AnnAssign) and isinstance(small.value, cst.Dict):
            target = small.targets[0].target if isinstance(small, cst.Assign) else small.target
            if isinstance(target, cst.Name):
                names = [e.value.value for e in small.value.elements
                         if isinstance(e, cst.DictElement) and isinstance(e.value, cst.Name)]
                if names:
                    self.tables[target.value] = names

    def trace(self, function: cst.FunctionDef, payload: set[str], *, dispatch: bool = True) -> Flow:
        flow = Flow(payload=set(payload))
        handlers: dict[str, list[str]] = {}  # local name -> module functions it may hold
        for node in walk(function.body):
            if isinstance(node, cst.Assign):
                self._bind(node, flow, handlers)
            elif isinstance(node, cst.Call):
                self._call(node, flow, handlers, dispatch)
            elif isinstance(node, cst.Attribute) and node.attr.value in BODY_ATTRIBUTES:
                receiver = call_chain(node.value) or ""
                if "request" in receiver or receiver in ("req", "self.request"):
                    flow.parses = True
            elif isinstance(node, cst.Subscript) and self._is_event_read(node, flow):
                flow.acts = True
            elif isinstance(node, cst.Attribute) and node.attr.value in ("type", "event_type"):
                flow.acts = True
            elif isinstance(node, cst.If | cst.While) and flow.decision is None:
                self._branch(node.test, node, flow)
            elif isinstance(node, cst.Match) and flow.decision is None:
                self._branch(node.subject, node, flow)
            if flow.verified:
                return flow
        return flow

    # ---------------------------------------------------------------- payload names

    def _bind(self, node: cst.Assign, flow: Flow, handlers: dict[str, list[str]]) -> None:
        value = node.value.expression if isinstance(node.value, cst.Await) else node.value
        names = [t.target.value for t in node.targets if isinstance(t.target, cst.Name)]
        if isinstance(value, cst.Name) and value.value in self.functions:
            for name in names:
                handlers.setdefault(name, []).append(value.value)
        table = _table_lookup(value)
        if table is not None and table in self.tables:
            for name in names:
                handlers.setdefault(name, []).extend(self.tables[table])
        if isinstance(value, cst.Call) and _is_lookup(value):
            return  # a record looked up, or the object fetched back from the PSP: not the posted payload
        if self._is_parse(value) or self._is_derived(value, flow):
            flow.payload.update(names)
            if self._has_event_read(value, flow):
                flow.type_names.update(names)

    def _is_parse(self, value: cst.BaseExpression) -> bool:
        for sub in (value, *walk(value)):
            if isinstance(sub, cst.Call):
                callee = call_chain(sub.func) or ""
                if callee.rsplit(".", 1)[-1] in PARSING_CALLS:
                    return True
            if isinstance(sub, cst.Attribute) and sub.attr.value in BODY_ATTRIBUTES:
                receiver = call_chain(sub.value) or ""
                if "request" in receiver or receiver in ("req", "self.request"):
                    return True
        return False

    def _is_derived(self, value: cst.BaseExpression, flow: Flow) -> bool:
        """Data read off the payload (`body["data"]`, `event.get("type")`, `_str(body, "id")`), not a record
        looked up with it (`Order.objects.get(id=payload["id"])`) nor a re-fetch from the provider."""
        return self._mentions(value, flow)

    def _mentions(self, node: cst.CSTNode, flow: Flow) -> bool:
        """Whether a payload name occurs in `node`, outside lookups (`Order.objects.get(id=...)`, a re-fetch)
        whose result is a record the server holds, not the payload."""
        stack: list[cst.CSTNode] = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Name) and current.value in flow.payload:
                return True
            if isinstance(current, cst.Call) and _is_lookup(current):
                if isinstance(current.func, cst.Attribute):
                    stack.append(current.func.value)  # `payload.get("id")` is still the payload
                continue
            if isinstance(current, _SCOPES):
                continue
            stack.extend(current.children)
        return False

    def _is_event_read(self, node: cst.Subscript, flow: Flow) -> bool:
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return False
        key = string_value(node.slice[0].slice.value)
        return key is not None and key in EVENT_KEYS

    def _has_event_read(self, node: cst.CSTNode, flow: Flow) -> bool:
        for sub in (node, *walk(node)):
            if isinstance(sub, cst.Name) and sub.value in flow.type_names:
                return True
            if isinstance(sub, cst.Subscript) and self._is_event_read(sub, flow) and self._mentions(sub.value, flow):
                return True
            if isinstance(sub, cst.Call) and isinstance(sub.func, cst.Attribute) and sub.func.attr.value == "get":
                key = string_value(sub.args[0].value) if sub.args else None
                if key in EVENT_KEYS and self._mentions(sub.func.value, flow):
                    return True
            if (
                isinstance(sub, cst.Attribute)
                and sub.attr.value in ("type", "event_type")
                and self._mentions(sub.value, flow)
            ):
                return True
        return False

    # ---------------------------------------------------------------- what the function does

    def _call(self, node: cst.Call, flow: Flow, handlers: dict[str, list[str]], dispatch: bool) -> None:
        callee = call_chain(node.func) or ""
        if is_verifying_name(callee):
            flow.verified = True
            return
        if is_event_refetch(callee):
            flow.refetched = True
        method = callee.rsplit(".", 1)[-1]
        if method in PARSING_CALLS:
            flow.parses = True
        if any(w in ACTION_WORDS for w in split_words(method)):
            flow.acts = True
        if flow.decision is not None:
            return
        action = money_action(node, self.ctx)
        if action is not None and any(self._mentions(a.value, flow) for a in node.args):
            flow.decision = f"passes the unverified payload to `{action}`"
            return
        if dispatch:
            self._dispatch(node, flow, handlers)

    def _dispatch(self, node: cst.Call, flow: Flow, handlers: dict[str, list[str]]) -> None:
        targets: list[str] = []
        if isinstance(node.func, cst.Name):
            targets = handlers.get(node.func.value) or ([node.func.value] if node.func.value in self.functions else [])
        table = _table_lookup(node.func)
        if table is not None:
            targets = self.tables.get(table, [])
        for target in targets:
            callee = self.functions.get(target)
            if callee is None:
                continue
            params = [p.name.value for p in callee.params.params]
            passed = {
                params[i] for i, arg in enumerate(node.args)
                if arg.keyword is None and i < len(params) and self._mentions(arg.value, flow)
            }
            passed |= {a.keyword.value for a in node.args if a.keyword is not None and self._mentions(a.value, flow)}
            if not passed:
                continue
            inner = self.trace(callee, passed, dispatch=False)
            if inner.decision is not None and not inner.verified:
                flow.decision = f"dispatches it to `{target}`, which {inner.decision}"
                return

    def _branch(self, test: cst.BaseExpression, node: cst.If | cst.While | cst.Match, flow: Flow) -> None:
        """A money action in a branch the event type selects: the `if` body or its `else` (an `elif` has a
        test of its own), or a `case` of a `match` on the type."""
        if not self._has_event_read(test, flow):
            return
        blocks: list[cst.CSTNode] = [node] if isinstance(node, cst.Match) else [node.body]
        if isinstance(node, cst.If | cst.While) and isinstance(node.orelse, cst.Else):
            blocks.append(node.orelse)
        for call in (c for block in blocks for c in calls_in(block)):
            action = money_action(call, self.ctx)
            if action is not None:
                flow.decision = f"calls `{action}` on the unverified event type"
                return


def _is_lookup(call: cst.Call) -> bool:
    callee = call_chain(call.func) or ""
    if is_event_refetch(callee) or is_verifying_name(callee):
        return True
    parts = callee.split(".")
    return (len(parts) > 1 and bool(set(parts[:-1]) & {"objects", "query", "session"})) or parts[-1] in (
        "get_object_or_404", "filter", "select_for_update", "first", "one", "one_or_none", "scalar"
    )


def _table_lookup(node: cst.BaseExpression) -> str | None:
    """`HANDLERS[event_type]` or `HANDLERS.get(event_type)`: the dict's name."""
    if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name):
        return node.value.value
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "get"
        and isinstance(node.func.value, cst.Name)
    ):
        return node.func.value.value
    return None


ACTION_WORDS = frozenset(
    {"save", "update", "delay", "apply", "async", "execute", "commit", "handle", "handler", "process",
     "dispatch", "fulfill", "fulfil", "mark", "capture", "refund", "credit", "debit", "settle", "cancel",
     "complete", "create", "send", "enqueue", "publish", "emit", "record", "apply_async", "reconcile",
     "ingest", "book", "void", "payout", "transfer", "insert", "upsert", "store", "persist", "fail", "confirm"}
)
