"""One parsed SQL statement (a pglast node) -> the Operations the migration rules read."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast, parse_sql
from pglast.enums import (
    AlterTableType,
    ConstrType,
    NullTestType,
    ObjectType,
    TransactionStmtKind,
)
from pglast.parser import ParseError, parse_sql_json

from reviewbot.analyzers.migrations.model import (
    Column,
    ColumnType,
    ConstraintKind,
    Default,
    Operation,
    OpKind,
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
    ConstrType.CONSTR_FOREIGN: ConstraintKind.FOREIGN_KEY,
    ConstrType.CONSTR_CHECK: ConstraintKind.CHECK,
    ConstrType.CONSTR_UNIQUE: ConstraintKind.UNIQUE,
    ConstrType.CONSTR_PRIMARY: ConstraintKind.PRIMARY_KEY,
    ConstrType.CONSTR_EXCLUSION: ConstraintKind.EXCLUSION,
}



# Below this many characters no statement can nest deeper than pglast converts safely: a left-deep
# chain like `1+1+…` needs two characters a level, libpg_query stops at about 15,000 levels with
# "stack depth limit exceeded", and pglast's conversion to Python overflows the C stack from about
# 25,000 (a crash, not an exception). Longer texts are checked with the JSON parser first.
DEPTH_CHECK_CHARS = 20_000


def parse_guarded(text: str) -> tuple[ast.RawStmt, ...]:
    """pglast.parse_sql, but a text nested too deeply is a ParseError, never a crash of the process."""
    if len(text) > DEPTH_CHECK_CHARS:
        parse_sql_json(text)
    return tuple(parse_sql(text))


def relname(rel: ast.RangeVar | None) -> str | None:
    if rel is None:
        return None
    return str(rel.relname)


def _string(node: object) -> str:
    if isinstance(node, ast.String):
        return str(node.sval)
    return ""


def column_type(type_name: ast.TypeName | None) -> ColumnType | None:
    if type_name is None or not type_name.names:
        return None
    name = _string(type_name.names[-1])
    mods: list[int] = []
    for mod in type_name.typmods or ():
        if isinstance(mod, ast.A_Const) and isinstance(mod.val, ast.Integer):
            mods.append(int(mod.val.ival or 0))
    return normalize_type(name, tuple(mods), bool(type_name.arrayBounds))


def iter_nodes(node: object) -> Iterator[ast.Node]:
    """Every pglast node under `node`, itself included, in document order."""
    # An explicit stack: a long `a || b || …` is a left-deep tree deeper than Python's recursion limit.
    stack: list[object] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Node):
            yield current
            stack.extend(reversed([getattr(current, attr) for attr in current]))
        elif isinstance(current, tuple | list):
            stack.extend(reversed(current))


def function_names(expr: object) -> list[str]:
    names: list[str] = []
    for node in iter_nodes(expr):
        if isinstance(node, ast.FuncCall) and node.funcname:
            names.append(_string(node.funcname[-1]))
    return names


def string_literals(node: object) -> frozenset[str]:
    return frozenset(
        str(n.val.sval) for n in iter_nodes(node) if isinstance(n, ast.A_Const) and isinstance(n.val, ast.String)
    )


def expression_default(expr: object) -> Default:
    names = function_names(expr)
    volatile = [n for n in names if is_volatile_function(n)]
    text = f"{volatile[0]}()" if volatile else (f"{names[0]}()" if names else "a constant")
    return Default(text, volatile=bool(volatile))


def column_from_def(col: ast.ColumnDef) -> Column:
    """A ColumnDef (CREATE TABLE element or ADD COLUMN) read into the model."""
    ctype = column_type(col.typeName)
    raw_name = _string(col.typeName.names[-1]).lower() if col.typeName and col.typeName.names else ""
    not_null = bool(col.is_not_null)
    default: Default | None = None
    identity = stored = unique = primary = False
    references: str | None = None
    for con in col.constraints or ():
        if not isinstance(con, ast.Constraint):
            continue
        kind = con.contype
        if kind == ConstrType.CONSTR_NOTNULL:
            not_null = True
        elif kind == ConstrType.CONSTR_DEFAULT:
            default = expression_default(con.raw_expr)
            if isinstance(con.raw_expr, ast.A_Const) and con.raw_expr.isnull:
                default = None
        elif kind == ConstrType.CONSTR_IDENTITY:
            identity = True
        elif kind == ConstrType.CONSTR_GENERATED:
            stored = con.generated_kind != "v"
        elif kind == ConstrType.CONSTR_FOREIGN:
            references = relname(con.pktable)
        elif kind == ConstrType.CONSTR_UNIQUE:
            unique = True
        elif kind == ConstrType.CONSTR_PRIMARY:
            primary = True
    return Column(
        name=str(col.colname or ""),
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


def not_null_columns(expr: object) -> tuple[str, ...]:
    """Columns a CHECK expression proves non-null: `col IS NOT NULL` (possibly AND-ed)."""
    out: list[str] = []
    if isinstance(expr, ast.NullTest) and expr.nulltesttype == NullTestType.IS_NOT_NULL:
        if isinstance(expr.arg, ast.ColumnRef) and expr.arg.fields:
            out.append(_string(expr.arg.fields[-1]))
    elif isinstance(expr, ast.BoolExpr) and getattr(expr.boolop, "name", "") == "AND_EXPR":
        for arg in expr.args or ():
            out.extend(not_null_columns(arg))
    return tuple(out)


def constraint_operation(con: ast.Constraint, table: str | None, line: int, end_line: int) -> Operation:
    kind = _CONSTRAINT_KINDS.get(con.contype, ConstraintKind.OTHER) if con.contype is not None else ConstraintKind.OTHER
    return Operation(
        OpKind.ADD_CONSTRAINT,
        line,
        end_line,
        table=table,
        constraint=kind,
        constraint_name=str(con.conname) if con.conname else None,
        not_valid=bool(con.skip_validation),
        using_index=bool(con.indexname),
        references=relname(con.pktable) if kind is ConstraintKind.FOREIGN_KEY else None,
        proves_not_null=not_null_columns(con.raw_expr) if kind is ConstraintKind.CHECK else (),
    )


def _alter_table(stmt: ast.AlterTableStmt, line: int, end_line: int) -> Iterator[Operation]:
    if stmt.objtype != ObjectType.OBJECT_TABLE:
        return
    table = relname(stmt.relation)
    for cmd in stmt.cmds or ():
        if not isinstance(cmd, ast.AlterTableCmd):
            continue
        sub = cmd.subtype
        name = str(cmd.name) if cmd.name else None
        if sub == AlterTableType.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
            column = column_from_def(cmd.def_)
            yield Operation(OpKind.ADD_COLUMN, line, end_line, table=table, column=column,
                            column_name=column.name, references=column.references)
        elif sub == AlterTableType.AT_DropColumn:
            yield Operation(OpKind.DROP_COLUMN, line, end_line, table=table, column_name=name)
        elif sub == AlterTableType.AT_AlterColumnType and isinstance(cmd.def_, ast.ColumnDef):
            yield Operation(OpKind.ALTER_COLUMN_TYPE, line, end_line, table=table, column_name=name,
                            new_type=column_type(cmd.def_.typeName), using=cmd.def_.raw_default is not None)
        elif sub == AlterTableType.AT_SetNotNull:
            yield Operation(OpKind.SET_NOT_NULL, line, end_line, table=table, column_name=name)
        elif sub == AlterTableType.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint):
            yield constraint_operation(cmd.def_, table, line, end_line)
        elif sub == AlterTableType.AT_ValidateConstraint:
            yield Operation(OpKind.VALIDATE_CONSTRAINT, line, end_line, table=table, constraint_name=name)
        elif sub in (AlterTableType.AT_DetachPartition,) and getattr(cmd.def_, "concurrent", False):
            yield Operation(OpKind.OTHER, line, end_line, table=table, concurrently=True)
        else:
            label = getattr(sub, "name", "ALTER").removeprefix("AT_")
            yield Operation(OpKind.OTHER_ALTER, line, end_line, table=table, column_name=name,
                            description=label, lock_mode=_weaker_alter_lock(cmd))


# ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE (PG 16 docs, ALTER TABLE; measured by
# `reviewbot trace`: statistics and storage parameters take SHARE UPDATE EXCLUSIVE, triggers SHARE ROW
# EXCLUSIVE). Storage parameters outside _LIGHT_RELOPTIONS still take ACCESS EXCLUSIVE.
_SHARE_UPDATE_EXCLUSIVE_ALTERS = frozenset({
    AlterTableType.AT_SetStatistics, AlterTableType.AT_SetOptions, AlterTableType.AT_ResetOptions,
    AlterTableType.AT_ClusterOn, AlterTableType.AT_DropCluster,
})
_RELOPTION_ALTERS = frozenset({AlterTableType.AT_SetRelOptions, AlterTableType.AT_ResetRelOptions})
_TRIGGER_ALTERS = frozenset({
    AlterTableType.AT_EnableTrig, AlterTableType.AT_EnableAlwaysTrig, AlterTableType.AT_EnableReplicaTrig,
    AlterTableType.AT_EnableTrigAll, AlterTableType.AT_EnableTrigUser, AlterTableType.AT_DisableTrig,
    AlterTableType.AT_DisableTrigAll, AlterTableType.AT_DisableTrigUser,
})
_LIGHT_RELOPTIONS = ("fillfactor", "autovacuum_", "toast_tuple_target", "parallel_workers", "toast.")


def _weaker_alter_lock(cmd: ast.AlterTableCmd) -> str:
    """The lock mode of an ALTER TABLE subcommand weaker than ACCESS EXCLUSIVE ("" for ACCESS EXCLUSIVE)."""
    if cmd.subtype in _SHARE_UPDATE_EXCLUSIVE_ALTERS:
        return "SHARE UPDATE EXCLUSIVE"
    if cmd.subtype in _TRIGGER_ALTERS:
        return "SHARE ROW EXCLUSIVE"
    if cmd.subtype in _RELOPTION_ALTERS:
        options = [o for o in (cmd.def_ or ()) if isinstance(o, ast.DefElem)]
        names = [f"{o.defnamespace}.{o.defname}" if o.defnamespace else str(o.defname) for o in options]
        if names and all(n.startswith(_LIGHT_RELOPTIONS) for n in names):
            return "SHARE UPDATE EXCLUSIVE"
    return ""


def statement_operations(stmt: ast.Node, line: int, end_line: int) -> list[Operation]:
    """The operations of one parsed statement."""
    if isinstance(stmt, ast.TransactionStmt):
        kind = stmt.kind
        if kind in (TransactionStmtKind.TRANS_STMT_BEGIN, TransactionStmtKind.TRANS_STMT_START):
            return [Operation(OpKind.BEGIN, line, end_line)]
        if kind in (TransactionStmtKind.TRANS_STMT_COMMIT, TransactionStmtKind.TRANS_STMT_ROLLBACK):
            return [Operation(OpKind.COMMIT, line, end_line)]
        return []
    if isinstance(stmt, ast.VariableSetStmt):
        if str(stmt.name or "").lower() != "lock_timeout":
            return []
        value: int | None = 0
        for arg in stmt.args or ():
            if isinstance(arg, ast.A_Const):
                val = arg.val
                if isinstance(val, ast.Integer):
                    value = int(val.ival or 0)
                elif isinstance(val, ast.String):
                    value = parse_duration_ms(str(val.sval))
        return [Operation(OpKind.SET_LOCK_TIMEOUT, line, end_line, lock_timeout_ms=value)]
    if isinstance(stmt, ast.CreateStmt):
        columns = tuple(column_from_def(e) for e in stmt.tableElts or () if isinstance(e, ast.ColumnDef))
        return [Operation(OpKind.CREATE_TABLE, line, end_line, table=relname(stmt.relation), columns=columns)]
    if isinstance(stmt, ast.CreateTableAsStmt):
        into = stmt.into.rel if stmt.into is not None else None
        return [Operation(OpKind.CREATE_TABLE, line, end_line, table=relname(into))]
    if isinstance(stmt, ast.IndexStmt):
        return [Operation(OpKind.CREATE_INDEX, line, end_line, table=relname(stmt.relation),
                          concurrently=bool(stmt.concurrent), unique=bool(stmt.unique),
                          constraint_name=str(stmt.idxname) if stmt.idxname else None)]
    if isinstance(stmt, ast.AlterTableStmt):
        return list(_alter_table(stmt, line, end_line))
    if isinstance(stmt, ast.RenameStmt):
        if stmt.renameType == ObjectType.OBJECT_COLUMN and stmt.relationType == ObjectType.OBJECT_TABLE:
            return [Operation(OpKind.RENAME_COLUMN, line, end_line, table=relname(stmt.relation),
                              column_name=str(stmt.subname), new_name=str(stmt.newname))]
        if stmt.renameType == ObjectType.OBJECT_TABLE:
            return [Operation(OpKind.RENAME_TABLE, line, end_line, table=relname(stmt.relation),
                              new_name=str(stmt.newname))]
        return []
    if isinstance(stmt, ast.DropStmt):
        return _drop(stmt, line, end_line)
    if isinstance(stmt, ast.UpdateStmt | ast.DeleteStmt):
        verb = "UPDATE" if isinstance(stmt, ast.UpdateStmt) else "DELETE FROM"
        table = relname(stmt.relation)
        return [Operation(OpKind.BACKFILL, line, end_line, table=table, description=f"{verb} {table}",
                          string_literals=string_literals(stmt))]
    if isinstance(stmt, ast.InsertStmt):
        return [Operation(OpKind.OTHER, line, end_line, table=relname(stmt.relation),
                          string_literals=string_literals(stmt))]
    return _maintenance(stmt, line, end_line)


def _drop(stmt: ast.DropStmt, line: int, end_line: int) -> list[Operation]:
    names = [".".join(_string(p) for p in obj) for obj in stmt.objects or () if isinstance(obj, tuple)]
    if stmt.removeType == ObjectType.OBJECT_TABLE:
        return [Operation(OpKind.DROP_TABLE, line, end_line, table=n) for n in names]
    if stmt.removeType == ObjectType.OBJECT_INDEX:
        return [Operation(OpKind.DROP_INDEX, line, end_line, constraint_name=n,
                          concurrently=bool(stmt.concurrent)) for n in names]
    return []


def _maintenance(stmt: ast.Node, line: int, end_line: int) -> list[Operation]:
    if isinstance(stmt, ast.VacuumStmt):
        full = any(isinstance(o, ast.DefElem) and o.defname == "full" for o in stmt.options or ())
        if not (full and stmt.is_vacuumcmd):
            return []
        tables = [relname(r.relation) for r in stmt.rels or () if isinstance(r, ast.VacuumRelation)]
        return [Operation(OpKind.VACUUM_FULL, line, end_line, table=t) for t in tables or [None]]
    if isinstance(stmt, ast.ClusterStmt):
        return [Operation(OpKind.CLUSTER, line, end_line, table=relname(stmt.relation))]
    if isinstance(stmt, ast.ReindexStmt):
        concurrent = any(isinstance(o, ast.DefElem) and o.defname == "concurrently" for o in stmt.params or ())
        target = relname(stmt.relation) or (str(stmt.name) if stmt.name else None)
        return [Operation(OpKind.REINDEX, line, end_line, table=target, concurrently=concurrent)]
    if isinstance(stmt, ast.LockStmt):
        mode = LOCK_MODE_NAMES.get(int(stmt.mode or 8), "ACCESS EXCLUSIVE")
        return [Operation(OpKind.LOCK_TABLE, line, end_line, table=relname(r), lock_mode=mode)
                for r in stmt.relations or () if isinstance(r, ast.RangeVar)]
    if isinstance(stmt, ast.AlterEnumStmt):
        if not stmt.newVal or stmt.oldVal:
            return []
        type_name = ".".join(_string(p) for p in stmt.typeName or ())
        return [Operation(OpKind.ADD_ENUM_VALUE, line, end_line, enum_type=type_name, enum_value=str(stmt.newVal))]
    if isinstance(stmt, ast.SelectStmt):
        timeout = _set_config_lock_timeout(stmt)
        if timeout is not None:
            return [Operation(OpKind.SET_LOCK_TIMEOUT, line, end_line, lock_timeout_ms=timeout)]
    return [Operation(OpKind.OTHER, line, end_line, string_literals=string_literals(stmt))]


def _set_config_lock_timeout(stmt: ast.SelectStmt) -> int | None:
    """`SELECT set_config('lock_timeout', '2s', false)` sets the timeout like SET does."""
    for node in iter_nodes(stmt.targetList):
        if isinstance(node, ast.FuncCall) and node.funcname and _string(node.funcname[-1]) == "set_config":
            args = node.args or ()
            if len(args) >= 2 and isinstance(args[0], ast.A_Const) and isinstance(args[1], ast.A_Const):
                if isinstance(args[0].val, ast.String) and args[0].val.sval == "lock_timeout":
                    value = args[1].val
                    if isinstance(value, ast.String):
                        return parse_duration_ms(str(value.sval))
                    if isinstance(value, ast.Integer):
                        return int(value.ival or 0)
    return None


def parse_expression_default(expr_sql: str) -> Default | None:
    """A default given as SQL text (Alembic `sa.text("now()")`): its volatility, via pglast."""
    try:
        statements = parse_guarded(f"SELECT {expr_sql}")
    except ParseError:
        return None
    stmt = statements[0].stmt if statements else None
    if not isinstance(stmt, ast.SelectStmt) or not stmt.targetList:
        return None
    target = stmt.targetList[0]
    return expression_default(target.val if isinstance(target, ast.ResTarget) else target)
