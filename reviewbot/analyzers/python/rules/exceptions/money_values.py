"""Money values a guarded block touches, amounts a handler makes up, and where such an amount goes next."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from reviewbot.analyzers.python.names import call_chain
from reviewbot.analyzers.python.rule import FileContext
from reviewbot.analyzers.python.rules.exceptions.effects import direct_effect
from reviewbot.config import Config

_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
# CapWords calls that build numbers, query expressions or errors rather than records.
_NOT_RECORDS = frozenset({"Decimal", "Fraction", "Money", "Q", "F", "Value"})


def money_value_in(node: cst.CSTNode, config: Config, function: cst.FunctionDef | None = None) -> str | None:
    """The first money-named value the block reads or writes (`payment.amount`, `balance_minor`), or the
    money-named function whose result the block returns."""
    if function is not None and config.is_money_name(function.name.value) and _returns_value(node):
        return f"{function.name.value}()"
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name) and config.is_money_name(current.value):
            return current.value
        if isinstance(current, cst.Attribute) and config.is_money_name(current.attr.value):
            return call_chain(current) or current.attr.value
        if isinstance(current, cst.Call):
            # the callee's own name is a verb (`refund_all`), not a value; look at its receiver and arguments
            stack.extend(reversed(list(current.args)))
            if isinstance(current.func, cst.Attribute):
                stack.append(current.func.value)
            continue
        if isinstance(current, _SCOPES):
            continue
        stack.extend(reversed(list(current.children)))
    return None


def _returns_value(node: cst.CSTNode) -> bool:
    return any(isinstance(n, cst.Return) and n.value is not None for n in in_order(node))


def money_fallback(body: cst.BaseSuite, config: Config, function: cst.FunctionDef | None) -> str | None:
    """`amount = Decimal("0.00")` or `return 0` in `balance_minor()`: the handler makes up a money value."""
    for stmt in body.body:
        smalls = stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ()
        for small in smalls:
            if isinstance(small, cst.Assign) and _is_constant_amount(small.value):
                for target in small.targets:
                    name = target.target.value if isinstance(target.target, cst.Name) else None
                    if name is not None and config.is_money_name(name):
                        return name
            if (
                isinstance(small, cst.Return)
                and small.value is not None
                and _is_constant_amount(small.value)
                and function is not None
                and config.is_money_name(function.name.value)
            ):
                return f"{function.name.value}()"
    return None


def _is_constant_amount(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Integer | cst.Float):
        return True
    if isinstance(node, cst.UnaryOperation):
        return _is_constant_amount(node.expression)
    if isinstance(node, cst.Call) and call_chain(node.func) in ("Decimal", "decimal.Decimal", "int", "float"):
        return all(isinstance(a.value, cst.SimpleString | cst.Integer | cst.Float) for a in node.args)
    return False


def stored_after(name: str, marker: cst.CSTNode, scope: cst.CSTNode, ctx: FileContext) -> str | None:
    """A call after `marker` in `scope` that stores or sends the value `name` holds: a payment write, a
    money-moving call, or a record built with it (`BankTransaction(amount=amount)`)."""
    passed = False
    for node in in_order(scope, skip=marker):
        if node is marker:
            passed = True
            continue
        if not passed or not isinstance(node, cst.Call):
            continue
        if not any(isinstance(a.value, cst.Name) and a.value.value == name for a in node.args):
            continue
        chain = call_chain(node.func) or ""
        if direct_effect(node, ctx.imports, ctx.config) is not None or _is_record(chain.rsplit(".", 1)[-1]):
            return chain
    return None


def _is_record(class_name: str) -> bool:
    """`BankTransaction`, `LedgerEntry`: a CapWords constructor that builds a record (not a number or an error)."""
    return (
        class_name[:1].isupper()
        and "_" not in class_name
        and not class_name.isupper()
        and class_name not in _NOT_RECORDS
        and not class_name.endswith(("Error", "Exception", "Warning", "Response"))
    )


def in_order(root: cst.CSTNode, skip: cst.CSTNode | None = None) -> Iterator[cst.CSTNode]:
    """Nodes under `root` in source order, not entering nested scopes or the subtree of `skip`."""
    stack: list[cst.CSTNode] = [root]
    while stack:
        current = stack.pop()
        yield current
        if current is skip or (isinstance(current, _SCOPES) and current is not root):
            continue
        stack.extend(reversed(list(current.children)))


def is_webhook_acknowledgement(function: cst.FunctionDef, handler_body: cst.BaseSuite) -> bool:
    """A handler in a webhook endpoint that answers with a success response: the event is acknowledged and lost."""
    if "webhook" not in function.name.value.lower():
        return False
    for stmt in handler_body.body:
        for small in stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ():
            if isinstance(small, cst.Return) and isinstance(small.value, cst.Call):
                name = call_chain(small.value.func) or ""
                if name.rsplit(".", 1)[-1].endswith("Response"):
                    return True
    return False
