"""Is a call retried by the application: a retry loop, a retry decorator, a task that retries?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from reviewbot.analyzers.python.names import dotted_name, qualified_name, string_value
from reviewbot.analyzers.python.rules.idempotency.index import ModuleIndex, descendants, statements
from reviewbot.analyzers.python.rules.idempotency.keys import COUNTER_NAMES

_RETRY_DECORATORS = frozenset({"backoff.on_exception", "backoff.on_predicate", "redo.retriable"})
_TASK_DECORATORS = frozenset({"task", "shared_task", "periodic_task", "db_task", "db_periodic_task"})
_LOOP_COUNTERS = frozenset({"range", "count", "itertools.count"})
_RETRY_WORDS = ("attempt", "retr", "tries")


@dataclass(frozen=True, slots=True)
class Retry:
    """What retries the call, for messages, and the names that count attempts."""

    description: str
    counters: frozenset[str] = frozenset()


def retry_around(parents: Sequence[cst.CSTNode], node: cst.CSTNode, index: ModuleIndex) -> Retry | None:
    """The innermost application-level retry around `node`, within its function."""
    child: cst.CSTNode = node
    tries: list[cst.Try] = []
    for position in range(len(parents) - 1, -1, -1):
        ancestor = parents[position]
        if isinstance(ancestor, cst.Lambda):
            return _retry_helper_call(parents[:position])
        if isinstance(ancestor, cst.ClassDef):
            return None
        if isinstance(ancestor, cst.FunctionDef):
            return retried_unit(ancestor, index)
        if isinstance(ancestor, cst.Try) and child is ancestor.body:
            tries.append(ancestor)
        if isinstance(ancestor, (cst.For, cst.While)) and child is ancestor.body:
            found = _retry_loop(ancestor, tries, index)
            if found is not None:
                return found
        child = ancestor
    return None


def _retry_helper_call(parents: Sequence[cst.CSTNode]) -> Retry | None:
    """`self._with_retries("capture", lambda: stripe...)`: a lambda handed to a retrying helper."""
    if len(parents) < 2 or not isinstance(parents[-1], cst.Arg) or not isinstance(parents[-2], cst.Call):
        return None
    name = dotted_name(parents[-2].func) or ""
    if any(word in name.rsplit(".", 1)[-1].lower() for word in _RETRY_WORDS):
        return Retry(f"`{name}()`")
    return None


def _retry_loop(loop: cst.For | cst.While, tries: list[cst.Try], index: ModuleIndex) -> Retry | None:
    if isinstance(loop, cst.For):
        targets = frozenset(n.value for n in descendants(loop.target) if isinstance(n, cst.Name))
        shown = " ".join(sorted(targets)) or "_"
        iterable = loop.iter
        if not isinstance(iterable, cst.Call):
            return None
        func = dotted_name(iterable.func) or ""
        if func.endswith("Retrying"):
            return Retry(f"the tenacity loop `for {shown} in {func}(...)`", targets)
        if qualified_name(iterable.func, index.imports) not in _LOOP_COUNTERS:
            return None
        names = {n.value for n in descendants(iterable) if isinstance(n, cst.Name)}
        if "len" in names or not _has_retrying_handler(tries):
            return None
        if not (_mentions_retry(targets | names) or _has_exit(loop)):
            return None
        return Retry(f"the retry loop `for {shown} in {func}(...)`", targets)
    names = {n.value for n in descendants(loop.test) if isinstance(n, cst.Name)}
    forever = isinstance(loop.test, cst.Name) and loop.test.value == "True"
    if not (forever or _mentions_retry(names)) or not _has_retrying_handler(tries):
        return None
    if forever and not _has_exit(loop):
        return None
    counted = {
        n.target.value
        for n in descendants(loop.body)
        if isinstance(n, cst.AugAssign) and isinstance(n.target, cst.Name)
    }
    shown = "while True" if forever else "while ..."
    return Retry(f"the retry loop `{shown}`", frozenset(names | counted) - {"True"})


def _mentions_retry(names: set[str] | frozenset[str]) -> bool:
    return any(word in name.lower() for name in names for word in _RETRY_WORDS) or bool(
        {n.lower() for n in names} & COUNTER_NAMES
    )


def _has_retrying_handler(tries: list[cst.Try]) -> bool:
    """Some handler lets the loop go round again (does not end in raise or return)."""
    for node in tries:
        for handler in node.handlers:
            body = statements(handler.body)
            last = body[-1] if body else None
            if not (
                isinstance(last, cst.SimpleStatementLine)
                and isinstance(last.body[-1], (cst.Raise, cst.Return, cst.Break))
            ):
                return True
    return False


def _has_exit(loop: cst.For | cst.While) -> bool:
    return any(isinstance(n, (cst.Break, cst.Return)) for n in descendants(loop.body))


def retried_unit(function: cst.FunctionDef, index: ModuleIndex) -> Retry | None:
    """A function re-run on failure: `@retry`, `@backoff.on_exception`, Celery `autoretry_for`/`self.retry`."""
    memo_key = ("retried", id(function))
    if memo_key in index.memo:
        found = index.memo[memo_key]
        return found if isinstance(found, Retry) else None
    result = _retried_unit(function, index)
    index.memo[memo_key] = result
    return result


def _retried_unit(function: cst.FunctionDef, index: ModuleIndex) -> Retry | None:
    name = function.name.value
    task = False
    for decorator in function.decorators:
        expr = decorator.decorator
        call = expr if isinstance(expr, cst.Call) else None
        target = call.func if call is not None else expr
        written = dotted_name(target) or ""
        qualified = qualified_name(target, index.imports) or written
        last = qualified.rsplit(".", 1)[-1].lower()
        if qualified in _RETRY_DECORATORS or "retry" in last or last in ("retriable", "retryable"):
            return Retry(f"`@{written}` on `{name}`")
        if qualified == "dramatiq.actor" and not _keyword_is(call, "max_retries", "0"):
            return Retry(f"`@{written}` on `{name}` (dramatiq retries by default)")
        if last in _TASK_DECORATORS:
            task = True
            if call is not None and any(
                a.keyword is not None and a.keyword.value == "autoretry_for" for a in call.args
            ):
                return Retry(f"Celery `autoretry_for` on `{name}`")
            if call is not None and any(
                a.keyword is not None
                and a.keyword.value == "retries"
                and not _keyword_is(call, "retries", "0")
                for a in call.args
            ):
                return Retry(f"`@{written}(retries=...)` on `{name}`")
    if task and function.params.params:
        first = function.params.params[0].name.value
        for node in descendants(function.body):
            if (
                isinstance(node, cst.Call)
                and isinstance(node.func, cst.Attribute)
                and node.func.attr.value == "retry"
                and isinstance(node.func.value, cst.Name)
                and node.func.value.value == first
            ):
                return Retry(f"`{first}.retry()` in task `{name}`")
    return None


def _keyword_is(call: cst.Call | None, keyword: str, literal: str) -> bool:
    if call is None:
        return False
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            value = arg.value
            return (isinstance(value, cst.Integer) and value.value == literal) or string_value(
                value
            ) == literal
    return False
