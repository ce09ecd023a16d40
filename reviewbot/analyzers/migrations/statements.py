"""One parsed SQL statement (libpg_query's JSON tree, see pgjson) -> the Operations the migration rules read."""

from __future__ import annotations

from collections.abc import Iterator

from pglast.parser import ParseError

from reviewbot.analyzers.migrations.model import (
    Column,
    ColumnType,
    ConstraintKind,
    Default,
    Operation,
    OpKind,
)
from reviewbot.analyzers.migrations.pgjson import (
    Fields,
    child,
    children,
    const_integer,
    const_string,
    flag,
    last_string,
    number,
    parse_statements,
    record,
    string_value,
    text,
    walk,
)
from reviewbot.analyzers.migrations.pgtypes import (
    SERIAL_TYPES,
    is_volatile_function,
    normalize_type,
    parse_duration_ms,
)

# LOCK TABLE modes by number (lockdefs.h): 1 ACCESS SHARE … 8 ACCESS EXCLUSIVE.
LOCK_MODE_NAMES = {
    1: "ACCESS SHARE", 2: "ROW SHARE", 3: "ROW EXCLUSIVE", 4: "SHARE UPDATE EXCLUSIVE",
    5: "SHARE", 6: "SHARE ROW EXCLUSIVE", 7: "EXCLUSIVE", 8: "ACCESS EXCLUSIVE",
}
_CONSTRAINT_KINDS = {
    "CONSTR_FOREIGN": ConstraintKind.FOREIGN_KEY,
    "CONSTR_CHECK": ConstraintKind.CHECK,
    "CONSTR_UNIQUE": ConstraintKind.UNIQUE,
    "CONSTR_PRIMARY": ConstraintKind.PRIMARY_KEY,
    "CONSTR_EXCLUSION": ConstraintKind.EXCLUSION,
}



def select_targets(expression: str) -> tuple[int, list[tuple[str, Fields]]]:
    """`SELECT <expression>` parsed: how many statements that makes, and the first one's target list
    ((0, []) when it does not parse)."""
    try:
        statements = parse_statements(f"SELECT {expression}")
    except ParseError:
        return 0, []
    first = statements[0] if statements else None
    return len(statements), children(first.node, "targetList") if first is not None and first.tag == "SelectStmt" else []


def relname(rel: Fields | None) -> str | None:
    if rel is None:
        return None
    return str(text(rel, "relname"))


def column_type(type_name: Fields | None) -> ColumnType | None:
    if type_name is None or not children(type_name, "names"):
        return None
    name = last_string(type_name, "names")
    mods: list[int] = []
    for tag, mod in children(type_name, "typmods"):
        value = const_integer(tag, mod)
        if value is not None:
            mods.append(value)
    return normalize_type(name, tuple(mods), bool(children(type_name, "arrayBounds")))


def function_names(expr: object) -> list[str]:
    return [last_string(fields, "funcname") for tag, fields in walk(expr)
            if tag == "FuncCall" and children(fields, "funcname")]


def string_literals(node: object) -> frozenset[str]:
    found = (const_string(tag, fields) for tag, fields in walk(node))
    return frozenset(value for value in found if value is not None)


def expression_default(expr: object) -> Default:
    names = function_names(expr)
    volatile = [n for n in names if is_volatile_function(n)]
    label = f"{volatile[0]}()" if volatile else (f"{names[0]}()" if names else "a constant")
    return Default(label, volatile=bool(volatile))


def column_from_def(col: Fields) -> Column:
    """A ColumnDef (CREATE TABLE element or ADD COLUMN) read into the model."""
    type_name = record(col, "typeName")
    ctype = column_type(type_name)
    raw_name = last_string(type_name, "names").lower() if type_name is not None else ""
    not_null = flag(col, "is_not_null")
    default: Default | None = None
    identity = stored = unique = primary = False
    references: str | None = None
    for tag, con in children(col, "constraints"):
        if tag != "Constraint":
            continue
        kind = text(con, "contype")
        if kind == "CONSTR_NOTNULL":
            not_null = True
        elif kind == "CONSTR_DEFAULT":
            raw_expr = con.get("raw_expr")
            default = expression_default(raw_expr)
            expr_tag, expr = child(con, "raw_expr")
            if expr_tag == "A_Const" and flag(expr, "isnull"):
                default = None
        elif kind == "CONSTR_IDENTITY":
            identity = True
        elif kind == "CONSTR_GENERATED":
            stored = text(con, "generated_kind") != "v"
        elif kind == "CONSTR_FOREIGN":
            references = relname(record(con, "pktable"))
        elif kind == "CONSTR_UNIQUE":
            unique = True
        elif kind == "CONSTR_PRIMARY":
            primary = True
    return Column(
        name=text(col, "colname") or "",
        type=ctype,
        not_null=not_null or primary,
        default=default,
        serial=raw_name in SERIAL_TYPES,
        identity=identity,
        stored_generated=stored,
        references=references,
        unique=unique,
        primary_key=primary,
    )


