"""What string keys a dict-like expression holds: literals, `dict()`, option objects, variables, helpers."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from reviewbot.analyzers.python.names import string_value
from reviewbot.analyzers.python.rules.idempotency.index import ModuleIndex, Scope

_MAX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Mapping:
    """String keys of a dict-like expression, and whether we saw all of it."""

    keys: dict[str, cst.BaseExpression]
    complete: bool


def resolve_mapping(node: cst.BaseExpression, scope: Scope, index: ModuleIndex, depth: int) -> Mapping:
    """The string keys of a dict literal, `dict(...)`, `Options(k=...)`, a variable or a helper's return."""
    if depth > _MAX_DEPTH:
        return Mapping({}, False)
    if isinstance(node, cst.Dict):
        keys: dict[str, cst.BaseExpression] = {}
        complete = True
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                key = string_value(element.key)
                if key is not None:
                    keys[key] = element.value
            else:
                inner = resolve_mapping(element.value, scope, index, depth + 1)
                keys.update(inner.keys)
                complete = complete and inner.complete
        return Mapping(keys, complete)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        left = resolve_mapping(node.left, scope, index, depth + 1)
        right = resolve_mapping(node.right, scope, index, depth + 1)
        return Mapping({**left.keys, **right.keys}, left.complete and right.complete)
    if isinstance(node, cst.Call):
        return _call_mapping(node, scope, index, depth)
    if isinstance(node, cst.Name):
        return _name_mapping(node.value, scope, index, depth)
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self":
        return _self_mapping(node.attr.value, scope, index, depth)
    return Mapping({}, False)


def _self_mapping(name: str, scope: Scope, index: ModuleIndex, depth: int) -> Mapping:
    """`self.api_kwargs`: the dict a property of the caller's class returns, or the class assigns to it."""
    cls = index.class_of(scope.node)
    values = index.attribute_values(cls, name) if cls is not None else []
    if not values:
        return Mapping({}, False)
    getter = index.method(cls, name) if cls is not None else None
    where = index.scope_of(getter) if getter is not None else index.module_scope
    keys: dict[str, cst.BaseExpression] = {}
    complete = True
    for value in values:
        inner = resolve_mapping(value, where, index, depth + 1)
        keys.update(inner.keys)
        complete = complete and inner.complete
    return Mapping(keys, complete)


def _call_mapping(node: cst.Call, scope: Scope, index: ModuleIndex, depth: int) -> Mapping:
    keys: dict[str, cst.BaseExpression] = {}
    complete = True
    for arg in node.args:
        if arg.keyword is not None:
            keys[arg.keyword.value] = arg.value
        elif arg.star == "**" or (isinstance(node.func, cst.Name) and node.func.value == "dict"):
            inner = resolve_mapping(arg.value, scope, index, depth + 1)
            keys.update(inner.keys)
            complete = complete and inner.complete
    helpers = index.callee(node, scope)
    for helper in helpers:
        for value in index.returns(helper):
            inner = resolve_mapping(value, index.scope_of(helper), index, depth + 1)
            keys.update(inner.keys)
            complete = complete and inner.complete
    if not helpers and not (isinstance(node.func, cst.Name) and node.func.value == "dict"):
        complete = False  # an unknown call, or a class we cannot see into: it may carry the key
    return Mapping(keys, complete)


def _name_mapping(name: str, scope: Scope, index: ModuleIndex, depth: int) -> Mapping:
    values = scope.assigns.get(name)
    where = scope
    if values is None and name not in scope.params and scope is not index.module_scope:
        values = index.module_scope.assigns.get(name)
        where = index.module_scope
    if not values:
        return Mapping({}, False)
    keys: dict[str, cst.BaseExpression] = {}
    complete = True
    for value in values:
        inner = resolve_mapping(value, where, index, depth + 1)
        keys.update(inner.keys)
        complete = complete and inner.complete
    for key, value in where.items.get(name, []):
        keys[key] = value
    return Mapping(keys, complete)
