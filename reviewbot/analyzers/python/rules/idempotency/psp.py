"""Is this call a money-moving PSP call from the catalogue, and where (if anywhere) is its key?"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import libcst as cst

from reviewbot.analyzers.python.names import call_chain, keyword_arg, qualified_name, string_value
from reviewbot.analyzers.python.rule import FileContext
from reviewbot.analyzers.python.rules.idempotency.catalog import Entry, KeyPlace
from reviewbot.analyzers.python.rules.idempotency.index import ModuleIndex, Scope, index_for
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

    @property
    def verb(self) -> str:
        return "is sent" if self.http else "is called"

    @property
    def severity(self) -> Severity:
        worst = Severity.WARNING
        for entry in self.entries:
            if entry.severity == Severity.ERROR:
                worst = Severity.ERROR
        return worst


@dataclass(frozen=True, slots=True)
class CallSite:
    """A catalogued call being visited, with what the rules need to judge it."""

    use: PspUse
    scope: Scope
    index: ModuleIndex


def psp_call_at(ctx: FileContext, call: cst.Call) -> CallSite | None:
    """The catalogued money-moving call at the node being visited (decorators excluded)."""
    parent = ctx.parent
    if isinstance(parent, cst.Decorator) or (isinstance(parent, cst.Call) and parent.func is call):
        return None  # `@router.post("/payments")`, `router.post("/payments")(handler)`: routes
    index = index_for(ctx)
    scope = index.scope_of(ctx.enclosing_function())
    use = psp_use(call, scope, index)
    return CallSite(use, scope, index) if use is not None else None


def psp_use(call: cst.Call, scope: Scope, index: ModuleIndex) -> PspUse | None:
    """The catalogue rows this call matches, with its key's status; None if it moves no money."""
    memo_key = ("psp", id(call))
    if memo_key in index.memo:
        found = index.memo[memo_key]
        return found if isinstance(found, PspUse) else None
    result = _match(call, scope, index)
    index.memo[memo_key] = result
    return result


def _match(call: cst.Call, scope: Scope, index: ModuleIndex) -> PspUse | None:
    func = call.func
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
    status = KeyStatus.MISSING
    for entry in entries:
        for place in entry.places:
            found, value = _lookup(place, call, scope, index)
            if found == KeyStatus.PRESENT:
                return PspUse(label, entries, KeyStatus.PRESENT, value, describe(entries[0]), http)
            if found == KeyStatus.UNKNOWN:
                status = KeyStatus.UNKNOWN
    return PspUse(label, entries, status, None, describe(entries[0]), http)


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
                texts.append(f"an `{names or 'Idempotency-Key'}` header")
            header_named = True
        else:
            texts.append(f"a `{names}` body field")
    return texts[0] if len(texts) == 1 else f"{texts[0]} or {texts[-1]}"


def _lookup(
    place: KeyPlace, call: cst.Call, scope: Scope, index: ModuleIndex
) -> tuple[KeyStatus, cst.BaseExpression | None]:
    if place.kind == "kwarg":
        return _lookup_kwarg(place, call, scope, index)
    if place.kind == "header":
        names = tuple(n.lower() for n in place.names) or index.catalog.headers
        return _lookup_in(keyword_arg(call, "headers"), names, scope, index, lower=True)
    if place.kind == "body":
        result: tuple[KeyStatus, cst.BaseExpression | None] = (KeyStatus.MISSING, None)
        for keyword in ("json", "data"):
            found = _lookup_in(keyword_arg(call, keyword), place.names, scope, index)
            if found[0] == KeyStatus.PRESENT:
                return found
            if found[0] == KeyStatus.UNKNOWN:
                result = found
        return result
    # options, option-dict, param: a key of some mapping argument
    status = KeyStatus.MISSING
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for arg in call.args:
        mapping = resolve_mapping(arg.value, scope, index, 0)
        for name in place.names:
            if name in mapping.keys:
                return KeyStatus.PRESENT, mapping.keys[name]
        if mapping.complete or not _maybe_mapping(arg.value):
            continue
        if place.kind == "options":
            is_options = arg.keyword is not None and arg.keyword.value == "options"
            late_positional = arg in positional[1:]
            if not (is_options or late_positional):
                continue
        status = KeyStatus.UNKNOWN
    return status, None


