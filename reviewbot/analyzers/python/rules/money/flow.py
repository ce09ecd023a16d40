"""Is this expression money, and is it an int, a float or a Decimal? Names plus flow in one function."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from reviewbot.analyzers.python.names import string_value
from reviewbot.analyzers.python.rule import FileContext
from reviewbot.analyzers.python.rules.money.values import (
    COUNT_CALLS,
    UNKNOWN,
    Num,
    Value,
    annotation_num,
    arithmetic_money,
    arithmetic_num,
    call_name,
    field_num,
    is_decimal_constructor,
    is_money_name,
    is_ratio_name,
    join,
    name_value,
    positional_args,
)

# Scanning sees every binding made so far; a query sees the bindings before its statement.
_LATEST = 1 << 62


@dataclass(slots=True)
class Env:
    """The names bound in one function (or the module), in statement order."""

    bindings: dict[str, list[tuple[int, Value]]] = field(default_factory=dict)
    # id(statement) -> its position in the scan, so a query knows which bindings precede it
    order: dict[int, int] = field(default_factory=dict)
    cursor: int = _LATEST

    def get(self, name: str) -> Value | None:
        found: Value | None = None
        for seq, value in self.bindings.get(name, ()):
            if seq >= self.cursor:
                break
            found = value
        return found

    def bind(self, name: str, value: Value) -> None:
        self.bindings.setdefault(name, []).append((len(self.order), value))

    def mark(self, statement: cst.CSTNode) -> None:
        self.order[id(statement)] = len(self.order) + 1


@dataclass(slots=True)
class _FileFacts:
    module: cst.Module
    envs: dict[int, Env] = field(default_factory=dict)
    attrs: dict[str, Value] | None = None


# One file is analysed at a time per process; its facts are cached here, keyed by the module
# object they came from, so every money rule on the file shares one scan of each function.
_CURRENT: list[_FileFacts] = []


def _facts(ctx: FileContext) -> _FileFacts:
    if not _CURRENT or _CURRENT[0].module is not ctx.module:
        _CURRENT[:] = [_FileFacts(ctx.module)]
    return _CURRENT[0]


class Flow:
    """Answers "what is this expression?" for the node being visited, from names and local flow."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.config = ctx.config

    # ----------------------------------------------------------- public questions

    def value(self, expr: cst.BaseExpression) -> Value:
        """The value of `expr` at the current position of the walk."""
        env = self._scope_env()
        env.cursor = self._position(env)
        try:
            return self._evaluate(expr, env)
        finally:
            env.cursor = _LATEST

    def _position(self, env: Env) -> int:
        for parent in reversed(self.ctx.parents):
            seq = env.order.get(id(parent))
            if seq is not None:
                return seq
        return 0

    def is_ratio_name(self, name: str) -> bool:
        return is_ratio_name(self.config, name)

    def is_ratio_expr(self, expr: cst.BaseExpression) -> bool:
        """`l.tax_rate`, `fee_pct`, `row["fx_rate"]`: an operand whose own name says it is a ratio."""
        if isinstance(expr, cst.Name):
            return self.is_ratio_name(expr.value)
        if isinstance(expr, cst.Attribute):
            return self.is_ratio_name(expr.attr.value)
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
            index = expr.slice[0].slice
            key = string_value(index.value) if isinstance(index, cst.Index) else None
            return key is not None and self.is_ratio_name(key)
        return False

    def text(self, node: cst.CSTNode, limit: int = 48) -> str:
        """The node's source on one line, shortened for a message."""
        code = " ".join(self.ctx.module.code_for_node(node).split())
        return code if len(code) <= limit else code[: limit - 1] + "…"

    # ----------------------------------------------------------- evaluation

    def _evaluate(self, expr: cst.BaseExpression, env: Env) -> Value:
        if isinstance(expr, cst.Name):
            known = env.get(expr.value)
            if known is not None:
                return known
            module_env = self._module_env()
            if env is not module_env:
                outer = module_env.get(expr.value)
                if outer is not None:
                    return outer
            return name_value(self.config, expr.value)
        if isinstance(expr, cst.Attribute):
            attr = expr.attr.value
            typed = self._attrs().get(attr)
            return typed if typed is not None else name_value(self.config, attr)
        if isinstance(expr, cst.Subscript):
            return self._subscript(expr, env)
        if isinstance(expr, cst.Float):
            return Value(False, Num.FLOAT)
        if isinstance(expr, cst.Integer):
            return Value(False, Num.INT)
        if isinstance(expr, cst.UnaryOperation):
            return self._evaluate(expr.expression, env)
        if isinstance(expr, cst.BinaryOperation):
            if _is_text(expr.left) or _is_text(expr.right):
                return UNKNOWN  # `"%.2f" % total`, `"EUR " + label`: a string, not a number
            left = self._evaluate(expr.left, env)
            right = self._evaluate(expr.right, env)
            op = expr.operator
            return Value(arithmetic_money(op, left, right), arithmetic_num(op, left.num, right.num))
        if isinstance(expr, cst.Call):
            return self._call(expr, env)
        if isinstance(expr, cst.IfExp):
            return join(self._evaluate(expr.body, env), self._evaluate(expr.orelse, env))
        if isinstance(expr, cst.BooleanOperation):
            return join(self._evaluate(expr.left, env), self._evaluate(expr.right, env))
        if isinstance(expr, cst.NamedExpr):
            return self._evaluate(expr.value, env)
        return UNKNOWN

    def _subscript(self, expr: cst.Subscript, env: Env) -> Value:
        if len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
            key = string_value(expr.slice[0].slice.value)
            if key is not None:
                return name_value(self.config, key)
        inner = self._evaluate(expr.value, env)
        return Value(inner.money, inner.num)

    def _call(self, call: cst.Call, env: Env) -> Value:
        func = call.func
        args = positional_args(call)
        first = self._evaluate(args[0], env) if args else UNKNOWN
        if is_decimal_constructor(func, self.ctx.imports):
            return Value(first.money, Num.DECIMAL)
        name = call_name(func)
        if isinstance(func, cst.Name) and name not in self.ctx.imports:
            if name == "float":
                return Value(first.money, Num.FLOAT)
            if name == "int":
                return Value(first.money, Num.INT)
            if name == "round":
                digits = len(args) > 1 or any(a.keyword is not None for a in call.args)
                return Value(first.money, first.num if digits else Num.INT)
            if name == "abs":
                return first
            if name in {"sum", "max", "min"}:
                return self._aggregate(args, env)
            if name in COUNT_CALLS:
                return Value(False, Num.INT)
        if isinstance(func, cst.Attribute):
            if name in {"quantize", "to_integral_value", "to_integral", "normalize"}:
                return Value(self._evaluate(func.value, env).money, Num.DECIMAL)
            if name == "from_float" and is_decimal_constructor(func.value, self.ctx.imports):
                return Value(first.money, Num.DECIMAL)
            if name == "count":
                return Value(False, Num.INT)
        if name is not None and is_money_name(self.config, name):
            return Value(True, Num.UNKNOWN)
        return UNKNOWN

    def _aggregate(self, args: list[cst.BaseExpression], env: Env) -> Value:
        items: list[cst.BaseExpression] = []
        if len(args) == 1:
            only = args[0]
            if isinstance(only, (cst.GeneratorExp, cst.ListComp, cst.SetComp)):
                items.append(only.elt)
            elif isinstance(only, (cst.List, cst.Tuple, cst.Set)):
                items.extend(e.value for e in only.elements if isinstance(e, cst.Element))
            else:
                items.append(only)
        else:
            items.extend(args)
        if not items:
            return UNKNOWN
        out = self._evaluate(items[0], env)
        for item in items[1:]:
            out = join(out, self._evaluate(item, env))
        return out

    # ----------------------------------------------------------- environments

    def _scope_env(self) -> Env:
        func = self.ctx.enclosing_function()
        if func is None:
            return self._module_env()
        facts = _facts(self.ctx)
        env = facts.envs.get(id(func))
        if env is None:
            env = self._params(func)
            facts.envs[id(func)] = env
            self._scan(func.body.body, env)
        return env

    def _module_env(self) -> Env:
        facts = _facts(self.ctx)
        env = facts.envs.get(0)
        if env is None:
            env = Env()
            facts.envs[0] = env
            self._scan(self.ctx.module.body, env)
        return env

    def _params(self, func: cst.FunctionDef) -> Env:
        env = Env()
        params = func.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            base = name_value(self.config, param.name.value)
            num = annotation_num(param.annotation.annotation) if param.annotation else Num.UNKNOWN
            if num is Num.UNKNOWN and param.default is not None:
                num = self._evaluate(param.default, env).num
            env.bind(param.name.value, Value(base.money, num if num is not Num.UNKNOWN else base.num))
        return env

    def _bind(self, env: Env, name: str, value: Value, annotated: Num) -> None:
        if self.is_ratio_name(name):
            new = Value(False, value.num)
        else:
            base = name_value(self.config, name)
            num = annotated if annotated is not Num.UNKNOWN else value.num
            new = Value(value.money or base.money, num if num is not Num.UNKNOWN else base.num)
        env.bind(name, new)

    def _scan(
        self,
        body: Sequence[cst.BaseStatement | cst.BaseSmallStatement],
        env: Env,
    ) -> None:
        """Bind every name assigned in `body` (not in nested functions or classes), in order."""
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    env.mark(small)
                    self._scan_small(small, env)
            elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                continue
            elif isinstance(stmt, (cst.If, cst.For, cst.While, cst.With, cst.Try, cst.TryStar)):
                self._scan_compound(stmt, env)
            elif isinstance(stmt, cst.Match):
                env.mark(stmt)
                for case in stmt.cases:
                    self._scan(_block(case.body), env)
            elif isinstance(stmt, cst.BaseSmallStatement):
                env.mark(stmt)
                self._scan_small(stmt, env)

    def _scan_compound(
        self, stmt: cst.If | cst.For | cst.While | cst.With | cst.Try | cst.TryStar, env: Env
    ) -> None:
        env.mark(stmt)
        self._scan(_block(stmt.body), env)
        if isinstance(stmt, (cst.Try, cst.TryStar)):
            for handler in stmt.handlers:
                self._scan(_block(handler.body), env)
            if stmt.finalbody is not None:
                self._scan(_block(stmt.finalbody.body), env)
        orelse = getattr(stmt, "orelse", None)
        if isinstance(orelse, cst.If):
            self._scan_compound(orelse, env)
        elif isinstance(orelse, cst.Else):
            self._scan(_block(orelse.body), env)

    def _scan_small(self, small: cst.BaseSmallStatement, env: Env) -> None:
        if isinstance(small, cst.Assign):
            value = self._evaluate(small.value, env)
            counted = isinstance(small.value, cst.Call) and call_name(small.value.func) in COUNT_CALLS
            for target in small.targets:
                self._bind_target(env, target.target, small.value, value, counted)
        elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
            value = self._evaluate(small.value, env) if small.value is not None else UNKNOWN
            self._bind(env, small.target.value, value, annotation_num(small.annotation.annotation))
        elif isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
            name = small.target.value
            old = env.get(name) or name_value(self.config, name)
            rhs = self._evaluate(small.value, env)
            op = small.operator
            new = Value(
                arithmetic_money(op, old, rhs) and not self.is_ratio_name(name),
                arithmetic_num(op, old.num, rhs.num),
            )
            env.bind(name, new)

    def _bind_target(
        self,
        env: Env,
        target: cst.BaseExpression,
        expr: cst.BaseExpression,
        value: Value,
        counted: bool,
    ) -> None:
        if isinstance(target, cst.Name):
            if counted:
                env.bind(target.value, Value(False, Num.INT))
            else:
                self._bind(env, target.value, value, Num.UNKNOWN)
        elif isinstance(target, (cst.Tuple, cst.List)) and isinstance(expr, (cst.Tuple, cst.List)):
            if len(target.elements) == len(expr.elements):
                for t, e in zip(target.elements, expr.elements, strict=True):
                    self._bind_target(env, t.value, e.value, self._evaluate(e.value, env), False)

    def _attrs(self) -> dict[str, Value]:
        """Attribute kinds declared by classes in this file: `total: Decimal`, `FloatField()`."""
        facts = _facts(self.ctx)
        if facts.attrs is None:
            facts.attrs = {}
            for cls in _classes(self.ctx.module.body):
                for stmt in _block(cls.body):
                    if isinstance(stmt, cst.SimpleStatementLine):
                        for small in stmt.body:
                            self._attr(small, facts.attrs)
        return facts.attrs

    def _attr(self, small: cst.BaseSmallStatement, attrs: dict[str, Value]) -> None:
        name: str | None = None
        num = Num.UNKNOWN
        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
            name = small.target.value
            num = annotation_num(small.annotation.annotation)
            if num is Num.UNKNOWN and isinstance(small.value, cst.Call):
                num = field_num(small.value)
        elif (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
            and isinstance(small.value, cst.Call)
        ):
            name = small.targets[0].target.value
            num = field_num(small.value)
        if name is None or num is Num.UNKNOWN:
            return
        new = Value(name_value(self.config, name).money, num)
        old = attrs.get(name)
        attrs[name] = new if old is None else join(old, new)


def _is_text(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))


def _block(body: cst.BaseSuite) -> Sequence[cst.BaseStatement | cst.BaseSmallStatement]:
    if isinstance(body, cst.IndentedBlock):
        return body.body
    if isinstance(body, cst.SimpleStatementSuite):
        return body.body
    return ()


def _classes(body: Sequence[cst.BaseStatement | cst.BaseSmallStatement]) -> list[cst.ClassDef]:
    out: list[cst.ClassDef] = []
    for stmt in body:
        if isinstance(stmt, cst.ClassDef):
            out.append(stmt)
            out.extend(_classes(_block(stmt.body)))
        elif isinstance(stmt, cst.If):
            out.extend(_classes(_block(stmt.body)))
    return out