def not_null_columns(tag: str, expr: Fields) -> tuple[str, ...]:
    """Columns a CHECK expression proves non-null: `col IS NOT NULL` (possibly AND-ed)."""
    out: list[str] = []
    if tag == "NullTest" and text(expr, "nulltesttype") == "IS_NOT_NULL":
        arg_tag, arg = child(expr, "arg")
        if arg_tag == "ColumnRef" and children(arg, "fields"):
            out.append(last_string(arg, "fields"))
    elif tag == "BoolExpr" and text(expr, "boolop") == "AND_EXPR":
        for arg_tag, arg in children(expr, "args"):
            out.extend(not_null_columns(arg_tag, arg))
    return tuple(out)


def constraint_operation(con: Fields, table: str | None, line: int, end_line: int, key: tuple[int, int]) -> Operation:
    kind = _CONSTRAINT_KINDS.get(text(con, "contype") or "", ConstraintKind.OTHER)
    name = text(con, "conname")
    return Operation(
        OpKind.ADD_CONSTRAINT, line, end_line, statement=key, table=table,
        constraint=kind,
        constraint_name=name or None,
        not_valid=flag(con, "skip_validation"),
        using_index=bool(text(con, "indexname")),
        references=relname(record(con, "pktable")) if kind is ConstraintKind.FOREIGN_KEY else None,
        proves_not_null=not_null_columns(*child(con, "raw_expr")) if kind is ConstraintKind.CHECK else (),
    )


def _alter_table(stmt: Fields, line: int, end_line: int, key: tuple[int, int]) -> Iterator[Operation]:
    if text(stmt, "objtype") != "OBJECT_TABLE":
        return
    table = relname(record(stmt, "relation"))
    for tag, cmd in children(stmt, "cmds"):
        if tag != "AlterTableCmd":
            continue
        sub = text(cmd, "subtype") or ""
        name = text(cmd, "name") or None
        def_tag, definition = child(cmd, "def")
        if sub == "AT_AddColumn" and def_tag == "ColumnDef":
            column = column_from_def(definition)
            yield Operation(OpKind.ADD_COLUMN, line, end_line, statement=key, table=table, column=column,
                            column_name=column.name, references=column.references)
        elif sub == "AT_DropColumn":
            yield Operation(OpKind.DROP_COLUMN, line, end_line, statement=key, table=table, column_name=name)
        elif sub == "AT_AlterColumnType" and def_tag == "ColumnDef":
            yield Operation(OpKind.ALTER_COLUMN_TYPE, line, end_line, statement=key, table=table, column_name=name,
                            new_type=column_type(record(definition, "typeName")),
                            using=definition.get("raw_default") is not None)
        elif sub == "AT_SetNotNull":
            yield Operation(OpKind.SET_NOT_NULL, line, end_line, statement=key, table=table, column_name=name)
        elif sub == "AT_AddConstraint" and def_tag == "Constraint":
            yield constraint_operation(definition, table, line, end_line, key)
        elif sub == "AT_ValidateConstraint":
            yield Operation(OpKind.VALIDATE_CONSTRAINT, line, end_line, statement=key, table=table,
                            constraint_name=name)
        elif sub == "AT_DetachPartition" and flag(definition, "concurrent"):
            yield Operation(OpKind.OTHER, line, end_line, statement=key, table=table, concurrently=True)
        else:
            label = sub.removeprefix("AT_") if sub else "ALTER"
            yield Operation(OpKind.OTHER_ALTER, line, end_line, statement=key, table=table, column_name=name,
                            description=label, lock_mode=_weaker_alter_lock(sub, cmd))


# ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE (PG 16 docs, ALTER TABLE; measured by
# `reviewbot trace`: statistics and storage parameters take SHARE UPDATE EXCLUSIVE, triggers SHARE ROW
# EXCLUSIVE). Storage parameters outside _LIGHT_RELOPTIONS still take ACCESS EXCLUSIVE.
_SHARE_UPDATE_EXCLUSIVE_ALTERS = frozenset({
    "AT_SetStatistics", "AT_SetOptions", "AT_ResetOptions", "AT_ClusterOn", "AT_DropCluster",
})
_RELOPTION_ALTERS = frozenset({"AT_SetRelOptions", "AT_ResetRelOptions"})
_TRIGGER_ALTERS = frozenset({
    "AT_EnableTrig", "AT_EnableAlwaysTrig", "AT_EnableReplicaTrig", "AT_EnableTrigAll", "AT_EnableTrigUser",
    "AT_DisableTrig", "AT_DisableTrigAll", "AT_DisableTrigUser",
})
_LIGHT_RELOPTIONS = ("fillfactor", "autovacuum_", "toast_tuple_target", "parallel_workers", "toast.")


