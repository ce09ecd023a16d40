"""A per-file index for the idempotency rules: functions, classes and their methods, assignments per scope.

Built once per file by one pass over its statements; every question the rules ask of it afterwards (which
function a call runs, what a function returns, what `self.options` holds) is answered from these tables or
memoised per node, so the rules' cost grows with the size of the file, not with its shape (issue #18).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import libcst as cst

from reviewbot.analyzers.python.names import (
    NODE_FIELDS,
    WALKED_NODE_TYPES,
    dotted_name,
    node_fields,
    string_value,
)
from reviewbot.analyzers.python.rule import FileContext
from reviewbot.analyzers.python.rules.idempotency.catalog import Catalog, catalog_for

_SCOPE_TYPES = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})
_PROPERTY_DECORATORS = frozenset({"property", "cached_property", "functools.cached_property"})
_MAX_BASES = 8  # how far up a chain of same-module base classes a method is looked for


@dataclass(slots=True)
class Scope:
    """The names bound in one function (or the module): what a variable may hold."""

    node: cst.FunctionDef | cst.Module
    params: frozenset[str] = frozenset()
    assigns: dict[str, list[cst.BaseExpression]] = field(default_factory=dict)
    # opts["idempotency_key"] = value, and req.headers["PayPal-Request-Id"] = value under "req.headers"
    items: dict[str, list[tuple[str, cst.BaseExpression]]] = field(default_factory=dict)
    # req.pay_pal_request_id(key) as a statement: "req" -> [("pay_pal_request_id", call)]
    calls_on: dict[str, list[tuple[str, cst.Call]]] = field(default_factory=dict)


@dataclass(slots=True)
class ModuleIndex:
    """Built once per file and shared by the four RB3xx rules (see `index_for`)."""

    module: cst.Module
    imports: dict[str, str]
    text_lower: str
    catalog: Catalog
    module_scope: Scope
    # every function of the file by name, wherever it is defined
    functions: dict[str, list[cst.FunctionDef]] = field(default_factory=dict)
    # module-level functions and classes by name (the last definition wins, as at run time)
    module_functions: dict[str, cst.FunctionDef] = field(default_factory=dict)
    classes: dict[str, cst.ClassDef] = field(default_factory=dict)
    # functions defined in a function's body, by id() of the enclosing function
    nested: dict[int, dict[str, cst.FunctionDef]] = field(default_factory=dict)
    # id() of a function -> the function whose body defines it / the class whose body defines it
    enclosing: dict[int, cst.FunctionDef] = field(default_factory=dict)
    owner: dict[int, cst.ClassDef] = field(default_factory=dict)
    # id() of a class -> its methods by name, and what `self.x = ...` / class-level `x = ...` assign
    methods: dict[int, dict[str, cst.FunctionDef]] = field(default_factory=dict)
    attributes: dict[int, dict[str, list[cst.BaseExpression]]] = field(default_factory=dict)
    scopes: dict[int, Scope] = field(default_factory=dict)
    # results the rules share, keyed by id() of a node of this module
    memo: dict[tuple[str, int], object] = field(default_factory=dict)

    def scope_of(self, function: cst.FunctionDef | None) -> Scope:
        if function is None:
            return self.module_scope
        return self.scopes.get(id(function), self.module_scope)

    def class_of(self, function: cst.CSTNode) -> cst.ClassDef | None:
        """The class whose method `function` is, or whose method encloses it."""
        current: cst.CSTNode | None = function
        while isinstance(current, cst.FunctionDef):
            owner = self.owner.get(id(current))
            if owner is not None:
                return owner
            current = self.enclosing.get(id(current))
        return None

    def method(self, cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
        """`name` defined on `cls` or on a base class defined in this module."""
        seen: set[int] = set()
        current: cst.ClassDef | None = cls
        for _ in range(_MAX_BASES):
            if current is None or id(current) in seen:
                return None
            seen.add(id(current))
            found = self.methods.get(id(current), {}).get(name)
            if found is not None:
                return found
            current = self._base_class(current)
        return None

    def _base_class(self, cls: cst.ClassDef) -> cst.ClassDef | None:
        for base in cls.bases:
            name = (dotted_name(base.value) or "").rsplit(".", 1)[-1]
            found = self.classes.get(name)
            if found is not None and found is not cls:
                return found
        return None

    def attribute_values(self, cls: cst.ClassDef, name: str) -> list[cst.BaseExpression]:
        """What `self.<name>` may hold: a property's returns, or what the class assigns to it."""
        function = self.method(cls, name)
        if function is not None:
            if is_property(function):
                return self.returns(function)
            return []
        seen: set[int] = set()
        current: cst.ClassDef | None = cls
        for _ in range(_MAX_BASES):
            if current is None or id(current) in seen:
                break
            seen.add(id(current))
            values = self.attributes.get(id(current), {}).get(name)
            if values:
                return values
            current = self._base_class(current)
        return []

    def callee(self, call: cst.Call, caller: Scope | cst.CSTNode | None = None) -> list[cst.FunctionDef]:
        """The same-module function a call runs: `helper(...)`, `self.helper(...)`, `cls.helper(...)`.

        `helper` is a function nested in the caller or defined at module level; `self.helper` is a method of
        the caller's own class (or a same-module base). At most one function: the rules' cost stays linear.
        """
        function = caller.node if isinstance(caller, Scope) else caller
        func = call.func
        if isinstance(func, cst.Name):
            name = func.value
            current: cst.CSTNode | None = function
            while isinstance(current, cst.FunctionDef):
                found = self.nested.get(id(current), {}).get(name)
                if found is not None:
                    return [found]
                current = self.enclosing.get(id(current))
            if name in self.imports:
                return []
            found = self.module_functions.get(name)
            return [found] if found is not None else []
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value in ("self", "cls")
            and function is not None
        ):
            cls = self.class_of(function)
            if cls is None:
                return []
            found = self.method(cls, func.attr.value)
            return [found] if found is not None else []
        return []

    def is_called(self, function: cst.FunctionDef) -> bool:
        """Whether some code of this file calls `function` (one walk of the file, on first use)."""
        found = self.memo.get(("called", 0))
        if isinstance(found, set):
            return id(function) in found
        called: set[int] = set()
        for owner in (self.module, *(scope.node for scope in self.scopes.values())):
            body = owner.body if isinstance(owner, cst.FunctionDef) else owner
            caller = owner if isinstance(owner, cst.FunctionDef) else None
            for node in descendants(body):
                if isinstance(node, cst.Call):
                    called.update(id(f) for f in self.callee(node, caller))
        self.memo[("called", 0)] = called
        return id(function) in called

    def returns(self, function: cst.FunctionDef) -> list[cst.BaseExpression]:
        """The values a function returns (not looking into nested functions), computed once."""
        key = ("returns", id(function))
        found = self.memo.get(key)
        if isinstance(found, list):
            return found
        values = returns(function)
        self.memo[key] = values
        return values


