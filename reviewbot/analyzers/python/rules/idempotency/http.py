"""Reading the URL of an HTTP POST: which argument it is, its literal text, its path segments."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.names import keyword_arg, string_value
from reviewbot.analyzers.python.rules.idempotency.index import ModuleIndex, Scope

_MAX_DEPTH = 4


def url_argument(call: cst.Call, scope: Scope | None = None) -> cst.BaseExpression | None:
    """The URL of `x.post(url, ...)` or `x.request("POST", url, ...)`; None for other methods. With a
    `scope`, a method held in a variable is read from it; a method that is a parameter of the scope's
    function may be POST (a wrapper's `self.session.request(method, url)`)."""
    assert isinstance(call.func, cst.Attribute)
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    url_arg = keyword_arg(call, "url")
    url: cst.BaseExpression | None = url_arg.value if url_arg is not None else None
    if call.func.attr.value == "request":
        method_arg = keyword_arg(call, "method")
        method = method_arg.value if method_arg is not None else (positional[0] if positional else None)
        if isinstance(method, cst.Name) and scope is not None:
            values = scope.assigns.get(method.value, [])
            if len(values) == 1:
                method = values[0]
            elif method.value in scope.params:
                method = cst.SimpleString('"POST"')
        if method is None or (string_value(method) or "").upper() != "POST":
            return None
        if url is None and len(positional) > 1:
            url = positional[1]
    elif url is None and positional:
        url = positional[0]
    return url


def url_text(node: cst.BaseExpression, scope: Scope, index: ModuleIndex, depth: int) -> str:
    """The literal text of a URL expression, each dynamic part as "{}"."""
    if depth > _MAX_DEPTH:
        return "{}"
    literal = string_value(node)
    if literal is not None:
        return literal
    if isinstance(node, cst.FormattedString):
        return "".join(
            part.value
            if isinstance(part, cst.FormattedStringText)
            else url_text(part.expression, scope, index, depth + 1)
            if isinstance(part, cst.FormattedStringExpression) and isinstance(part.expression, cst.Name)
            else "{}"
            for part in node.parts
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


def path_matches(path: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    if not pattern or len(path) < len(pattern):
        return False
    tail = path[-len(pattern) :]
    for have, want in zip(tail, pattern, strict=True):
        if want == "*":
            continue
        if have != want:
            return False
    return True
