"""Per-function facts for the RB5xx rules: reads, writes, saves, checks, PSP calls and SQL, in order."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import libcst as cst

from reviewbot.analyzers.python import rule as rule_base
from reviewbot.analyzers.python.names import dotted_name
from reviewbot.analyzers.python.rule import FileContext
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
    unwrap,
    words,
)
from reviewbot.analyzers.python.rules.concurrency._module import is_atomic_block
from reviewbot.analyzers.python.rules.concurrency._sql import (
    SqlSelect,
    SqlUpdate,
    parse_select,
    parse_update,
    sql_text,
)
from reviewbot.analyzers.python.rules.concurrency._updates import QueryUpdate, query_update


@dataclass(frozen=True, slots=True)
class Bind:
    """`var = value`: a row read (read set) or a value computed from other values; `fresh` when the value is
    an object built here (`Refund(...)`, `Payment.objects.create(...)`, `copy(order)`): no one else has it."""

    var: str
    read: Read | None
    value: cst.BaseExpression
    fresh: bool = False

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
class Lock:
    """A row lock taken here (`select_for_update()`, `with_for_update()`): held until its transaction ends."""


@dataclass(frozen=True, slots=True)
class AtomicEnter:
    """Entering `with transaction.atomic():` (or `session.begin()`): a lock taken inside ends with it."""


@dataclass(frozen=True, slots=True)
class AtomicLeave:
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
class Sql:
    node: cst.BaseExpression
    update: SqlUpdate | None
    select: SqlSelect | None


Event = Bind | AttrWrite | Save | Commit | StatusCheck | MoneyCall | QueryUpdate | Sql | Lock | AtomicEnter | AtomicLeave


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
            fresh = read is None and is_fresh_object(value)
            if read is None and not fresh and is_payment_name(var):
                read = classify_helper_read(value)
            scope.events.append(Bind(var, read, value, fresh))
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            self._attr_write(target.value.value, target.attr.value, value, node, augmented=False)

    def _attr_write(
        self, obj: str, attr: str, value: cst.BaseExpression, node: cst.CSTNode, *, augmented: bool
    ) -> None:
        self.scope.events.append(
            AttrWrite(obj, attr, augmented, value, node, self._guards() if is_status_name(attr) else frozenset())
        )

    def visit_With(self, node: cst.With) -> None:
        if is_atomic_block(node):
            self.scope.events.append(AtomicEnter())

    def leave_With(self, node: cst.With) -> None:
        if is_atomic_block(node):
            self.scope.events.append(AtomicLeave())

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
                scope.events.append(Lock())
            elif method in _SAVE_METHODS and isinstance(func.value, cst.Name):
                scope.events.append(Save(func.value.value))
            elif method in _COMMIT_METHODS:
                scope.events.append(Commit())
            elif method in ("update", "aupdate", "values"):
                update = query_update(node, self.ctx.parents)
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


def with_lock_state(scope: Scope, held_on_entry: bool) -> Iterator[tuple[Event, bool]]:
    """The scope's events with whether a row lock is held at each: from a `Lock` to the end of the atomic
    block it was taken in (or the end of the function), or throughout when every caller holds one."""
    held = held_on_entry
    saved: list[bool] = []
    for event in scope.events:
        if isinstance(event, Lock):
            held = True
        elif isinstance(event, AtomicEnter):
            saved.append(held)
        elif isinstance(event, AtomicLeave):
            held = saved.pop() if saved else held
        else:
            yield event, held


_FACTORY_METHODS = frozenset({"create", "acreate", "copy", "deepcopy", "modelcopy", "clone", "model_copy"})


def is_fresh_object(value: cst.BaseExpression) -> bool:
    """`Refund(...)`, `Payment.objects.create(...)`, `copy.copy(order)`: an object nobody else holds yet."""
    value = unwrap(value)
    if not isinstance(value, cst.Call):
        return False
    name = dotted_name(value.func) or ""
    last = name.rsplit(".", 1)[-1]
    if last in _FACTORY_METHODS:
        return True
    return last[:1].isupper() and not last.isupper()


def is_copy_marker(write: AttrWrite) -> bool:
    """`order.pk = None` / `order.id = None`: the next save inserts a new row, a copy nobody else holds."""
    return write.attr in ("pk", "id") and isinstance(write.value, cst.Name) and write.value.value == "None"


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
