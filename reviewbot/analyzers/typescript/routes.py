"""HTTP routes in Hono, @hono/zod-openapi and Express: method, path and handler of each registration."""

from __future__ import annotations

import re
from dataclasses import dataclass

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import ancestors, node_text
from reviewbot.analyzers.treesitter.rule import FileContext
from reviewbot.analyzers.typescript.syntax import (
    FUNCTION_TYPES,
    arguments,
    bindings,
    call_chain,
    object_members,
    string_value,
    unwrap,
)

Node = tree_sitter.Node

_METHODS = frozenset({"get", "post", "put", "patch", "delete", "all"})
_WEBHOOK_PATH = re.compile(r"webhook|hook|callback|notification|events?$|/ipn", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Route:
    node: Node  # the registration call: app.post(...), app.openapi(...)
    method: str  # lower-case HTTP method
    path: str
    handler: Node  # the last function argument: the handler
    middleware: tuple[Node, ...]

    @property
    def is_webhook(self) -> bool:
        return bool(_WEBHOOK_PATH.search(self.path))


def routes(ctx: FileContext) -> list[Route]:
    found: list[Route] = []
    for call in ctx.all_of("call_expression"):
        route = _route(ctx, call)
        if route is not None:
            found.append(route)
    return found


def _route(ctx: FileContext, call: Node) -> Route | None:
    parts = call_chain(call)
    if len(parts) < 2:
        return None
    method = parts[-1]
    if method not in _METHODS and method not in ("on", "openapi"):
        return None
    args = arguments(call)
    if not args:
        return None
    functions = [a for a in args if _is_handler(ctx, a)]
    if not functions:
        return None
    handler = _handler_function(ctx, functions[-1])
    if handler is None:
        return None
    others = tuple(a for a in args[1:] if a is not functions[-1])
    if method in _METHODS:
        path = string_value(args[0])
        if path is None or (not path.startswith("/") and path != "*"):
            return None
        return Route(call, method, path, handler, others)
    if method == "on" and len(args) >= 3:
        verb = string_value(args[0])
        path = string_value(args[1])
        if verb is None or path is None:
            return None
        return Route(call, verb.lower(), path, handler, others[1:])
    if method == "openapi":
        spec = unwrap(args[0])
        if spec is not None and spec.type == "identifier":
            spec = unwrap(ctx.fact(bindings).value(node_text(spec), spec))
        if spec is None or spec.type != "call_expression" or not node_text(spec).startswith("createRoute"):
            return None
        spec_args = arguments(spec)
        members = object_members(spec_args[0]) if spec_args else {}
        verb = string_value(members.get("method"))
        path = string_value(members.get("path"))
        if verb is None:
            return None
        return Route(call, verb.lower(), path or "/", handler, others)
    return None


def _is_handler(ctx: FileContext, node: Node) -> bool:
    return _handler_function(ctx, node) is not None


def _handler_function(ctx: FileContext, node: Node) -> Node | None:
    inner = unwrap(node)
    return inner if inner is not None and inner.type in FUNCTION_TYPES else None


def route_of(ctx: FileContext, node: Node) -> Route | None:
    """The route whose handler contains `node`, registered at the top level or inside a factory
    (`export function refundRoutes(deps) { app.post(...) }`)."""
    handlers = {route.handler.id: route for route in ctx.fact(routes)}
    if not handlers:
        return None
    for parent in ancestors(node):
        if parent.type in FUNCTION_TYPES and parent.id in handlers:
            return handlers[parent.id]
    return None