def _weaker_alter_lock(subtype: str, cmd: Fields) -> str:
    """The lock mode of an ALTER TABLE subcommand weaker than ACCESS EXCLUSIVE ("" for ACCESS EXCLUSIVE)."""
    if subtype in _SHARE_UPDATE_EXCLUSIVE_ALTERS:
        return "SHARE UPDATE EXCLUSIVE"
    if subtype in _TRIGGER_ALTERS:
        return "SHARE ROW EXCLUSIVE"
    if subtype in _RELOPTION_ALTERS:
        options = [o for tag, o in children(cmd, "def") if tag == "DefElem"]
        names = [f"{text(o, 'defnamespace')}.{text(o, 'defname')}" if text(o, "defnamespace")
                 else str(text(o, "defname")) for o in options]
        if names and all(n.startswith(_LIGHT_RELOPTIONS) for n in names):
            return "SHARE UPDATE EXCLUSIVE"
    return ""


def statement_operations(
    tag: str, stmt: Fields, line: int, end_line: int, key: tuple[int, int], *, literals: bool = True
) -> list[Operation]:
    """The operations of one parsed statement (its node type and fields); `key` is its `Operation.statement`.

    The key is set as each operation is built: copying every operation afterwards cost ~10% of the pass.
    `literals` False leaves `string_literals` empty (see `Operation.string_literals`).
    """
    if tag == "TransactionStmt":
        kind = text(stmt, "kind")
        if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
            return [Operation(OpKind.BEGIN, line, end_line, statement=key)]
        if kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"):
            return [Operation(OpKind.COMMIT, line, end_line, statement=key)]
        return []
    if tag == "VariableSetStmt":
        if (text(stmt, "name") or "").lower() != "lock_timeout":
            return []
        value: int | None = 0
        for arg_tag, arg in children(stmt, "args"):
            integer = const_integer(arg_tag, arg)
            string = const_string(arg_tag, arg)
            if integer is not None:
                value = integer
            elif string is not None:
                value = parse_duration_ms(string)
        return [Operation(OpKind.SET_LOCK_TIMEOUT, line, end_line, statement=key, lock_timeout_ms=value)]
    if tag == "CreateStmt":
        columns = tuple(column_from_def(e) for e_tag, e in children(stmt, "tableElts") if e_tag == "ColumnDef")
        return [Operation(OpKind.CREATE_TABLE, line, end_line, statement=key, table=relname(record(stmt, "relation")),
                          columns=columns)]
    if tag == "CreateTableAsStmt":
        into = record(stmt, "into")
        target = relname(record(into, "rel") if into is not None else None)
        return [Operation(OpKind.CREATE_TABLE, line, end_line, statement=key, table=target)]
    if tag == "IndexStmt":
        return [Operation(OpKind.CREATE_INDEX, line, end_line, statement=key, table=relname(record(stmt, "relation")),
                          concurrently=flag(stmt, "concurrent"), unique=flag(stmt, "unique"),
                          constraint_name=text(stmt, "idxname") or None)]
    if tag == "AlterTableStmt":
        return list(_alter_table(stmt, line, end_line, key))
    if tag == "RenameStmt":
        rename = text(stmt, "renameType")
        if rename == "OBJECT_COLUMN" and text(stmt, "relationType") == "OBJECT_TABLE":
            return [Operation(OpKind.RENAME_COLUMN, line, end_line, statement=key,
                              table=relname(record(stmt, "relation")),
                              column_name=str(text(stmt, "subname")), new_name=str(text(stmt, "newname")))]
        if rename == "OBJECT_TABLE":
            return [Operation(OpKind.RENAME_TABLE, line, end_line, statement=key,
                              table=relname(record(stmt, "relation")),
                              new_name=str(text(stmt, "newname")))]
        return []
    if tag == "DropStmt":
        return _drop(stmt, line, end_line, key)
    if tag in ("UpdateStmt", "DeleteStmt"):
        verb = "UPDATE" if tag == "UpdateStmt" else "DELETE FROM"
        table = relname(record(stmt, "relation"))
        return [Operation(OpKind.BACKFILL, line, end_line, statement=key, table=table, description=f"{verb} {table}",
                          string_literals=string_literals(stmt) if literals else frozenset())]
    if tag == "InsertStmt":
        return [Operation(OpKind.OTHER, line, end_line, statement=key, table=relname(record(stmt, "relation")),
                          string_literals=string_literals(stmt) if literals else frozenset())]
    return _maintenance(tag, stmt, line, end_line, key, literals)