_LAST: list[ModuleIndex] = []


def index_for(ctx: FileContext) -> ModuleIndex:
    """The index of the file being walked; the four rules build it once between them."""
    catalog = catalog_for(ctx.config.idempotency)
    if _LAST and _LAST[0].module is ctx.module and _LAST[0].catalog is catalog:
        return _LAST[0]
    module_scope = Scope(ctx.module)
    index = ModuleIndex(
        module=ctx.module,
        imports=ctx.imports,
        text_lower=ctx.source.lower(),
        catalog=catalog,
        module_scope=module_scope,
    )
    _collect(ctx.module.body, module_scope, index, None, None)
    _LAST[:] = [index]
    return index


def statements(block: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    """The statements of a block; a one-line suite (`def f(): return x`) becomes one line."""
    if isinstance(block, cst.IndentedBlock):
        return block.body
    if isinstance(block, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=block.body)]
    return []


def is_property(function: cst.FunctionDef) -> bool:
    return any(
        (dotted_name(d.decorator) or "") in _PROPERTY_DECORATORS for d in function.decorators
    )


def _collect(
    body: Sequence[cst.CSTNode],
    scope: Scope,
    index: ModuleIndex,
    cls: cst.ClassDef | None,
    function: cst.FunctionDef | None,
) -> None:
    """Record the functions, classes and assignments of `body`; `cls` is the class whose method (or
    class body) this is, `function` the function whose body it is."""
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                _record(small, scope, index, cls, class_body=function is None and cls is not None)
        elif isinstance(stmt, cst.FunctionDef):
            _function(stmt, index, cls, function)
        elif isinstance(stmt, cst.ClassDef):
            if function is None and cls is None:
                index.classes[stmt.name.value] = stmt
            index.methods.setdefault(id(stmt), {})
            index.attributes.setdefault(id(stmt), {})
            _collect(statements(stmt.body), Scope(index.module), index, stmt, None)
        elif isinstance(stmt, cst.BaseCompoundStatement):
            if isinstance(stmt, cst.With):
                for item in stmt.items:
                    if item.asname is not None and isinstance(item.asname.name, cst.Name):
                        scope.assigns.setdefault(item.asname.name.value, []).append(item.item)
            for block in _blocks(stmt):
                _collect(statements(block), scope, index, cls, function)


