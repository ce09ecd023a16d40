"""Web handlers: which functions answer a POST/PUT, what money they move, whether they read a key."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from reviewbot.analyzers.python.names import dotted_name, string_value
from reviewbot.analyzers.python.rules.idempotency.index import ModuleIndex, Scope, descendants
from reviewbot.analyzers.python.rules.idempotency.psp import psp_use
from reviewbot.analyzers.python.rules.idempotency.sites import wrapped_call
from reviewbot.config import split_words

_ROUTE_METHODS = frozenset({"post", "put"})
_ROUTE_WITH_METHODS = frozenset({"route", "api_route", "api_view", "require_http_methods", "add_route"})
_VIEW_BASES = ("View", "APIView", "ViewSet", "Resource", "Endpoint", "Handler")
# PSP-initiated requests: deduped by the event id, checked by RB703, not by a client's key.
_WEBHOOK_WORDS = ("webhook", "ipn", "notification", "callback")
# A model whose name ends in one of these is a money movement row (`Payment`, `StripeCharge`).
_MONEY_ROW_WORDS = frozenset(
    {
        "payment",
        "payments",
        "charge",
        "charges",
        "refund",
        "refunds",
        "payout",
        "payouts",
        "transfer",
        "transfers",
        "capture",
        "captures",
        "intent",
    }
)
_INSERT_SQL = re.compile(r"\binsert\s+into\s+[\"`]?(\w+)", re.IGNORECASE)


# A route whose last segment names a money movement creates one (`POST /v1/charges`, `/orders/{id}/pay`).
_MONEY_ROUTE_WORDS = frozenset(
    {
        "payments",
        "charges",
        "refunds",
        "payouts",
        "transfers",
        "captures",
        "payment_intents",
        "pay",
        "charge",
        "refund",
        "payout",
        "transfer",
        "capture",
        "confirm",
    }
)


@dataclass(frozen=True, slots=True)
class Handler:
    method: str  # "POST" or "PUT"
    name: str
    route: str = ""

    @property
    def is_money_route(self) -> bool:
        segments = [s for s in self.route.split("?", 1)[0].split("/") if s]
        return bool(segments) and segments[-1].lower() in _MONEY_ROUTE_WORDS


def http_handler(function: cst.FunctionDef, parents: Sequence[cst.CSTNode]) -> Handler | None:
    """A POST/PUT handler of FastAPI, Starlette, Flask, aiohttp, Django or DRF, not a webhook."""
    name = function.name.value
    method: str | None = None
    route = ""
    for decorator in function.decorators:
        expr = decorator.decorator
        target = expr.func if isinstance(expr, cst.Call) else expr
        last = (dotted_name(target) or "").rsplit(".", 1)[-1]
        if last in _ROUTE_METHODS:
            method = last.upper()
        elif last in _ROUTE_WITH_METHODS and isinstance(expr, cst.Call):
            method = _declared_method(expr)
        elif last == "require_POST":
            method = "POST"
        if isinstance(expr, cst.Call) and expr.args:
            route += string_value(expr.args[0].value) or ""
    owner = _owner_class(parents)
    if method is None and owner is not None and _is_view(owner):
        if name in _ROUTE_METHODS:
            method = name.upper()
        elif name == "create" and "ViewSet" in (_bases(owner) or ""):
            method = "POST"
    if method is None and _is_function_view_on_post(function):
        method = "POST"
    if method is None:
        return None
    words = f"{route} {name} {owner.name.value if owner is not None else ''}".lower()
    if any(word in words for word in _WEBHOOK_WORDS):
        return None
    return Handler(method, name, route)


def _declared_method(call: cst.Call) -> str | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value != "methods":
            continue
        if isinstance(arg.value, (cst.List, cst.Tuple, cst.Set)):
            methods = {(string_value(e.value) or "").upper() for e in arg.value.elements}
            for wanted in ("POST", "PUT"):
                if wanted in methods:
                    return wanted
    return None


def _owner_class(parents: Sequence[cst.CSTNode]) -> cst.ClassDef | None:
    for node in reversed(parents):
        if isinstance(node, cst.FunctionDef):
            return None
        if isinstance(node, cst.ClassDef):
            return node
    return None


def _bases(owner: cst.ClassDef) -> str:
    return " ".join(dotted_name(base.value) or "" for base in owner.bases)


def _is_view(owner: cst.ClassDef) -> bool:
    bases = _bases(owner)
    return any(word in bases for word in _VIEW_BASES)


def _is_function_view_on_post(function: cst.FunctionDef) -> bool:
    """A Django function view that branches on `request.method == "POST"`."""
    params = function.params.params
    if not params or params[0].name.value != "request":
        return False
    for node in descendants(function.body):
        if isinstance(node, cst.Comparison) and dotted_name(node.left) == "request.method":
            if any(string_value(c.comparator) == "POST" for c in node.comparisons):
                return True
    return False


def money_effect(function: cst.FunctionDef, index: ModuleIndex) -> str | None:
    """What the function does that moves money: "calls `stripe.Refund.create`", "inserts a `Payment` row".

    Same-module functions it calls are followed to any depth; each function's answer is computed once
    per file (a function being computed counts as moving none, which ends recursion).
    """
    key = ("money", id(function))
    if key in index.memo:
        found = index.memo[key]
        return found if isinstance(found, str) else None
    index.memo[key] = None
    result = _money_effect(function, index)
    index.memo[key] = result
    return result


def _money_effect(function: cst.FunctionDef, index: ModuleIndex) -> str | None:
    scope = index.scope_of(function)
    for node in descendants(function.body):
        if isinstance(node, cst.Call):
            use = psp_use(node, scope, index)
            if use is not None:
                return f"calls `{use.label}`"
            site = wrapped_call(node, scope, index)
            if site is not None:
                return f"calls {site.label}"
            row = _inserted_row(node, scope)
            if row is not None:
                return f"inserts a `{row}` row"
            for helper in index.callee(node, function):
                found = money_effect(helper, index)
                if found is not None:
                    return f"{found} via `{helper.name.value}()`"
        elif isinstance(node, (cst.SimpleString, cst.FormattedStringText)):
            match = _INSERT_SQL.search(node.value)
            if match and _is_money_row(match.group(1)):
                return f"inserts into `{match.group(1)}`"
    return None


def _inserted_row(call: cst.Call, scope: Scope) -> str | None:
    name = dotted_name(call.func) or ""
    parts = name.split(".")
    if len(parts) >= 3 and parts[-2] == "objects" and parts[-1] in ("create", "bulk_create"):
        return parts[-3] if _is_money_row(parts[-3]) else None
    if len(parts) == 2 and parts[-1] == "create" and parts[0][:1].isupper():
        return parts[0] if _is_money_row(parts[0]) else None  # Tortoise/peewee `Payment.create(...)`
    if parts[-1] in ("add", "add_all") and call.args:
        value = call.args[0].value
        if isinstance(value, cst.Name) and len(scope.assigns.get(value.value, [])) == 1:
            value = scope.assigns[value.value][0]  # `refund = Refund(...); session.add(refund)`
        if isinstance(value, cst.Call):
            model = (dotted_name(value.func) or "").rsplit(".", 1)[-1]
            if model[:1].isupper() and _is_money_row(model):
                return model
    if parts[-1] == "insert" and call.args:
        model = (dotted_name(call.args[0].value) or "").rsplit(".", 1)[-1]
        if _is_money_row(model):
            return model
    return None


def _is_money_row(name: str) -> bool:
    words = split_words(name)
    return bool(words) and words[-1] in _MONEY_ROW_WORDS


def reads_idempotency_key(function: cst.FunctionDef, index: ModuleIndex, headers: tuple[str, ...]) -> bool:
    """The handler (or a same-module function it calls, to any depth) reads an Idempotency-Key header or
    the like; computed once per function and file."""
    key = ("reads-key", id(function))
    if key in index.memo:
        return index.memo[key] is True
    index.memo[key] = False
    result = _reads_idempotency_key(function, index, headers)
    index.memo[key] = result
    return result


def _reads_idempotency_key(function: cst.FunctionDef, index: ModuleIndex, headers: tuple[str, ...]) -> bool:
    params = function.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if "idempot" in param.name.value.lower():
            return True
        if param.default is not None and _mentions_key(param.default, headers):
            return True
    for decorator in function.decorators:
        if "idempot" in (dotted_name(_decorator_target(decorator)) or "").lower():
            return True
    calls: list[cst.Call] = []
    for node in descendants(function.body):
        if _mentions_key_at(node, headers):
            return True
        if isinstance(node, cst.Call):
            calls.append(node)
    for call in calls:
        for helper in index.callee(call, function):
            if reads_idempotency_key(helper, index, headers):
                return True
    return False


def _decorator_target(decorator: cst.Decorator) -> cst.BaseExpression:
    expr = decorator.decorator
    return expr.func if isinstance(expr, cst.Call) else expr


def _mentions_key(node: cst.CSTNode, headers: tuple[str, ...]) -> bool:
    """A header-name literal (`"Idempotency-Key"`, `"HTTP_IDEMPOTENCY_KEY"`) or a call of an idempotency helper."""
    return any(_mentions_key_at(inner, headers) for inner in descendants(node))


def _mentions_key_at(inner: cst.CSTNode, headers: tuple[str, ...]) -> bool:
    if isinstance(inner, cst.SimpleString):
        text = (string_value(inner) or "").lower()
        return text in headers or (text.startswith("http_") and text[5:].replace("_", "-") in headers)
    if isinstance(inner, cst.Call):
        return "idempot" in (dotted_name(inner.func) or "").lower()
    return False
