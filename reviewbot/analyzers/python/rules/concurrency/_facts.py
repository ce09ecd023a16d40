"""Per-function facts for the RB5xx rules: reads, writes, saves, checks, PSP calls and SQL, in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from reviewbot.analyzers.python import rule as rule_base
from reviewbot.analyzers.python.rule import FileContext
from reviewbot.analyzers.python.names import literal_value
from reviewbot.analyzers.python.rules.concurrency._chains import (
    LOCKING_CALLS,
    Read,
    attribute_refs,
    classify_helper_read,
    classify_read,
    is_money_call,
    is_payment_name,
    is_select_statement,
    is_status_name,
    name_refs,
    segments,
    words,
)
from reviewbot.analyzers.python.rules.concurrency._sql import (
    SqlSelect,
    SqlUpdate,
    parse_select,
    parse_update,
    sql_text,
)


@dataclass(frozen=True, slots=True)
class Bind:
    """`var = value`: a row read (read set) or a value computed from other values."""

    var: str
    read: Read | None
    value: cst.BaseExpression

    @property
    def attrs(self) -> set[tuple[str, str]]:
        return attribute_refs(self.value)

    @property
    def names(self) -> set[str]:
        return name_refs(self.value)


@dataclass(frozen=True, slots=True)
class AttrWrite:
    """`obj.attr = value` or `obj.attr += value`; guards: objects whose status an enclosing check read."""

    obj: str
    attr: str
    augmented: bool
    value: cst.BaseExpression
    node: cst.CSTNode
    guards: frozenset[str]

    @property
    def attrs(self) -> set[tuple[str, str]]:
        return attribute_refs(self.value)

    @property
    def names(self) -> set[str]:
        return name_refs(self.value)


@dataclass(frozen=True, slots=True)
class Save:
    obj: str


@dataclass(frozen=True, slots=True)
class Commit:
    pass


@dataclass(frozen=True, slots=True)
class StatusCheck:
    obj: str


@dataclass(frozen=True, slots=True)
class MoneyCall:
    name: str
    node: cst.Call
    guards: frozenset[str]


@dataclass(frozen=True, slots=True)
class QueryUpdate:
    """An ORM bulk update: Django `.update(...)`, SQLAlchemy `update(...).values(...)`/`query().update()`."""

    node: cst.Call
    entity: str
    values: tuple[tuple[str, cst.BaseExpression], ...]
    conditions: tuple[cst.Call, ...]
    result_used: bool


@dataclass(frozen=True, slots=True)
class Sql:
    node: cst.BaseExpression
    update: SqlUpdate | None
    select: SqlSelect | None


Event = Bind | AttrWrite | Save | Commit | StatusCheck | MoneyCall | QueryUpdate | Sql


@dataclass(slots=True)
class Scope:
    """What one function (or the module body) does, in document order."""

    node: cst.CSTNode
    params: frozenset[str] = frozenset()
    events: list[Event] = field(default_factory=list)
    early_exit_checks: set[str] = field(default_factory=set)
    explicit_lock: bool = False  # an advisory/Redis lock, LOCK TABLE, SERIALIZABLE
    row_lock_taken: bool = False  # select_for_update()/with_for_update() somewhere in the function
    reads_rowcount: bool = False
    statements: set[str] = field(default_factory=set)
    locked_statements: set[str] = field(default_factory=set)


_SAVE_METHODS = frozenset({"save", "asave"})
_COMMIT_METHODS = frozenset({"commit", "flush", "acommit"})
_UPDATE_CONDITIONS = frozenset({"filter", "filter_by", "where", "exclude", "get"})
_EXPLICIT_LOCK_SQL = ("pg_advisory", "lock table", "serializable", "for update", "for no key update")


class FlowRule(rule_base.PythonRule):  # a base class, not a rule: no code of its own
    """Collects a Scope per function; subclasses judge it in `check`."""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.scopes: list[Scope] = []

    def check(self, scope: Scope) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------ scopes

    def visit_Module(self, node: cst.Module) -> None:
        self.scopes.append(Scope(node))

    def leave_Module(self, node: cst.Module) -> None:
        self.check(self.scopes.pop())

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = node.params
        names = {
            p.name.value
            for p in (*params.posonly_params, *params.params, *params.kwonly_params)
            if p.name.value not in ("self", "cls")
        }
        self.scopes.append(Scope(node, frozenset(names)))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.check(self.scopes.pop())

    @property
    def scope(self) -> Scope:
        return self.scopes[-1]

    # ------------------------------------------------------------ events

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assigned(target.target, node.value, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assigned(node.target, node.value, node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        target = node.target
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            self._attr_write(target.value.value, target.attr.value, node.value, node, augmented=True)

    def _assigned(self, target: cst.BaseExpression, value: cst.BaseExpression, node: cst.CSTNode) -> None:
        scope = self.scope
        if isinstance(target, cst.Name):
            var = target.value
            is_select, locks = is_select_statement(value)
            if is_select:
                scope.statements.add(var)
                if locks:
                    scope.locked_statements.add(var)
                else:
                    scope.locked_statements.discard(var)
                return
            read = classify_read(value, scope.locked_statements, scope.statements)
            if read is None and is_payment_name(var):
                read = classify_helper_read(value)
            scope.events.append(Bind(var, read, value))
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            self._attr_write(target.value.value, target.attr.value, value, node, augmented=False)

    def _attr_write(
        self, obj: str, attr: str, value: cst.BaseExpression, node: cst.CSTNode, *, augmented: bool
    ) -> None:
        self.scope.events.append(
            AttrWrite(obj, attr, augmented, value, node, self._guards() if is_status_name(attr) else frozenset())
        )

    def visit_Comparison(self, node: cst.Comparison) -> None:
        for operand in (node.left, *(target.comparator for target in node.comparisons)):
            obj = status_owner(operand)
            if obj is not None:
                self.scope.events.append(StatusCheck(obj))

    def visit_Match(self, node: cst.Match) -> None:
        obj = status_owner(node.subject)
        if obj is not None:
            self.scope.events.append(StatusCheck(obj))

    def visit_If(self, node: cst.If) -> None:
        if _exits_early(node.body):
            self.scope.early_exit_checks.update(_status_objects(node.test))

    def visit_Assert(self, node: cst.Assert) -> None:
        self.scope.early_exit_checks.update(_status_objects(node.test))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == "rowcount":
            self.scope.reads_rowcount = True

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if not isinstance(self.ctx.parent, (cst.ConcatenatedString, cst.FormattedString)):
            self._string(node)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        if not isinstance(self.ctx.parent, cst.ConcatenatedString):
            self._string(node)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        if not isinstance(self.ctx.parent, cst.ConcatenatedString):
            self._string(node)

    def _string(self, node: cst.BaseExpression) -> None:
        text = sql_text(node)
        if text is None:
            return
        lowered = text.lower()
        if any(marker in lowered for marker in _EXPLICIT_LOCK_SQL):
            self.scope.explicit_lock = True
        self.scope.events.append(Sql(node, parse_update(text), parse_select(text)))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        scope = self.scope
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in LOCKING_CALLS:
                scope.row_lock_taken = True
            elif method in _SAVE_METHODS and isinstance(func.value, cst.Name):
                scope.events.append(Save(func.value.value))
            elif method in _COMMIT_METHODS:
                scope.events.append(Commit())
            elif method in ("update", "aupdate", "values"):
                update = _query_update(node, self.ctx.parents)
                if update is not None:
                    scope.events.append(update)
            callee = method
        elif isinstance(func, cst.Name):
            callee = func.value
        else:
            return
        if "lock" in words(callee) or "advisory" in words(callee):
            scope.explicit_lock = True
        money = is_money_call(node)
        if money is not None:
            scope.events.append(MoneyCall(money, node, self._guards()))

    def _guards(self) -> frozenset[str]:
        """Objects whose status an enclosing `if`, or an earlier early-exit `if`/assert, checked."""
        scope = self.scope
        guards = set(scope.early_exit_checks)
        inside = False
        for parent in self.ctx.parents:
            if parent is scope.node:
                inside = True
            elif inside and isinstance(parent, cst.If):
                guards.update(_status_objects(parent.test))
        return frozenset(guards)


def flush_durable(
    event: Save | Commit, pending: dict[str, list[AttrWrite]], report: Callable[[AttrWrite], None]
) -> None:
    """Report the pending writes a save (of that object) or a commit (of all) makes durable."""
    if isinstance(event, Save):
        for write in pending.pop(event.obj, []):
            report(write)
        return
    for writes in pending.values():
        for write in writes:
            report(write)
    pending.clear()


def status_owner(node: cst.BaseExpression) -> str | None:
    """`payment.status`, `payment.status.value`, `str(payment.state)` -> "payment"; else None."""
    if isinstance(node, cst.Call) and len(node.args) == 1:
        node = node.args[0].value
    while isinstance(node, cst.Attribute):
        if isinstance(node.value, cst.Name) and is_status_name(node.attr.value):
            return node.value.value
        node = node.value
    return None


def _status_objects(test: cst.BaseExpression) -> set[str]:
    return {obj for obj, attr in attribute_refs(test) if is_status_name(attr)}


def _exits_early(body: cst.BaseSuite) -> bool:
    if isinstance(body, cst.SimpleStatementSuite):
        statements: tuple[cst.BaseSmallStatement, ...] = tuple(body.body)
    else:
        statements = tuple(
            small
            for line in body.body
            if isinstance(line, cst.SimpleStatementLine)
            for small in line.body
        )
    return any(isinstance(s, (cst.Raise, cst.Return, cst.Continue)) for s in statements)


def _query_update(call: cst.Call, parents: list[cst.CSTNode]) -> QueryUpdate | None:
    chain = segments(call)
    names = [seg.name for seg in chain]
    if not chain or chain[-1].call is not call:
        return None
    entity = ""
    if "objects" in names and names[-1] in ("update", "aupdate"):
        index = names.index("objects")
        entity = names[index - 1] if index > 0 else ""
    elif "query" in names and names[-1] == "update":
        query = chain[names.index("query")].call
        entity = _arg_name(query)
    elif names[-1] == "values" and "update" in names:
        update = chain[names.index("update")]
        if update.call is None:
            return None
        entity = _arg_name(update.call) or (names[names.index("update") - 1] if names.index("update") else "")
    else:
        return None
    values: list[tuple[str, cst.BaseExpression]] = []
    for arg in call.args:
        if arg.keyword is not None:
            values.append((arg.keyword.value, arg.value))
        elif isinstance(arg.value, cst.Dict):
            for element in arg.value.elements:
                if isinstance(element, cst.DictElement):
                    key = _key_name(element.key)
                    if key:
                        values.append((key, element.value))
    conditions = tuple(seg.call for seg in chain if seg.name in _UPDATE_CONDITIONS and seg.call is not None)
    return QueryUpdate(call, entity, tuple(values), conditions, _is_result_used(call, parents))


def _arg_name(call: cst.Call | None) -> str:
    if call is None or not call.args:
        return ""
    chain = segments(call.args[0].value)
    return chain[-1].name if chain else ""


def _key_name(key: cst.BaseExpression) -> str:
    if isinstance(key, cst.SimpleString):
        value = literal_value(key)
        return value if isinstance(value, str) else ""
    if isinstance(key, cst.Attribute):
        return key.attr.value
    return ""


def _is_result_used(call: cst.Call, parents: list[cst.CSTNode]) -> bool:
    """Whether the rows-affected result is kept (assigned, tested, returned) rather than dropped."""
    for parent in reversed(parents):
        if isinstance(parent, (cst.Await, cst.Arg, cst.Call, cst.Attribute)):
            continue
        return not isinstance(parent, cst.Expr)
    return False
