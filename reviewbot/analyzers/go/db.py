"""Go database writes: SQL strings run by database/sql, pgx or sqlx, and GORM, ent and bun builders.

`db_write(ctx, call)` says whether a call writes rows, and what it writes (the table, the SET columns, the
WHERE clause, the SQL when there is one). The SQL is read from a literal argument, a variable or constant
holding one in the same function or file, a `fmt.Sprintf` of one, or the `Prepare` a statement came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import tree_sitter

from reviewbot.analyzers.go.syntax import (
    arguments,
    assignments_to,
    call_chain,
    callee_name,
    enclosing_function,
    method_chain,
    specs,
    string_value,
    top_level,
    unparen,
)
from reviewbot.analyzers.treesitter.nodes import ancestors, node_text
from reviewbot.analyzers.treesitter.rule import FileContext

Node = tree_sitter.Node

# database/sql, pgx and sqlx methods that run SQL (`Query*` included: `UPDATE … RETURNING` runs through them).
SQL_METHODS = frozenset({
    "Exec", "ExecContext", "Query", "QueryContext", "QueryRow", "QueryRowContext", "NamedExec", "NamedExecContext",
    "MustExec", "MustExecContext", "Get", "GetContext", "Select", "SelectContext", "Prepare", "PrepareContext",
    "Preparex", "PreparexContext", "SendBatch", "Queue",
})
_WRITE_SQL = re.compile(r"^\s*(WITH\b.*?\)\s*)?(INSERT\s+INTO|UPDATE|DELETE\s+FROM|UPSERT\s+INTO)\s+([\w.\"]+)", re.I | re.S)
_SET = re.compile(r"\bSET\b(?P<set>.*?)(\bWHERE\b(?P<where>.*?))?(\bRETURNING\b.*)?$", re.I | re.S)
_INSERT_COLUMNS = re.compile(r"INSERT\s+INTO\s+[\w.\"]+\s*\((?P<cols>[^)]*)\)", re.I)
# GORM: builder methods that make a chain GORM's, and the write methods that end it.
GORM_BUILDERS = frozenset({"Model", "Table", "Where", "Clauses", "WithContext", "Session", "Omit", "Debug", "Unscoped"})
GORM_WRITES = frozenset({"Create", "Save", "Update", "Updates", "UpdateColumn", "UpdateColumns", "Delete", "CreateInBatches"})
# ent: builders that write; `.Save(ctx)`/`.Exec(ctx)` run them.
ENT_WRITE_BUILDERS = frozenset({"Create", "CreateBulk", "Update", "UpdateOne", "UpdateOneID", "Delete", "DeleteOne",
                                "DeleteOneID", "MapCreateBulk", "OnConflict"})
ENT_RUNS = frozenset({"Save", "SaveX", "Exec", "ExecX"})
BUN_WRITES = frozenset({"NewInsert", "NewUpdate", "NewDelete"})


@dataclass(frozen=True, slots=True)
class DbWrite:
    node: Node  # the call that writes
    kind: str  # "sql", "gorm", "ent", "bun"
    verb: str  # "insert", "update", "delete", "save"
    table: str  # lower case, '' when unknown (an ent entity name, a GORM model's type)
    sql: str = ""
    set_columns: tuple[str, ...] = ()
    where: str = ""
    set_values: dict[str, Node] = field(default_factory=dict)  # ent `SetStatus(x)` / GORM `Update("status", x)`
    prepared: bool = False  # `stmt.Exec(...)` running SQL a `Prepare` in the same function holds
    display: str = ""  # how a message names an ORM write: `Payment.UpdateOneID(…)`, `Model(&Order{}).Update(…)`

    @property
    def label(self) -> str:
        if self.kind == "sql":
            return f"{self.verb.upper()} {self.table}" if self.table else self.verb.upper()
        return self.display or self.kind


def sql_text(ctx: FileContext, node: Node | None, depth: int = 0) -> str | None:
    """The SQL an argument holds: a literal, a `+` of literals, a variable or constant assigned one,
    or the format of a `fmt.Sprintf`."""
    node = unparen(node)
    if node is None or depth > 3:
        return None
    value = string_value(node)
    if value is not None:
        return value
    if node.type == "call_expression" and ".".join(call_chain(node)) in ("fmt.Sprintf", "strings.Join"):
        args = arguments(node)
        return sql_text(ctx, args[0], depth + 1) if args else None
    if node.type == "identifier":
        name = node_text(node)
        function = enclosing_function(node)
        if function is not None:
            for assignment in assignments_to(ctx, function, name):
                if assignment.value is not None and assignment.statement.start_byte < node.start_byte:
                    found = sql_text(ctx, assignment.value, depth + 1)
                    if found is not None:
                        return found
        return _constants(ctx).get(name)
    return None


def _constants(ctx: FileContext) -> dict[str, str]:
    return ctx.fact(_file_constants)


def _file_constants(ctx: FileContext) -> dict[str, str]:
    found: dict[str, str] = {}
    declarations = top_level(ctx, "const_declaration", "var_declaration")
    for spec in (s for d in declarations for s in [*specs(d, "const_spec"), *specs(d, "var_spec")]):
        names = list(spec.children_by_field_name("name"))
        values = spec.child_by_field_name("value")
        if values is None:
            continue
        for name, value in zip(names, values.named_children, strict=False):
            text = string_value(value)
            if text is not None:
                found[node_text(name)] = text
    return found


def parse_sql_write(sql: str) -> tuple[str, str, tuple[str, ...], str] | None:
    """(verb, table, SET or INSERT columns, WHERE text) of a write statement, or None."""
    match = _WRITE_SQL.search(sql)
    if match is None:
        return None
    head = match.group(2).split()[0].lower()
    verb = {"insert": "insert", "update": "update", "delete": "delete", "upsert": "insert"}[head]
    table = match.group(3).strip('"').lower().rsplit(".", 1)[-1]
    columns: tuple[str, ...] = ()
    where = ""
    rest = sql[match.end():]
    if verb == "update":
        found = _SET.search(rest)
        if found is not None:
            columns = tuple(_column(part) for part in _split_top(found.group("set")))
            where = found.group("where") or ""
    elif verb == "insert":
        found = _INSERT_COLUMNS.search(sql)
        if found is not None:
            columns = tuple(c.strip().strip('"').lower() for c in found.group("cols").split(","))
    elif verb == "delete":
        found = re.search(r"\bWHERE\b(.*)$", rest, re.I | re.S)
        where = found.group(1) if found else ""
    return verb, table, columns, where


def set_expressions(sql: str) -> dict[str, str]:
    """`UPDATE t SET a = a + $1, b = $2` -> {a: "a + $1", b: "$2"}."""
    match = _WRITE_SQL.search(sql)
    if match is None:
        return {}
    found = _SET.search(sql[match.end():])
    if found is None:
        return {}
    result: dict[str, str] = {}
    for part in _split_top(found.group("set")):
        if "=" in part:
            column, expression = part.split("=", 1)
            result[_column(column)] = expression.strip()
    return result


def _column(text: str) -> str:
    return text.split("=", 1)[0].strip().strip('"').lower().rsplit(".", 1)[-1]


def _split_top(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if "".join(current).strip():
        parts.append("".join(current))
    return parts


def db_write(ctx: FileContext, call: Node) -> DbWrite | None:
    """What `call` writes to the database, or None when it is not a write we can see."""
    if call.type != "call_expression":
        return None
    parts = call_chain(call)
    if not parts:
        return None
    method = parts[-1]
    if method in SQL_METHODS:
        found = _sql_write(ctx, call, method)
        if found is not None:
            return found
    chain = method_chain(call)
    if method in ENT_RUNS and any(p in BUN_WRITES for p in chain):
        return DbWrite(call, "bun", "save", "", display=".".join(chain[-3:]) + "(…)")
    if method in ENT_RUNS and len(chain) >= 3:
        found = _ent_write(call, chain)
        if found is not None:
            return found
    if method in GORM_WRITES:
        found = _gorm_write(call, chain)
        if found is not None:
            return found
    return None


def _sql_write(ctx: FileContext, call: Node, method: str) -> DbWrite | None:
    args = arguments(call)
    for arg in args[:2]:
        sql = sql_text(ctx, arg)
        if sql is None:
            continue
        parsed = parse_sql_write(sql)
        if parsed is None:
            return None
        verb, table, columns, where = parsed
        return DbWrite(call, "sql", verb, table, sql, columns, where)
    if method in ("Exec", "ExecContext", "Query", "QueryContext", "QueryRow", "QueryRowContext"):
        prepared = _prepared_sql(ctx, call)
        if prepared is not None:
            parsed = parse_sql_write(prepared)
            if parsed is not None:
                verb, table, columns, where = parsed
                return DbWrite(call, "sql", verb, table, prepared, columns, where, prepared=True)
    return None


def _prepared_sql(ctx: FileContext, call: Node) -> str | None:
    """`stmt.Exec(args)` where `stmt, err := tx.Prepare(query)` in the same function: the query."""
    parts = call_chain(call)
    if len(parts) != 2:
        return None
    function = enclosing_function(call)
    if function is None:
        return None
    for assignment in assignments_to(ctx, function, parts[0]):
        value = unparen(assignment.value)
        if value is not None and value.type == "call_expression" and callee_name(value).startswith("Prepare"):
            args = arguments(value)
            for arg in args[:2]:
                sql = sql_text(ctx, arg)
                if sql is not None:
                    return sql
    return None


def _ent_write(call: Node, chain: tuple[str, ...]) -> DbWrite | None:
    builders = list(chain[:-1])
    index = next((i for i, b in enumerate(builders) if b in ENT_WRITE_BUILDERS and i > 0), -1)
    if index < 0:
        return None
    builder = builders[index]
    verb = {"Create": "insert", "CreateBulk": "insert", "MapCreateBulk": "insert", "OnConflict": "insert",
            "Delete": "delete", "DeleteOne": "delete", "DeleteOneID": "delete"}.get(builder, "update")
    entity = builders[index - 1]
    sets, where = _ent_setters(call)
    return DbWrite(call, "ent", verb, entity.lower(), "", tuple(sets), where, sets, display=f"{entity}.{builder}(…)")


def _ent_setters(call: Node) -> tuple[dict[str, Node], str]:
    """The `SetX(v)` calls and `Where(...)` predicates along an ent builder chain."""
    sets: dict[str, Node] = {}
    where: list[str] = []
    current: Node | None = call
    while current is not None and current.type == "call_expression":
        name = callee_name(current)
        args = arguments(current)
        if name.startswith(("Set", "Add")) and name not in ("SetNillable",) and args:
            column = re.sub(r"(?<!^)(?=[A-Z])", "_", name[3:]).lower()
            sets.setdefault(("add_" if name.startswith("Add") else "") + column, args[0])
        elif name == "Where":
            where.extend(node_text(a) for a in args)
        function = current.child_by_field_name("function")
        current = function.child_by_field_name("operand") if function is not None and function.type == "selector_expression" else None
    return sets, " AND ".join(where)


_DB_ROOTS = re.compile(r"^(db|tx|gdb|gormDB|gormDb|orm|conn|DB|Db)$")


def _gorm_write(call: Node, chain: tuple[str, ...]) -> DbWrite | None:
    builders = chain[:-1]
    is_gorm = any(b in GORM_BUILDERS for b in builders) or (len(chain) >= 2 and _DB_ROOTS.match(chain[-2]) is not None)
    if not is_gorm:
        return None
    method = chain[-1]
    verb = {"Create": "insert", "CreateInBatches": "insert", "Delete": "delete", "Save": "save"}.get(method, "update")
    sets: dict[str, Node] = {}
    args = arguments(call)
    if method in ("Update", "UpdateColumn") and len(args) >= 2:
        column = string_value(args[0])
        if column is not None:
            sets[column.lower()] = args[1]
    elif method in ("Updates", "UpdateColumns") and args:
        inner = unparen(args[0])
        if inner is not None and inner.type == "composite_literal":
            body = inner.child_by_field_name("body")
            for element in body.named_children if body is not None else []:
                children = [c for c in element.named_children if c.type != "comment"]
                if element.type == "keyed_element" and len(children) == 2:
                    key = string_value(children[0].named_children[0] if children[0].named_children else children[0])
                    name = key if key is not None else node_text(children[0])
                    value = children[1].named_children[0] if children[1].named_children else children[1]
                    sets[re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()] = value
    where = " AND ".join(_gorm_where(call))
    model = ""
    for ancestor_call in _chain_calls(call):
        if callee_name(ancestor_call) in ("Model", "Table"):
            model_args = arguments(ancestor_call)
            model = node_text(model_args[0]).lstrip("&").strip('"') if model_args else ""
    if not model and method in ("Create", "Save", "Delete") and args:
        model = node_text(args[0]).lstrip("&")
    display = f"Model({model}).{method}(…)" if model else f"{method}(…)"
    return DbWrite(call, "gorm", verb, model.lower(), "", tuple(sets), where, sets, display=display)


def _chain_calls(call: Node) -> list[Node]:
    """The calls along a method chain, outermost first."""
    found: list[Node] = []
    current: Node | None = call
    while current is not None and current.type == "call_expression":
        found.append(current)
        function = current.child_by_field_name("function")
        current = function.child_by_field_name("operand") if function is not None and function.type == "selector_expression" else None
    return found


def _gorm_where(call: Node) -> list[str]:
    return [" ".join(node_text(a) for a in arguments(c)) for c in _chain_calls(call) if callee_name(c) == "Where"]


def in_transaction_with_lock(ctx: FileContext, node: Node) -> bool:
    """Whether the code around `node` takes a row lock: FOR UPDATE SQL, GORM `clause.Locking`,
    ent `ForUpdate()`, a repository `GetForUpdate`/`LockX`, or an advisory lock."""
    function = enclosing_function(node)
    scopes = [function] if function is not None else []
    scopes.extend(a for a in ancestors(node) if a.type in ("function_declaration", "method_declaration"))
    for scope in scopes:
        if scope is None:
            continue
        if locks(node_text(scope)):
            return True
    return False


LOCKING = re.compile(
    r"FOR\s+(NO\s+KEY\s+)?UPDATE|FOR\s+SHARE|clause\.Locking|\.ForUpdate\(|\.ForShare\(|ForUpdate\w*\(|"
    r"\bLock\w*\(|pg_advisory_x?act_lock|pg_advisory_lock|SERIALIZABLE|sql\.LevelSerializable|"
    r"pgx\.Serializable|WithLock|Locking\{",
)
# Every alternative of LOCKING holds one of these words. The regex reads 30 MB/s, `in` a hundred times
# that: whole functions are asked, most hold none of them.
_LOCKING_WORDS = ("FOR", "Lock", "lock", "SERIALIZABLE", "Serializable", "ForUpdate", "ForShare")


def locks(text: str) -> bool:
    """Whether the text takes a row lock (`FOR UPDATE`, GORM's clause.Locking, ent's ForUpdate), an
    advisory lock or serializable isolation: LOCKING, searched only in a text that holds one of its words."""
    return any(word in text for word in _LOCKING_WORDS) and LOCKING.search(text) is not None
