"""Where a value comes from, for the security rules: the request an attacker controls, the requester's own
session, a parameter handed in by the caller; and whether a node sits in an assertion."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

from reviewbot.analyzers.python.names import call_chain, dotted_name
from reviewbot.analyzers.python.rule import FileContext
from reviewbot.config import split_words

# Names a web framework gives the incoming request (Django, DRF, Flask, FastAPI, Starlette, aiohttp).
REQUEST_ROOTS = frozenset({"request", "req", "self.request", "flask.request"})
# Attributes of a request that carry what the client sent.
INPUT_PARTS = frozenset(
    {
        "GET", "POST", "headers", "META", "json", "body", "data", "args", "form", "query_params", "params",
        "cookies", "COOKIES", "values", "get_json", "get_data", "query", "path_params", "match_info", "FILES",
        "content", "text", "query_string", "validated_data",
    }
)
# FastAPI/Starlette parameter defaults that bind a request part to a handler parameter.
PARAM_SOURCES = frozenset({"Header", "Query", "Body", "Cookie", "Form", "Path"})
_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def enclosing_functions(ctx: FileContext) -> list[cst.FunctionDef]:
    """The functions around the node being visited, innermost first."""
    return [p for p in reversed(ctx.parents) if isinstance(p, cst.FunctionDef)]


def is_in_assertion(ctx: FileContext) -> bool:
    """An `assert` statement, or a unittest `self.assert*(...)` call, encloses the node being visited."""
    for parent in reversed(ctx.parents):
        if isinstance(parent, cst.Assert):
            return True
        if isinstance(parent, cst.Call):
            name = call_chain(parent.func) or ""
            if name.rsplit(".", 1)[-1].startswith(("assert", "assert_")):
                return True
        if isinstance(parent, cst.BaseStatement):
            return False
    return False


def _request_chain(node: cst.BaseExpression) -> list[str] | None:
    chain = call_chain(node)
    if chain is None:
        return None
    parts = chain.split(".")
    if parts[0] in REQUEST_ROOTS:
        return parts[1:]
    if len(parts) > 1 and f"{parts[0]}.{parts[1]}" in REQUEST_ROOTS:
        return parts[2:]
    return None


def is_request_input(
    node: cst.BaseExpression, scopes: cst.FunctionDef | Sequence[cst.FunctionDef] | None, depth: int = 0
) -> bool:
    """`request.headers["X-Signature"]`, `request.GET.get("token")`, a local assigned from one (in this function
    or an enclosing one), or a handler parameter bound to a header or query value."""
    functions = (scopes,) if isinstance(scopes, cst.FunctionDef) else tuple(scopes or ())
    rest = _request_chain(node)
    if rest is not None:
        return any(part in INPUT_PARTS for part in rest)
    if _is_submitted_form_data(node):
        return True
    if depth > 3:
        return False
    if isinstance(node, cst.Await):
        return is_request_input(node.expression, functions, depth + 1)
    if isinstance(node, cst.Call):
        # `base64.b64decode(request.headers["X-Hmac"])`, `str(request.GET.get("sig"))`, `_str(body, "pan")`,
        # `payload.get("card")`; but not `stripe.Source.retrieve(request.GET["id"])`: a fetched object
        if _is_digest(node):
            return False  # an HMAC or hash of the body is the value to check against, not the input
        receiver = node.func.value if isinstance(node.func, cst.Attribute) else None
        if receiver is not None and is_request_input(receiver, functions, depth + 1):
            return True
        if _is_lookup(node):
            return False
        return any(is_request_input(a.value, functions, depth + 1) for a in node.args)
    if isinstance(node, cst.Subscript | cst.Attribute):
        return is_request_input(node.value, functions, depth + 1)
    if isinstance(node, cst.Name):
        for function in functions:
            if node.value in _header_params(function):
                return True
            values = list(assigned_values(function, node.value))
            if values:
                return any(is_request_input(value, functions, depth + 1) for value in values)
    return False


# Calls whose result is a record or an object fetched with the input, not the input itself.
_LOOKUP_VERBS = frozenset({"retrieve", "get", "fetch", "find", "lookup", "load", "filter", "first", "one", "query",
                           "select", "search", "list", "objects"})


def _is_lookup(call: cst.Call) -> bool:
    chain = call_chain(call.func) or ""
    parts = chain.split(".")
    words = {w for part in parts for w in split_words(part)}
    return bool(words & _LOOKUP_VERBS) and not chain.startswith(("json.", "base64.", "binascii."))


_DIGEST_WORDS = frozenset({"hmac", "hashlib", "sha256", "sha1", "sha512", "md5", "digest", "hexdigest", "sign"})


def _is_digest(call: cst.Call) -> bool:
    chain = call_chain(call.func) or ""
    return bool({w for part in chain.split(".") for w in split_words(part)} & _DIGEST_WORDS)


def _is_submitted_form_data(node: cst.BaseExpression) -> bool:
    """`self.cleaned_data["signature"]`, `form.cleaned_data.get("sig")`, `serializer.validated_data[...]`: what
    the client posted, after a form or serializer parsed it."""
    chain = call_chain(node) or ""
    return bool({"cleaned_data", "validated_data"} & set(chain.split(".")))


def is_session_value(node: cst.BaseExpression) -> bool:
    """`request.session["oauth_state"]`, `request.user.api_token`: a value kept for this requester, not a
    secret shared with the world; guessing it only tells the requester what they already hold."""
    rest = _request_chain(node)
    return rest is not None and bool({"session", "user"} & set(rest))


def is_parameter(node: cst.BaseExpression, function: cst.FunctionDef | None) -> bool:
    if not isinstance(node, cst.Name) or function is None:
        return False
    params = function.params
    return any(p.name.value == node.value for p in (*params.posonly_params, *params.params, *params.kwonly_params))


def _header_params(function: cst.FunctionDef) -> set[str]:
    out: set[str] = set()
    for param in (*function.params.params, *function.params.kwonly_params):
        default = param.default
        if isinstance(default, cst.Call) and (dotted_name(default.func) or "").rsplit(".", 1)[-1] in PARAM_SOURCES:
            out.add(param.name.value)
    return out


def assigned_values(function: cst.FunctionDef, name: str) -> Iterator[cst.BaseExpression]:
    """Every value assigned to the plain name `name` in the function's own body."""
    stack: list[cst.CSTNode] = [function.body]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Assign):
            for target in current.targets:
                if isinstance(target.target, cst.Name) and target.target.value == name:
                    yield current.value
        elif isinstance(current, cst.AnnAssign) and current.value is not None:
            if isinstance(current.target, cst.Name) and current.target.value == name:
                yield current.value
        if isinstance(current, _SCOPES):
            continue
        stack.extend(current.children)


# Words that say a value arrived from outside (`provided_token`, `received_sig`, `signature_header`).
RECEIVED_WORDS = frozenset(
    {"provided", "received", "given", "incoming", "supplied", "submitted", "presented", "claimed", "header",
     "candidate", "client", "user", "input", "sent", "got"}
)


def says_received(node: cst.BaseExpression) -> bool:
    name = node.value if isinstance(node, cst.Name) else node.attr.value if isinstance(node, cst.Attribute) else None
    return name is not None and bool(RECEIVED_WORDS & set(split_words(name)))
