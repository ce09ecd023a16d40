"""Is this call a money-moving PSP call from the catalogue, and where (if anywhere) is its key?"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import libcst as cst

from reviewbot.analyzers.python.names import (
    call_chain,
    dotted_name,
    keyword_arg,
    qualified_name,
)
from reviewbot.analyzers.python.rules.idempotency.catalog import Entry, KeyPlace
from reviewbot.analyzers.python.rules.idempotency.http import (
    path_matches,
    url_argument,
    url_segments,
    url_text,
)
from reviewbot.analyzers.python.rules.idempotency.index import ModuleIndex, Scope
from reviewbot.analyzers.python.rules.idempotency.mappings import resolve_mapping
from reviewbot.core.findings import Severity

# Calls that give back an instance of their class: `intent = stripe.PaymentIntent.retrieve(pid)`.
_INSTANCE_FACTORIES = frozenset({"retrieve", "create", "modify", "construct_from", "retrieve_async"})
# Keywords the catalogued `.create` methods take; any other keyword means an ORM related manager
# (`order.refunds.create(amount=...)`), not a PSP SDK.
_SDK_KEYWORDS = frozenset({"params", "options", "idempotency_key", "data", "request", "body"})
# Argument names that hold an id or an amount, never a params/options mapping.
_SCALAR_NAME = re.compile(
    r"(^|_)(id|ids|pk|amount|cents|minor|ref|reference|number|token|currency|uuid)$", re.I
)
_MAX_DEPTH = 4


class KeyStatus(StrEnum):
    PRESENT = "present"
    MISSING = "missing"
    UNKNOWN = "unknown"  # passed through something we cannot see: trusted


@dataclass(frozen=True, slots=True)
class PspUse:
    """A catalogued call as found in the code."""

    label: str
    entries: tuple[Entry, ...]
    status: KeyStatus
    key: cst.BaseExpression | None  # the key's expression when present and visible
    wanted: str  # where the key goes, for messages
    http: bool = False  # a raw HTTP request rather than an SDK call
    built: bool = False  # an SDK request object (`CapturesRefundRequest(...)`), sent later
    # UNKNOWN: the argument we cannot see into (`**self.options`), and whether it is a parameter of the
    # enclosing function (the key, if any, comes from its callers)
    hidden: cst.BaseExpression | None = None
    forwarded: bool = False

    @property
    def verb(self) -> str:
        return "is sent" if self.http else "is built" if self.built else "is called"

    @property
    def severity(self) -> Severity:
        worst = Severity.WARNING
        for entry in self.entries:
            if entry.severity == Severity.ERROR:
                worst = Severity.ERROR
        return worst


def psp_use(call: cst.Call, scope: Scope, index: ModuleIndex) -> PspUse | None:
    """The catalogue rows this call matches, with its key's status; None if it moves no money."""
    memo_key = ("psp", id(call))
    if memo_key in index.memo:
        found = index.memo[memo_key]
        return found if isinstance(found, PspUse) else None
    result = match_call(call, scope, index)
    index.memo[memo_key] = result
    return result


def match_call(call: cst.Call, scope: Scope, index: ModuleIndex) -> PspUse | None:
    func = call.func
    if isinstance(func, cst.Name):
        # `CapturesRefundRequest(capture_id)`: an SDK request class imported by name
        qualified = qualified_name(func, index.imports)
        if qualified is None or "." not in qualified:
            return None
        found = index.catalog.exact.get(qualified, ())
        return _with_key(qualified, found, call, scope, index) if found else None
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    if method in ("post", "request"):
        return _match_http(call, scope, index)
    entries: list[Entry] = []
    label = ""
    qualified = qualified_name(func, index.imports)
    if qualified is not None:
        names = qualified.split(".")
        # `self.stripe.Refund.create`: the SDK module held on an attribute is still the SDK.
        for start in range(max(len(names) - 2, 1)):
            entries.extend(index.catalog.exact.get(".".join(names[start:]), ()))
            if entries:
                break
        label = qualified
    if not entries:
        instance = _instance_class(func.value, scope, index, 0)
        if instance is not None:
            entries.extend(index.catalog.exact.get(f"{instance}.{method}", ()))
            label = f"{instance}.{method}"
    if not entries:
        chain = call_chain(func) or ""
        parts = tuple(chain.split("."))
        for entry in index.catalog.suffix.get(method, ()):
            size = len(entry.segments)
            if len(parts) <= size or parts[-size:] != entry.segments:
                continue
            if entry.spec.module and entry.spec.module.lower() not in index.text_lower:
                continue
            if method == "create" and any(
                a.keyword is not None and a.keyword.value not in _SDK_KEYWORDS for a in call.args
            ):
                continue
            entries.append(entry)
        label = chain
    if not entries:
        return None
    return _with_key(label, tuple(entries), call, scope, index)


