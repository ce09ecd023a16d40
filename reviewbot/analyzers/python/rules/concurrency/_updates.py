"""ORM bulk updates for the RB5xx rules: Django `.update()`, SQLAlchemy `update().values()` and `query().update()`."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from reviewbot.analyzers.python.names import literal_value
from reviewbot.analyzers.python.rules.concurrency._chains import segments

_UPDATE_CONDITIONS = frozenset({"filter", "filter_by", "where", "exclude", "get"})


@dataclass(frozen=True, slots=True)
class QueryUpdate:
    """An ORM bulk update: Django `.update(...)`, SQLAlchemy `update(...).values(...)`/`query().update()`."""

    node: cst.Call
    entity: str
    values: tuple[tuple[str, cst.BaseExpression], ...]
    conditions: tuple[cst.Call, ...]
    result_used: bool



def query_update(call: cst.Call, parents: list[cst.CSTNode]) -> QueryUpdate | None:
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
