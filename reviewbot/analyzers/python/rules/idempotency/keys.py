"""Key stability: is an idempotency key's expression new on every attempt?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from reviewbot.analyzers.python.names import dotted_name, qualified_name, string_value
from reviewbot.analyzers.python.rules.idempotency.index import ModuleIndex, Scope

# Values that differ on every evaluation (research §4): random ids, clocks.
_FRESH_CALLS = frozenset(
    {
        "uuid.uuid1",
        "uuid.uuid4",
        "uuid.uuid6",
        "uuid.uuid7",
        "uuid6.uuid7",
        "uuid_utils.uuid4",
        "uuid_utils.uuid7",
        "os.urandom",
        "time.time",
        "time.time_ns",
        "time.monotonic",
        "time.monotonic_ns",
        "time.perf_counter",
        "time.perf_counter_ns",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "django.utils.timezone.now",
        "ulid.new",
        "ulid.ULID",
        "ulid.ulid",
        "nanoid.generate",
        "shortuuid.uuid",
        "arrow.now",
        "arrow.utcnow",
        "pendulum.now",
    }
)
# `date.today()`, `now().date()` and `f"{now():%Y-%m-%d}"` are deliberate per-day keys (a daily
# payout): stable for every retry on the same day, so not reported.
_TIME_DIRECTIVES = ("%H", "%I", "%M", "%S", "%f", "%s", "%X", "%T", "%c", "%p")
_FRESH_MODULES = ("random.", "secrets.")
_CLOCK_MODULES = ("time.", "datetime.", "django.utils.timezone.", "arrow.", "pendulum.")
# Without an import we cannot resolve (`from x import *`), these names still mean fresh.
_FRESH_BARE = frozenset({"uuid4", "uuid1", "uuid7", "token_hex", "token_urlsafe", "urandom"})
# Names that count attempts: a key built from one changes on every retry.
COUNTER_NAMES = frozenset(
    {
        "attempt",
        "attempts",
        "attempt_no",
        "attempt_number",
        "retry",
        "retries",
        "retry_count",
        "retry_number",
        "num_retries",
        "tries",
        "try_count",
        "n_tries",
        "tries_left",
    }
)
_COUNTER_ATTRS = frozenset({"retries", "attempt_number"})  # Celery self.request.retries, tenacity
_MAX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Instability:
    """Why a key changes between attempts."""

    source: str  # "`uuid.uuid4()`", "`attempt`"
    counter: bool  # a retry counter rather than a random or clock value
    via: str = ""  # "`new_key()`" when it comes from a same-module helper
    clock: bool = False  # a time value, which a date format may coarsen to a stable day


def instability(
    node: cst.BaseExpression, scope: Scope, index: ModuleIndex, counters: frozenset[str]
) -> Instability | None:
    """The random, clock or retry-counter value the key is made from, if any."""
    return _Walker(index, counters).walk(node, scope, 0)


class _Walker:
    def __init__(self, index: ModuleIndex, counters: frozenset[str]) -> None:
        self.index = index
        self.counters = counters
        self.seen: set[tuple[int, str]] = set()

    def walk(self, node: cst.BaseExpression, scope: Scope, depth: int) -> Instability | None:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, cst.Call):
            return self._call(node, scope, depth)
        if isinstance(node, cst.Name):
            return self._name(node.value, scope, depth)
        if isinstance(node, cst.Attribute):
            if node.attr.value in _COUNTER_ATTRS:
                return Instability(f"`{dotted_name(node) or node.attr.value}`", counter=True)
            return self._base(node.value, scope, depth)
        if isinstance(node, cst.Subscript):
            found = self._base(node.value, scope, depth)
            for element in node.slice:
                if found is None and isinstance(element.slice, cst.Index):
                    found = self.walk(element.slice.value, scope, depth + 1)
            return found
        return self._children(node, scope, depth)

    def _children(self, node: cst.BaseExpression, scope: Scope, depth: int) -> Instability | None:
        parts: list[cst.BaseExpression] = []
        if isinstance(node, cst.FormattedString):
            for piece in node.parts:
                if not isinstance(piece, cst.FormattedStringExpression):
                    continue
                found = self.walk(piece.expression, scope, depth + 1)
                if found is not None and not (found.clock and _is_day_format(piece.format_spec)):
                    return found
            return None
        if isinstance(node, (cst.BinaryOperation, cst.BooleanOperation)):
            parts = [node.left, node.right]
        elif isinstance(node, cst.IfExp):
            parts = [node.body, node.orelse]
        elif isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            parts = [e.value for e in node.elements]
        elif isinstance(node, cst.Await):
            parts = [node.expression]
        for part in parts:
            found = self.walk(part, scope, depth + 1)
            if found is not None:
                return found
        return None

    def _base(self, node: cst.BaseExpression, scope: Scope, depth: int) -> Instability | None:
        """The object an attribute or item is read from: a stored value unless it is computed."""
        if isinstance(node, cst.Name):
            return None  # `order.id`, `request.headers[...]`: a column or an incoming value
        return self.walk(node, scope, depth + 1)

    def _call(self, node: cst.Call, scope: Scope, depth: int) -> Instability | None:
        name = qualified_name(node.func, self.index.imports)
        written = dotted_name(node.func)
        if name is not None and (
            name in _FRESH_CALLS
            or name.startswith(_FRESH_MODULES)
            or ("." not in name and name in _FRESH_BARE and name not in self.index.functions)
        ):
            return Instability(f"`{written}()`", counter=False, clock=name.startswith(_CLOCK_MODULES))
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("date", "strftime"):
            pattern = string_value(node.args[0].value) if node.args else None
            if func.attr.value == "date" or (pattern is not None and not _has_time(pattern)):
                return None  # reduced to a day
        for helper in self.index.callee(node, scope):
            for value in self.index.returns(helper):
                found = self.walk(value, self.index.scope_of(helper), depth + 1)
                if found is not None:
                    via = found.via or f"`{helper.name.value}()`"
                    return Instability(found.source, found.counter, via, found.clock)
        if isinstance(func, cst.Attribute):
            head = (dotted_name(func.value) or "").split(".")[0]
            if head not in self.index.imports:
                found = self.walk(func.value, scope, depth + 1)
                if found is not None:
                    return found
        for arg in node.args:
            found = self.walk(arg.value, scope, depth + 1)
            if found is not None:
                return found
        return None

    def _name(self, name: str, scope: Scope, depth: int) -> Instability | None:
        if name in self.counters or name.lower() in COUNTER_NAMES:
            return Instability(f"`{name}`", counter=True)
        marker = (id(scope.node), name)
        if marker in self.seen or scope is self.index.module_scope:
            return None  # module constants are computed once per process, not per attempt
        self.seen.add(marker)
        for value in scope.assigns.get(name, []):
            found = self.walk(value, scope, depth + 1)
            if found is not None:
                return found
        return None


def _has_time(pattern: str) -> bool:
    return any(directive in pattern for directive in _TIME_DIRECTIVES)


def _is_day_format(spec: Sequence[cst.BaseFormattedStringContent] | None) -> bool:
    if not spec:
        return False
    text = "".join(p.value for p in spec if isinstance(p, cst.FormattedStringText))
    return bool(text) and not _has_time(text)