def _instance_class(node: cst.BaseExpression, scope: Scope, index: ModuleIndex, depth: int) -> str | None:
    """`stripe.PaymentIntent` for `stripe.PaymentIntent.retrieve(pid)` or a variable bound to it."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(node, cst.Await):
        return _instance_class(node.expression, scope, index, depth + 1)
    if isinstance(node, cst.Call):
        name = qualified_name(node.func, index.imports)
        if name is not None and "." in name:
            owner, _, factory = name.rpartition(".")
            if factory in _INSTANCE_FACTORIES:
                return owner
        return None
    if isinstance(node, cst.Name):
        values = scope.assigns.get(node.value, [])
        if len(values) == 1:
            return _instance_class(values[0], scope, index, depth + 1)
    return None


def _with_key(
    label: str,
    entries: tuple[Entry, ...],
    call: cst.Call,
    scope: Scope,
    index: ModuleIndex,
    *,
    http: bool = False,
) -> PspUse:
    built = isinstance(call.func, cst.Name) or (
        isinstance(call.func, cst.Attribute) and call.func.attr.value[:1].isupper()
    )
    status = KeyStatus.MISSING
    hidden: cst.BaseExpression | None = None
    for entry in entries:
        for place in entry.places:
            found = _lookup(place, call, scope, index, built=built)
            if found.status == KeyStatus.PRESENT:
                return PspUse(label, entries, KeyStatus.PRESENT, found.value, describe(entries[0]), http, built)
            if found.status == KeyStatus.UNKNOWN:
                status = KeyStatus.UNKNOWN
                hidden = hidden or found.value
    forwarded = hidden is not None and _is_parameter(hidden, scope)
    return PspUse(label, entries, status, None, describe(entries[0]), http, built, hidden, forwarded)


def _is_parameter(node: cst.BaseExpression, scope: Scope) -> bool:
    """`**params`, `options`, `kwargs["opts"]`: the key would come from the enclosing function's caller."""
    while isinstance(node, (cst.Subscript, cst.Attribute)) and not (
        isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self"
    ):
        node = node.value
    return isinstance(node, cst.Name) and node.value in scope.params


def describe(entry: Entry) -> str:
    """Where the key goes, for a message: "`idempotency_key=`", "an `Idempotency-Key` header"."""
    texts: list[str] = []
    header_named = False
    for place in entry.places:
        names = "`/`".join(place.names)
        if place.kind == "kwarg":
            texts.append(f"`{names}=`")
        elif place.kind == "options":
            texts.append(f"`{names}` in `options`")
        elif place.kind == "option-dict":
            texts.append(f"the `{names}` option")
        elif place.kind == "param":
            texts.append(f"`{names}` in its params")
        elif place.kind == "header":
            if not header_named:
                name = names or "Idempotency-Key"
                article = "an" if name[:1].lower() in "aeiou" else "a"
                texts.append(f"{article} `{name}` header")
            header_named = True
        else:
            texts.append(f"a `{names}` body field")
    return texts[0] if len(texts) == 1 else f"{texts[0]} or {texts[-1]}"


@dataclass(frozen=True, slots=True)
class Lookup:
    """Where a key place was looked up: PRESENT with the key, UNKNOWN with what hides it, or MISSING."""

    status: KeyStatus
    value: cst.BaseExpression | None = None


_MISSING = Lookup(KeyStatus.MISSING)


def _lookup(place: KeyPlace, call: cst.Call, scope: Scope, index: ModuleIndex, *, built: bool) -> Lookup:
    if place.kind == "kwarg":
        return _lookup_kwarg(place, call, scope, index)
    if place.kind == "header":
        names = tuple(n.lower() for n in place.names) or index.catalog.headers
        found = _lookup_in(_keyword(call, "headers", scope, index), names, scope, index, lower=True)
        if built and found.status == KeyStatus.MISSING:
            return _lookup_on_object(names, call, scope)
        return found
    if place.kind == "body":
        result = _MISSING
        for keyword in ("json", "data"):
            found = _lookup_in(_keyword(call, keyword, scope, index), place.names, scope, index)
            if found.status == KeyStatus.PRESENT:
                return found
            if found.status == KeyStatus.UNKNOWN:
                result = found
        return result
    # options, option-dict, param: a key of some mapping argument
    result = _MISSING
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for arg in call.args:
        mapping = resolve_mapping(arg.value, scope, index, 0)
        for name in place.names:
            if name in mapping.keys:
                return Lookup(KeyStatus.PRESENT, mapping.keys[name])
        if mapping.complete or not _maybe_mapping(arg.value):
            continue
        if place.kind == "options":
            is_options = arg.keyword is not None and arg.keyword.value == "options"
            late_positional = arg in positional[1:]
            if not (is_options or late_positional):
                continue
        result = Lookup(KeyStatus.UNKNOWN, arg.value)
    return result


