"""A per-file index for the idempotency rules: functions by name, assignments per scope, a walker."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import libcst as cst

from reviewbot.analyzers.python.names import node_fields, string_value
from reviewbot.analyzers.python.rule import FileContext
from reviewbot.analyzers.python.rules.idempotency.catalog import Catalog, catalog_for

_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


@dataclass(slots=True)
class Scope:
    """The names bound in one function (or the module): what a variable may hold."""

    node: cst.FunctionDef | cst.Module
    params: frozenset[str] = frozenset()
    assigns: dict[str, list[cst.BaseExpression]] = field(default_factory=dict)
    # opts["idempotency_key"] = value
    items: dict[str, list[tuple[str, cst.BaseExpression]]] = field(default_factory=dict)


@dataclass(slots=True)
class ModuleIndex:
    """Built once per file and shared by the four RB3xx rules (see `index_for`)."""

    module: cst.Module
    imports: dict[str, str]
    text_lower: str
    catalog: Catalog
    module_scope: Scope
    functions: dict[str, list[cst.FunctionDef]] = field(default_factory=dict)
    scopes: dict[int, Scope] = field(default_factory=dict)
    # results the rules share, keyed by id() of a node of this module
    memo: dict[tuple[str, int], object] = field(default_factory=dict)

    def scope_of(self, function: cst.FunctionDef | None) -> Scope:
        if function is None:
            return self.module_scope
        return self.scopes.get(id(function), self.module_scope)

    def callee(self, call: cst.Call) -> list[cst.FunctionDef]:
        """Same-module functions a call may run: `helper(...)`, `self.helper(...)`, `cls.helper(...)`."""
        func = call.func
        if isinstance(func, cst.Name) and func.value not in self.imports:
            return self.functions.get(func.value, [])
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value in ("self", "cls")
        ):
            return self.functions.get(func.attr.value, [])
        return []


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
    _collect(ctx.module.body, module_scope, index)
    _LAST[:] = [index]
    return index


def statements(block: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    """The statements of a block; a one-line suite (`def f(): return x`) becomes one line."""
    if isinstance(block, cst.IndentedBlock):
        return block.body
    if isinstance(block, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=block.body)]
    return []


def _collect(body: Sequence[cst.CSTNode], scope: Scope, index: ModuleIndex) -> None:
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                _record(small, scope)
        elif isinstance(stmt, cst.FunctionDef):
            index.functions.setdefault(stmt.name.value, []).append(stmt)
            params = stmt.params
            names = frozenset(
                p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)
            ) | frozenset(
                p.name.value for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)
            )
            inner = Scope(stmt, params=names)
            index.scopes[id(stmt)] = inner
            _collect(statements(stmt.body), inner, index)
        elif isinstance(stmt, cst.ClassDef):
            _collect(statements(stmt.body), Scope(index.module), index)
        elif isinstance(stmt, cst.BaseCompoundStatement):
            if isinstance(stmt, cst.With):
                for item in stmt.items:
                    if item.asname is not None and isinstance(item.asname.name, cst.Name):
                        scope.assigns.setdefault(item.asname.name.value, []).append(item.item)
            for block in _blocks(stmt):
                _collect(statements(block), scope, index)


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


def _record(small: cst.BaseSmallStatement, scope: Scope) -> None:
    if isinstance(small, cst.Assign):
        for target in small.targets:
            _bind(target.target, small.value, scope)
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        _bind(small.target, small.value, scope)


def _bind(target: cst.BaseExpression, value: cst.BaseExpression, scope: Scope) -> None:
    if isinstance(target, cst.Name):
        scope.assigns.setdefault(target.value, []).append(value)
    elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) and len(target.slice) == 1:
        index = target.slice[0].slice
        if isinstance(index, cst.Index):
            key = string_value(index.value)
            if key is not None:
                scope.items.setdefault(target.value.value, []).append((key, value))


def descendants(node: cst.CSTNode, *, into_scopes: bool = False) -> Iterator[cst.CSTNode]:
    """Every node under `node` in document order; nested functions and classes only if asked."""
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        yield current
        children: list[cst.CSTNode] = []
        for name in node_fields(type(current)):
            value = getattr(current, name)
            if isinstance(value, cst.CSTNode):
                children.append(value)
            elif isinstance(value, tuple | list):
                children.extend(v for v in value if isinstance(v, cst.CSTNode))
        if not into_scopes:
            children = [c for c in children if not isinstance(c, _SCOPES)]
        stack.extend(reversed(children))


def returns(function: cst.FunctionDef) -> list[cst.BaseExpression]:
    """The values a function returns (not looking into nested functions)."""
    return [
        node.value
        for node in descendants(function.body)
        if isinstance(node, cst.Return) and node.value is not None
    ]