def _drop(stmt: Fields, line: int, end_line: int, key: tuple[int, int]) -> list[Operation]:
    # Each object of DROP TABLE / DROP INDEX is a List of name parts
    names = [".".join(string_value(*part) for part in children(obj, "items"))
             for tag, obj in children(stmt, "objects") if tag == "List"]
    remove = text(stmt, "removeType")
    if remove == "OBJECT_TABLE":
        return [Operation(OpKind.DROP_TABLE, line, end_line, statement=key, table=n) for n in names]
    if remove == "OBJECT_INDEX":
        return [Operation(OpKind.DROP_INDEX, line, end_line, statement=key, constraint_name=n,
                          concurrently=flag(stmt, "concurrent")) for n in names]
    return []


def _maintenance(
    tag: str, stmt: Fields, line: int, end_line: int, key: tuple[int, int], literals: bool
) -> list[Operation]:
    if tag == "VacuumStmt":
        full = any(o_tag == "DefElem" and text(o, "defname") == "full" for o_tag, o in children(stmt, "options"))
        if not (full and flag(stmt, "is_vacuumcmd")):
            return []
        tables = [relname(record(r, "relation")) for r_tag, r in children(stmt, "rels") if r_tag == "VacuumRelation"]
        return [Operation(OpKind.VACUUM_FULL, line, end_line, statement=key, table=t) for t in tables or [None]]
    if tag == "ClusterStmt":
        return [Operation(OpKind.CLUSTER, line, end_line, statement=key, table=relname(record(stmt, "relation")))]
    if tag == "ReindexStmt":
        concurrent = any(o_tag == "DefElem" and text(o, "defname") == "concurrently"
                         for o_tag, o in children(stmt, "params"))
        target = relname(record(stmt, "relation")) or text(stmt, "name") or None
        return [Operation(OpKind.REINDEX, line, end_line, statement=key, table=target, concurrently=concurrent)]
    if tag == "LockStmt":
        mode = LOCK_MODE_NAMES.get(number(stmt, "mode") or 8, "ACCESS EXCLUSIVE")
        return [Operation(OpKind.LOCK_TABLE, line, end_line, statement=key, table=relname(r), lock_mode=mode)
                for r_tag, r in children(stmt, "relations") if r_tag == "RangeVar"]
    if tag == "AlterEnumStmt":
        if not text(stmt, "newVal") or text(stmt, "oldVal"):
            return []
        type_name = ".".join(string_value(*part) for part in children(stmt, "typeName"))
        return [Operation(OpKind.ADD_ENUM_VALUE, line, end_line, statement=key, enum_type=type_name,
                          enum_value=text(stmt, "newVal"))]
    if tag == "SelectStmt":
        timeout = _set_config_lock_timeout(stmt)
        if timeout is not None:
            return [Operation(OpKind.SET_LOCK_TIMEOUT, line, end_line, statement=key, lock_timeout_ms=timeout)]
    found = string_literals(stmt) if literals else frozenset()
    return [Operation(OpKind.OTHER, line, end_line, statement=key, string_literals=found)]


def _set_config_lock_timeout(stmt: Fields) -> int | None:
    """`SELECT set_config('lock_timeout', '2s', false)` sets the timeout like SET does."""
    for tag, node in walk(stmt.get("targetList")):
        if tag == "FuncCall" and children(node, "funcname") and last_string(node, "funcname") == "set_config":
            args = children(node, "args")
            if len(args) >= 2 and args[0][0] == "A_Const" and args[1][0] == "A_Const":
                if const_string(*args[0]) == "lock_timeout":
                    string = const_string(*args[1])
                    if string is not None:
                        return parse_duration_ms(string)
                    integer = const_integer(*args[1])
                    if integer is not None:
                        return integer
    return None


def parse_expression_default(expr_sql: str) -> Default | None:
    """A default given as SQL text (Alembic `sa.text("now()")`): its volatility, via pglast."""
    _, targets = select_targets(expr_sql)
    if not targets:
        return None
    tag, target = targets[0]
    return expression_default(target.get("val") if tag == "ResTarget" else {tag: target})