def _keyword(call: cst.Call, name: str, scope: Scope, index: ModuleIndex) -> cst.Arg | None:
    """`headers=` as written, or as carried by a `**mapping` argument; an unseen mapping may carry it."""
    found = keyword_arg(call, name)
    if found is not None:
        return found
    for arg in call.args:
        if arg.star == "**":
            mapping = resolve_mapping(arg.value, scope, index, 0)
            if name in mapping.keys:
                return cst.Arg(mapping.keys[name])
            if not mapping.complete:
                return cst.Arg(arg.value)
    return None


def _lookup_kwarg(place: KeyPlace, call: cst.Call, scope: Scope, index: ModuleIndex) -> Lookup:
    result = _MISSING
    positional = 0
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value in place.names:
                return Lookup(KeyStatus.PRESENT, arg.value)
            continue
        if arg.star == "**":
            mapping = resolve_mapping(arg.value, scope, index, 0)
            for name in place.names:
                if name in mapping.keys:
                    return Lookup(KeyStatus.PRESENT, mapping.keys[name])
            if not mapping.complete:
                result = Lookup(KeyStatus.UNKNOWN, arg.value)
        elif arg.star == "*":
            if place.position is not None:
                result = Lookup(KeyStatus.UNKNOWN, arg.value)
        else:
            if place.position is not None and positional == place.position:
                return Lookup(KeyStatus.PRESENT, arg.value)
            positional += 1
    return result


def _lookup_in(
    arg: cst.Arg | None,
    names: tuple[str, ...],
    scope: Scope,
    index: ModuleIndex,
    *,
    lower: bool = False,
) -> Lookup:
    if arg is None:
        return _MISSING
    mapping = resolve_mapping(arg.value, scope, index, 0)
    for key, value in mapping.keys.items():
        if (key.lower() if lower else key) in names:
            return Lookup(KeyStatus.PRESENT, value)
    return _MISSING if mapping.complete else Lookup(KeyStatus.UNKNOWN, arg.value)


def _lookup_on_object(names: tuple[str, ...], call: cst.Call, scope: Scope) -> Lookup:
    """An SDK request object's header: `req.headers["PayPal-Request-Id"] = key` or `req.pay_pal_request_id(key)`
    on the variable the call is assigned to."""
    var = next((name for name, values in scope.assigns.items() if any(v is call for v in values)), None)
    if var is None:
        return _MISSING
    for key, value in scope.items.get(f"{var}.headers", []):
        if key.lower() in names:
            return Lookup(KeyStatus.PRESENT, value)
    squashed = {n.replace("-", "").replace("_", "") for n in names}
    for method, setter in scope.calls_on.get(var, []):
        if method.replace("_", "").lower() in squashed and setter.args:
            return Lookup(KeyStatus.PRESENT, setter.args[0].value)
    return _MISSING


# Calls that make a scalar, never a mapping: `str(payment.amount)`, `Decimal(total)`.
_SCALAR_CALLS = frozenset({"str", "int", "float", "Decimal", "format", "len", "round", "abs", "bool", "repr"})


def _maybe_mapping(node: cst.BaseExpression) -> bool:
    if isinstance(
        node, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.BinaryOperation)
    ):
        return False
    if isinstance(node, cst.Call):
        return (dotted_name(node.func) or "").rsplit(".", 1)[-1] not in _SCALAR_CALLS
    name = (
        node.value
        if isinstance(node, cst.Name)
        else node.attr.value
        if isinstance(node, cst.Attribute)
        else ""
    )
    return not (name and _SCALAR_NAME.search(name))


# ---------------------------------------------------------------- HTTP


def _match_http(call: cst.Call, scope: Scope, index: ModuleIndex) -> PspUse | None:
    url = url_argument(call, scope)
    if url is None:
        return None
    segments = url_segments(url_text(url, scope, index, 0))
    entries = tuple(e for e in index.catalog.http if path_matches(segments, e.segments))
    if not entries:
        return None
    shown = "/".join("{id}" if s == "*" else s for s in entries[0].segments)
    return _with_key(f"POST …/{shown}", entries, call, scope, index, http=True)
