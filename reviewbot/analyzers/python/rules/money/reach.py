"""Where a value goes: a PSP call, a stored column, a comparison with an amount, an exact amount again
(`int(...)`, `Decimal(...)`), or only a display (JSON export, template, log line).

The money rules ask this of the float they found. What the float reaches is their evidence: a float that
reaches money earns `high`; one that is only serialised for display earns `low`; one whose destination the
rule cannot see stays at what its name says (`medium`). Local variables are followed to their later uses,
and a returned value to the calls of its function in the same module, a few steps deep.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst

from reviewbot.analyzers.python.names import WALKED_NODE_TYPES, call_chain, node_fields
from reviewbot.analyzers.python.rule import FileContext
from reviewbot.analyzers.python.rules.exceptions.effects import payment_write
from reviewbot.analyzers.python.rules.exceptions.money_calls import money_call_strength
from reviewbot.analyzers.python.rules.money.flow import Flow
from reviewbot.analyzers.python.rules.money.shapes import is_reporting_call
from reviewbot.analyzers.python.rules.money.values import is_decimal_constructor, is_money_name
from reviewbot.config import split_words
from reviewbot.core.findings import Confidence

MAX_STEPS = 4  # variables and call sites followed before the rule gives up and says "unknown"

# Calls that only turn a value into text or a document for people or other programs to read.
DISPLAY_CALLS = frozenset(
    {
        "dumps", "dump", "JsonResponse", "render", "render_to_string", "TemplateResponse", "str", "repr",
        "format", "writerow", "writerows", "to_csv", "floatformat", "intcomma", "format_currency",
        "money_filter", "localize", "number_format", "escape", "mark_safe", "gettext", "print",
    }
)
# ORM calls that write the keyword arguments they are given into columns.
ORM_WRITES = frozenset({"create", "update", "get_or_create", "update_or_create", "bulk_create", "filter_update"})
_CONTAINER_ADDS = frozenset({"append", "extend", "add", "insert", "update", "setdefault"})
_PASSTHROUGH = frozenset({"abs", "max", "min", "sum", "float"})
_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


@dataclass(frozen=True, slots=True)
class Reach:
    """How far the rule followed the value, and what it saw there (a clause for the message)."""

    level: Confidence
    why: str
    kind: str = ""  # "psp", "store", "compare", "exact", "display"

    def clause(self) -> str:
        return f"; {self.why}" if self.why else ""


@dataclass(slots=True)
class _Scope:
    root: cst.CSTNode
    parent: dict[int, cst.CSTNode] = field(default_factory=dict)
    order: dict[int, int] = field(default_factory=dict)
    names: dict[str, list[cst.Name]] = field(default_factory=dict)


@dataclass(slots=True)
class _Facts:
    module: cst.Module
    scopes: dict[int, _Scope] = field(default_factory=dict)
    callers: dict[str, list[tuple[cst.Call, cst.CSTNode]]] | None = None


_CURRENT: list[_Facts] = []


def _facts(ctx: FileContext) -> _Facts:
    if not _CURRENT or _CURRENT[0].module is not ctx.module:
        _CURRENT[:] = [_Facts(ctx.module)]
    return _CURRENT[0]


def _build(root: cst.CSTNode) -> _Scope:
    scope = _Scope(root)
    walked = WALKED_NODE_TYPES
    stack: list[cst.CSTNode] = [root]
    while stack:
        node = stack.pop()
        scope.order[id(node)] = len(scope.order)
        if isinstance(node, cst.Name):
            scope.names.setdefault(node.value, []).append(node)
        if isinstance(node, _SCOPES) and node is not root:
            continue
        children: list[cst.CSTNode] = []
        for name in node_fields(type(node)):
            value = getattr(node, name)
            if type(value) in walked:
                children.append(value)
            elif isinstance(value, tuple | list):
                children.extend(v for v in value if type(v) in walked)
        for child in children:
            scope.parent[id(child)] = node
        stack.extend(reversed(children))
    return scope


class Tracer:
    """Follows one value from the node being visited to where it ends up."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.flow = Flow(ctx)

    def reach(self, node: cst.CSTNode) -> Reach | None:
        """Where the value of `node` (a node of the current visit) goes; None: the rule cannot tell."""
        root = self._scope_root()
        return self._from(node, self._scope(root), steps=0)

    def reach_name(self, name: str, after: cst.CSTNode) -> Reach | None:
        """Where the value bound to `name` at `after` (a statement or parameter of the current scope) goes."""
        root = self._scope_root()
        return self._uses(name, after, self._scope(root), steps=0)

    def reach_calls(self, function: cst.FunctionDef) -> Reach | None:
        """Where the calls of `function` in this module send its result."""
        return self._returned(self._scope(function), steps=0)

    # ----------------------------------------------------------------- scopes

    def _scope_root(self) -> cst.CSTNode:
        function = self.ctx.enclosing_function()
        return function if function is not None else self.ctx.module

    def _scope(self, root: cst.CSTNode) -> _Scope:
        facts = _facts(self.ctx)
        scope = facts.scopes.get(id(root))
        if scope is None:
            scope = _build(root)
            facts.scopes[id(root)] = scope
        return scope

    # ----------------------------------------------------------------- the walk up

    def _from(self, node: cst.CSTNode, scope: _Scope, steps: int) -> Reach | None:
        child = node
        while True:
            parent = scope.parent.get(id(child))
            if parent is None:
                return None
            if isinstance(parent, cst.BinaryOperation | cst.UnaryOperation | cst.BooleanOperation):
                child = parent
                continue
            if isinstance(parent, cst.IfExp):
                if child is parent.test:
                    return None
                child = parent
                continue
            if isinstance(parent, cst.Arg | cst.Element | cst.DictElement | cst.StarredElement):
                if isinstance(parent, cst.DictElement) and child is parent.key:
                    return None
                child = parent
                continue
            if isinstance(parent, cst.List | cst.Tuple | cst.Set | cst.Dict | cst.Await):
                child = parent
                continue
            if isinstance(parent, cst.Call):
                found, go_on = self._call(parent, child, scope, steps)
                if go_on:
                    child = parent
                    continue
                return found
            return self._landing(parent, child, scope, steps)

    def _call(
        self, call: cst.Call, child: cst.CSTNode, scope: _Scope, steps: int
    ) -> tuple[Reach | None, bool]:
        """What a call does with an argument: (reach, False), or (None, True) to keep walking up."""
        if child is call.func:
            return None, False
        chain = call_chain(call.func) or ""
        name = chain.rsplit(".", 1)[-1]
        keyword = child.keyword.value if isinstance(child, cst.Arg) and child.keyword is not None else None
        if isinstance(call.func, cst.Name) and name in _PASSTHROUGH:
            return None, True
        if isinstance(call.func, cst.Name) and name == "round":
            if len(call.args) > 1:
                return None, True
            return Reach(Confidence.HIGH, "then rounded to an integer amount by `round(…)`", "exact"), False
        if isinstance(call.func, cst.Name) and name == "int":
            return Reach(Confidence.HIGH, "then truncated to an integer amount by `int(…)`", "exact"), False
        if is_decimal_constructor(call.func, self.ctx.imports) or "decimal" in split_words(name):
            return Reach(Confidence.HIGH, f"then made the Decimal amount by `{chain}(…)`", "exact"), False
        money, strong = money_call_strength(call, self.ctx.imports, self.ctx.config)
        if money is not None and strong:
            return Reach(Confidence.HIGH, f"it reaches `{money}`", "psp"), False
        if payment_write(call) is not None:
            return Reach(Confidence.HIGH, f"it reaches `{chain}`", "store"), False
        if name in ORM_WRITES and keyword is not None and is_money_name(self.ctx.config, keyword):
            return Reach(Confidence.HIGH, f"it is stored in column `{keyword}` by `{chain}`", "store"), False
        if name in DISPLAY_CALLS or is_reporting_call(call):
            return Reach(Confidence.LOW, f"it is only serialised for display by `{chain}`", "display"), False
        if name in _CONTAINER_ADDS and isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Name):
            holder = call.func.value.value
            return self._uses(holder, call, scope, steps + 1), False
        return None, False

    def _landing(self, parent: cst.CSTNode, child: cst.CSTNode, scope: _Scope, steps: int) -> Reach | None:
        if isinstance(parent, cst.Comparison | cst.ComparisonTarget):
            comparison = parent if isinstance(parent, cst.Comparison) else scope.parent.get(id(parent))
            if isinstance(comparison, cst.Comparison):
                return self._compared(comparison, child)
            return None
        if isinstance(parent, cst.FormattedStringExpression):
            return Reach(Confidence.LOW, "it is only formatted into text", "display")
        if isinstance(parent, cst.Assign | cst.AnnAssign | cst.AugAssign) and child is parent.value:
            target = parent.targets[0].target if isinstance(parent, cst.Assign) else parent.target
            return self._stored(target, parent, scope, steps)
        if isinstance(parent, cst.Return):
            return self._returned(scope, steps)
        return None

    def _compared(self, comparison: cst.Comparison, child: cst.CSTNode) -> Reach | None:
        operands = [comparison.left, *(t.comparator for t in comparison.comparisons)]
        for operand in operands:
            if operand is child or _contains(child, operand):
                continue
            if self.flow.value(operand).money:
                return Reach(Confidence.HIGH, f"it is compared with amount `{self.flow.text(operand)}`", "compare")
        return None

    def _stored(self, target: cst.CSTNode, statement: cst.CSTNode, scope: _Scope, steps: int) -> Reach | None:
        if isinstance(target, cst.Name):
            return self._uses(target.value, statement, scope, steps + 1)
        if isinstance(target, cst.Attribute):
            holder = target.value
            attr = target.attr.value
            if isinstance(holder, cst.Name) and self._saved_after(holder.value, statement, scope):
                return Reach(Confidence.HIGH, f"it is stored in `{holder.value}.{attr}` and saved", "store")
            return None
        if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            return self._uses(target.value.value, statement, scope, steps + 1)
        return None

    def _saved_after(self, holder: str, statement: cst.CSTNode, scope: _Scope) -> bool:
        start = scope.order.get(id(statement), 0)
        for use in scope.names.get(holder, ()):
            if scope.order.get(id(use), -1) <= start:
                continue
            attribute = scope.parent.get(id(use))
            call = scope.parent.get(id(attribute)) if attribute is not None else None
            if (
                isinstance(attribute, cst.Attribute)
                and attribute.attr.value in ("save", "commit", "flush")
                and isinstance(call, cst.Call)
            ):
                return True
        return False

    def _uses(self, name: str, after: cst.CSTNode, scope: _Scope, steps: int) -> Reach | None:
        """Combine where every later read of `name` goes: high if any reaches money, low if all only display."""
        if steps > MAX_STEPS:
            return None
        start = scope.order.get(id(after), 0)
        found: list[Reach | None] = []
        for use in scope.names.get(name, ()):
            if scope.order.get(id(use), -1) <= start or not self._is_read(use, scope):
                continue
            found.append(self._from(use, scope, steps))
        return _combine(found)

    def _is_read(self, use: cst.Name, scope: _Scope) -> bool:
        parent = scope.parent.get(id(use))
        if isinstance(parent, cst.Attribute) and (parent.attr is use or parent.attr.value in _CONTAINER_ADDS):
            return False  # `obj.total` is another name; `points.append(...)` adds to the list, it reads nothing
        if isinstance(parent, cst.Arg) and parent.keyword is use:
            return False
        if isinstance(parent, cst.AssignTarget | cst.Param | cst.FunctionDef | cst.ClassDef):
            return False
        if isinstance(parent, cst.AugAssign | cst.AnnAssign) and parent.target is use:
            return False
        return not (isinstance(parent, cst.For) and parent.target is use)

    def _returned(self, scope: _Scope, steps: int) -> Reach | None:
        """A returned value goes wherever the function's callers in this module send it."""
        function = scope.root
        if not isinstance(function, cst.FunctionDef) or steps > MAX_STEPS:
            return None
        found: list[Reach | None] = []
        for call, root in self._callers().get(function.name.value, ()):
            found.append(self._from(call, self._scope(root), steps + 1))
        if not found:
            return None
        return _combine(found)

    def _callers(self) -> dict[str, list[tuple[cst.Call, cst.CSTNode]]]:
        facts = _facts(self.ctx)
        if facts.callers is None:
            facts.callers = {}
            for function, call in _calls_by_scope(self.ctx.module):
                func = call.func
                name = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else None
                if name is not None:
                    facts.callers.setdefault(name, []).append((call, function))
        return facts.callers


def _combine(found: list[Reach | None]) -> Reach | None:
    for item in found:
        if item is not None and item.level is Confidence.HIGH:
            return item
    if found and all(item is not None and item.level is Confidence.LOW for item in found):
        return found[0]
    return None


def _contains(outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
    stack: list[cst.CSTNode] = [outer]
    while stack:
        current = stack.pop()
        if current is inner:
            return True
        stack.extend(current.children)
    return False


def _calls_by_scope(module: cst.Module) -> Iterator[tuple[cst.CSTNode, cst.Call]]:
    """Every call in the module with the function (or the module) whose own body holds it."""
    stack: list[tuple[cst.CSTNode, cst.CSTNode]] = [(module, module)]
    while stack:
        node, scope = stack.pop()
        if isinstance(node, cst.Call):
            yield scope, node
        inner = node if isinstance(node, cst.FunctionDef) else scope
        stack.extend((child, inner) for child in node.children)
