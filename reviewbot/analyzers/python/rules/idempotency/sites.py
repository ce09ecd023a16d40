"""Where a money-moving PSP call is made: at this call, or inside a same-module function it runs."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from reviewbot.analyzers.python.names import dotted_name
from reviewbot.analyzers.python.rule import FileContext
from reviewbot.analyzers.python.rules.idempotency.http import url_argument
from reviewbot.analyzers.python.rules.idempotency.index import ModuleIndex, Scope, descendants, index_for
from reviewbot.analyzers.python.rules.idempotency.psp import KeyStatus, PspUse, match_call, psp_use


@dataclass(frozen=True, slots=True)
class CallSite:
    """A catalogued call being visited, with what the rules need to judge it."""

    use: PspUse
    scope: Scope  # where the call's arguments are read: the wrapper's, with its parameters bound, if `via`
    index: ModuleIndex
    via: str = ""  # "`self._post()`": the PSP call is made inside this same-module function

    @property
    def label(self) -> str:
        return f"`{self.use.label}` via {self.via}" if self.via else f"`{self.use.label}`"


def psp_call_at(ctx: FileContext, call: cst.Call) -> CallSite | None:
    """The catalogued money-moving call at the node being visited (decorators excluded), made here or inside
    a same-module function this call runs with its arguments (`self._post("/v1/refunds", body)`)."""
    parent = ctx.parent
    if isinstance(parent, cst.Decorator) or (isinstance(parent, cst.Call) and parent.func is call):
        return None  # `@router.post("/payments")`, `router.post("/payments")(handler)`: routes
    index = index_for(ctx)
    scope = index.scope_of(ctx.enclosing_function())
    use = psp_use(call, scope, index)
    if use is not None:
        return CallSite(use, scope, index)
    return wrapped_call(call, scope, index)


def wrapped_call(call: cst.Call, scope: Scope, index: ModuleIndex) -> CallSite | None:
    """The PSP call a same-module wrapper makes with this call's arguments (memoised per call)."""
    memo_key = ("wrapped", id(call))
    if memo_key in index.memo:
        found = index.memo[memo_key]
        return found if isinstance(found, CallSite) else None
    result: CallSite | None = None
    helpers = index.callee(call, scope)
    if helpers:
        helper = helpers[0]
        sinks = wrapper_sinks(helper, index)
        if sinks:
            bound = bind_arguments(helper, call, scope, index)
            for sink in sinks:
                use = match_call(sink, bound, index)
                if use is not None:
                    result = CallSite(use, bound, index, f"`{dotted_name(call.func) or helper.name.value}()`")
                    break
    index.memo[memo_key] = result
    return result


def wrapper_sinks(function: cst.FunctionDef, index: ModuleIndex) -> list[cst.Call]:
    """Calls in `function` that move money depending on its parameters: a catalogued call whose key may come
    in through a parameter, or a POST whose URL is built from one (memoised per function)."""
    memo_key = ("sinks", id(function))
    found = index.memo.get(memo_key)
    if isinstance(found, list):
        return found
    scope = index.scope_of(function)
    sinks: list[cst.Call] = []
    for node in descendants(function.body):
        if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
            continue
        use = psp_use(node, scope, index)
        if use is not None:
            if use.status == KeyStatus.UNKNOWN and use.forwarded:
                sinks.append(node)
        elif node.func.attr.value in ("post", "request") and _url_uses_params(node, scope):
            sinks.append(node)
    index.memo[memo_key] = sinks
    return sinks


def _url_uses_params(call: cst.Call, scope: Scope) -> bool:
    url = url_argument(call, scope)
    if url is None:
        return False
    return any(isinstance(n, cst.Name) and n.value in scope.params for n in (url, *descendants(url)))


def bind_arguments(function: cst.FunctionDef, call: cst.Call, caller: Scope, index: ModuleIndex) -> Scope:
    """`function`'s scope with its parameters bound to what `call` passes (one level of inlining)."""
    own = index.scope_of(function)
    assigns = dict(own.assigns)
    params = function.params
    positional = [*params.posonly_params, *params.params]
    if positional and positional[0].name.value in ("self", "cls") and isinstance(call.func, cst.Attribute):
        positional = positional[1:]
    named = {p.name.value for p in (*positional, *params.kwonly_params)}
    for param in (*positional, *params.kwonly_params):
        if param.default is not None:
            assigns[param.name.value] = [param.default]
    values = [a.value for a in call.args if a.keyword is None and not a.star]
    for param, value in zip(positional, values, strict=False):
        assigns[param.name.value] = [_in_caller(value, caller)]
    extra: list[cst.BaseDictElement] = []
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value in named:
                assigns[arg.keyword.value] = [_in_caller(arg.value, caller)]
            else:
                key = cst.SimpleString(repr(arg.keyword.value))
                extra.append(cst.DictElement(key, _in_caller(arg.value, caller)))
        elif arg.star == "**":
            extra.append(cst.StarredDictElement(_in_caller(arg.value, caller)))
    star = params.star_kwarg
    if isinstance(star, cst.Param):
        assigns[star.name.value] = [cst.Dict(extra)]
    bound = frozenset(assigns) & own.params
    return Scope(function, params=own.params - bound, assigns=assigns, items=own.items)


_UNSEEN = cst.Name("__caller_value__")  # a caller's value we cannot see: resolves to nothing


def _in_caller(value: cst.BaseExpression, caller: Scope) -> cst.BaseExpression:
    """A caller's argument as the wrapper will see it: a caller variable is replaced by its one value."""
    if isinstance(value, cst.Name):
        values = caller.assigns.get(value.value, [])
        return values[0] if len(values) == 1 and not caller.items.get(value.value) else _UNSEEN
    return value


def keys_of_calls_in(function: cst.FunctionDef | None, index: ModuleIndex) -> frozenset[int]:
    """id() of the key expression of every catalogued call made directly in `function` (memoised)."""
    node: cst.CSTNode = function if function is not None else index.module
    memo_key = ("keys-in", id(node))
    found = index.memo.get(memo_key)
    if isinstance(found, frozenset):
        return found
    scope = index.scope_of(function)
    keys: set[int] = set()
    for inner in descendants(function.body if function is not None else index.module):
        if isinstance(inner, cst.Call):
            use = psp_use(inner, scope, index)
            if use is not None and use.key is not None:
                keys.add(id(use.key))
    result = frozenset(keys)
    index.memo[memo_key] = result
    return result