def _function(
    stmt: cst.FunctionDef, index: ModuleIndex, cls: cst.ClassDef | None, function: cst.FunctionDef | None
) -> None:
    name = stmt.name.value
    index.functions.setdefault(name, []).append(stmt)
    if function is not None:
        index.nested.setdefault(id(function), {})[name] = stmt
        index.enclosing[id(stmt)] = function
    elif cls is not None:
        index.methods.setdefault(id(cls), {})[name] = stmt
        index.owner[id(stmt)] = cls
    else:
        index.module_functions[name] = stmt
    params = stmt.params
    names = frozenset(
        p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)
    ) | frozenset(p.name.value for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param))
    inner = Scope(stmt, params=names)
    index.scopes[id(stmt)] = inner
    _collect(statements(stmt.body), inner, index, index.owner.get(id(stmt)) or _method_class(index, function), stmt)


def _method_class(index: ModuleIndex, function: cst.FunctionDef | None) -> cst.ClassDef | None:
    return index.class_of(function) if function is not None else None


def _blocks(stmt: cst.BaseCompoundStatement) -> Iterator[cst.BaseSuite]:
    yield stmt.body
    for name in ("orelse", "finalbody"):
        extra = getattr(stmt, name, None)
        if isinstance(extra, cst.If):
            yield from _blocks(extra)
        elif extra is not None and hasattr(extra, "body"):
            yield extra.body
    for handler in getattr(stmt, "handlers", ()):
        yield handler.body
    for case in getattr(stmt, "cases", ()):
        yield case.body


def _record(
    small: cst.BaseSmallStatement, scope: Scope, index: ModuleIndex, cls: cst.ClassDef | None, *, class_body: bool
) -> None:
    targets: list[cst.BaseAssignTargetExpression | cst.BaseExpression] = []
    value: cst.BaseExpression | None = None
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        func = small.value.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            scope.calls_on.setdefault(func.value.value, []).append((func.attr.value, small.value))
        return
    if isinstance(small, cst.Assign):
        targets = [t.target for t in small.targets]
        value = small.value
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        targets = [small.target]
        value = small.value
    if value is None:
        return
    for target in targets:
        if cls is not None and class_body and isinstance(target, cst.Name):
            index.attributes[id(cls)].setdefault(target.value, []).append(value)
        elif (
            cls is not None
            and isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
        ):
            index.attributes.setdefault(id(cls), {}).setdefault(target.attr.value, []).append(value)
        else:
            _bind(target, value, scope)


def _bind(target: cst.BaseExpression, value: cst.BaseExpression, scope: Scope) -> None:
    if isinstance(target, cst.Name):
        scope.assigns.setdefault(target.value, []).append(value)
    elif isinstance(target, cst.Subscript) and len(target.slice) == 1:
        holder = dotted_name(target.value)
        index = target.slice[0].slice
        if holder is not None and holder.count(".") <= 1 and isinstance(index, cst.Index):
            key = string_value(index.value)
            if key is not None:
                scope.items.setdefault(holder, []).append((key, value))


def descendants(node: cst.CSTNode, *, into_scopes: bool = False) -> Iterator[cst.CSTNode]:
    """Every node under `node` in document order (whitespace and comments skipped); nested functions,
    classes and lambdas only if asked."""
    walked = WALKED_NODE_TYPES
    fields_of = NODE_FIELDS
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        yield current
        children: list[cst.CSTNode] = []
        for name in fields_of.get(type(current)) or node_fields(type(current)):
            value = getattr(current, name)
            value_type = type(value)
            if value_type in walked:
                children.append(value)
            elif value_type is tuple or value_type is list:
                children.extend(v for v in value if type(v) in walked)
        if not into_scopes:
            children = [c for c in children if type(c) not in _SCOPE_TYPES]
        stack.extend(reversed(children))


def returns(function: cst.FunctionDef) -> list[cst.BaseExpression]:
    """The values a function returns (not looking into nested functions)."""
    return [
        node.value
        for node in descendants(function.body)
        if isinstance(node, cst.Return) and node.value is not None
    ]