def _lookup_kwarg(
    place: KeyPlace, call: cst.Call, scope: Scope, index: ModuleIndex
) -> tuple[KeyStatus, cst.BaseExpression | None]:
    status = KeyStatus.MISSING
    positional = 0
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value in place.names:
                return KeyStatus.PRESENT, arg.value
            continue
        if arg.star == "**":
            mapping = resolve_mapping(arg.value, scope, index, 0)
            for name in place.names:
                if name in mapping.keys:
                    return KeyStatus.PRESENT, mapping.keys[name]
            if not mapping.complete:
                status = KeyStatus.UNKNOWN
        elif arg.star == "*":
            if place.position is not None:
                status = KeyStatus.UNKNOWN
        else:
            if place.position is not None and positional == place.position:
                return KeyStatus.PRESENT, arg.value
            positional += 1
    return status, None


def _lookup_in(
    arg: cst.Arg | None,
    names: tuple[str, ...],
    scope: Scope,
    index: ModuleIndex,
    *,
    lower: bool = False,
) -> tuple[KeyStatus, cst.BaseExpression | None]:
    if arg is None:
        return KeyStatus.MISSING, None
    mapping = resolve_mapping(arg.value, scope, index, 0)
    for key, value in mapping.keys.items():
        if (key.lower() if lower else key) in names:
            return KeyStatus.PRESENT, value
    return (KeyStatus.MISSING if mapping.complete else KeyStatus.UNKNOWN), None


def _maybe_mapping(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString, cst.Integer)):
        return False
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
    assert isinstance(call.func, cst.Attribute)
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    url_arg = keyword_arg(call, "url")
    url: cst.BaseExpression | None = url_arg.value if url_arg is not None else None
    if call.func.attr.value == "request":
        method_arg = keyword_arg(call, "method")
        method = method_arg.value if method_arg is not None else (positional[0] if positional else None)
        if method is None or (string_value(method) or "").upper() != "POST":
            return None
        if url is None and len(positional) > 1:
            url = positional[1]
    elif url is None and positional:
        url = positional[0]
    if url is None:
        return None
    segments = url_segments(url_text(url, scope, index, 0))
    entries = tuple(e for e in index.catalog.http if _path_matches(segments, e.segments))
    if not entries:
        return None
    shown = "/".join("{id}" if s == "*" else s for s in entries[0].segments)
    return _with_key(f"POST …/{shown}", entries, call, scope, index, http=True)


def url_text(node: cst.BaseExpression, scope: Scope, index: ModuleIndex, depth: int) -> str:
    """The literal text of a URL expression, each dynamic part as "{}"."""
    if depth > _MAX_DEPTH:
        return "{}"
    literal = string_value(node)
    if literal is not None:
        return literal
    if isinstance(node, cst.FormattedString):
        return "".join(
            part.value if isinstance(part, cst.FormattedStringText) else "{}" for part in node.parts
        )
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return url_text(node.left, scope, index, depth + 1) + url_text(node.right, scope, index, depth + 1)
    if isinstance(node, cst.Name):
        values = scope.assigns.get(node.value) or index.module_scope.assigns.get(node.value) or []
        if len(values) == 1:
            return url_text(values[0], scope, index, depth + 1)
    if isinstance(node, cst.Call) and isinstance(node.func, (cst.Name, cst.Attribute)):
        name = node.func.value if isinstance(node.func, cst.Name) else node.func.attr.value
        if name.endswith("join"):
            return "/".join(url_text(a.value, scope, index, depth + 1).strip("/") for a in node.args)
    return "{}"


def url_segments(text: str) -> tuple[str, ...]:
    path = text.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return tuple(s for s in path.split("/") if s)


def _path_matches(path: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    if not pattern or len(path) < len(pattern):
        return False
    tail = path[-len(pattern) :]
    for have, want in zip(tail, pattern, strict=True):
        if want == "*":
            continue
        if have != want:
            return False
    return True
