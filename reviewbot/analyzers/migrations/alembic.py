"""Alembic revision scripts -> Operations: `op.*` calls in `upgrade()` read with `ast`."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, replace

from reviewbot.analyzers.migrations.model import (
    Column,
    ConstraintKind,
    Default,
    Operation,
    OpKind,
    ParseProblem,
)
from reviewbot.analyzers.migrations.pycalls import (
    CallArgs,
    call_args,
    call_chain,
    function_default,
    literal_bool,
    parse_python,
    source_lines,
    sql_start,
    sqlalchemy_type,
    string_value,
)
from reviewbot.analyzers.migrations.sql import parse_sql_operations
from reviewbot.analyzers.migrations.statements import parse_expression_default

# Where the table name sits among an `op.*` call's positional arguments; batch_op calls omit it.
TABLE_POSITION: dict[str, int] = {
    "add_column": 0, "drop_column": 0, "alter_column": 0, "create_table": 0, "drop_table": 0,
    "rename_table": 0, "create_index": 1, "create_foreign_key": 1, "create_check_constraint": 1,
    "create_unique_constraint": 1, "create_primary_key": 1, "drop_constraint": 1,
}


@dataclass(frozen=True, slots=True)
class Scope:
    batch_alias: str | None = None
    batch_table: ast.expr | None = None
    autocommit: bool = False


class AlembicReader:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.ops: list[Operation] = []
        self.problems: list[ParseProblem] = []

    def read_block(self, body: Sequence[ast.stmt], scope: Scope) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Expr | ast.Assign):
                if isinstance(stmt.value, ast.Call):
                    self.read_call(stmt.value, scope)
            elif isinstance(stmt, ast.With | ast.AsyncWith):
                inner = scope
                for item in stmt.items:
                    if isinstance(item.context_expr, ast.Call):
                        chain = call_chain(item.context_expr.func) or ""
                        if chain.endswith("autocommit_block"):
                            inner = replace(inner, autocommit=True)
                        elif chain.endswith("batch_alter_table"):
                            inner = self.batch_scope(item, inner)
                self.read_block(stmt.body, inner)
            elif isinstance(stmt, ast.If | ast.For | ast.AsyncFor | ast.While | ast.Try):
                self.read_block(stmt.body, scope)

    def batch_scope(self, item: ast.withitem, scope: Scope) -> Scope:
        assert isinstance(item.context_expr, ast.Call)
        call = item.context_expr
        args = call_args(call)
        alias = item.optional_vars.id if isinstance(item.optional_vars, ast.Name) else None
        table_node = args.arg(0, "table_name")
        if string_value(args.arg(None, "recreate")) == "always":
            # Copy-and-move: the table is rebuilt into a temporary one under ACCESS EXCLUSIVE.
            self.ops.append(Operation(OpKind.TABLE_REBUILD, call.lineno, call.end_lineno or call.lineno,
                                      table=string_value(table_node), autocommit=scope.autocommit,
                                      description="batch_alter_table(recreate=\"always\")"))
        return replace(scope, batch_alias=alias, batch_table=table_node)

    def read_call(self, call: ast.Call, scope: Scope) -> None:
        args = call_args(call)
        head = args.chain.split(".", 1)[0]
        name = args.name
        if name == "execute" or name == "exec_driver_sql":
            self.read_execute(call, args, scope)
            return
        if scope.batch_alias is not None and head == scope.batch_alias and scope.batch_table is not None:
            position = TABLE_POSITION.get(name)
            if position is not None:
                positional = (*args.positional[:position], scope.batch_table, *args.positional[position:])
                args = CallArgs(name, args.chain, positional, args.keywords)
            elif name == "drop_index":
                args = CallArgs(name, args.chain, args.positional, {**args.keywords, "table_name": scope.batch_table})
        elif head != "op":
            return
        for op in operations_of(args, call.lineno, call.end_lineno or call.lineno):
            self.ops.append(replace(op, autocommit=scope.autocommit))

    def read_execute(self, call: ast.Call, args: CallArgs, scope: Scope) -> None:
        if not args.positional:
            return
        start = sql_start(args.positional[0], self.lines)
        if start is None:
            chain = call_chain(args.positional[0]) or ""
            if ".update" in chain or ".delete" in chain or chain.startswith(("update", "delete")):
                self.ops.append(Operation(OpKind.BACKFILL, call.lineno, call.end_lineno or call.lineno,
                                          description="op.execute(update…)", autocommit=scope.autocommit))
            return
        line, sql = start
        result = parse_sql_operations(sql, first_line=line)
        self.problems.extend(result.problems)
        self.ops.extend(replace(o, autocommit=scope.autocommit) for o in result.operations)


def sa_column(node: ast.expr | None) -> Column | None:
    """`sa.Column("amount", sa.Numeric(19, 4), nullable=False, server_default="0")`."""
    if not isinstance(node, ast.Call):
        return None
    args = call_args(node)
    if args.name != "Column":
        return None
    name = string_value(args.arg(0, "name")) or ""
    ctype = sqlalchemy_type(args.positional[1] if len(args.positional) > 1 else args.keywords.get("type_"))
    primary = literal_bool(args.keywords.get("primary_key")) is True
    nullable = literal_bool(args.keywords.get("nullable"))
    not_null = nullable is False or (nullable is None and primary)
    default: Default | None = None
    server_default = args.keywords.get("server_default")
    if server_default is not None and not (isinstance(server_default, ast.Constant) and server_default.value is None):
        text = string_value(server_default)
        if text is not None and isinstance(server_default, ast.Call):
            default = parse_expression_default(text) or Default(text, volatile=True)
        elif text is not None:
            default = Default(repr(text), volatile=False)
        else:
            default = function_default(server_default) or Default("an expression", volatile=True)
    references = identity = stored = False
    ref_table: str | None = None
    for extra in args.positional[2:]:
        if isinstance(extra, ast.Call):
            extra_args = call_args(extra)
            if extra_args.name == "ForeignKey":
                target = string_value(extra_args.arg(0, "column")) or ""
                ref_table = target.rsplit(".", 1)[0] if "." in target else target
                references = True
            elif extra_args.name == "Identity":
                identity = True
            elif extra_args.name == "Computed":
                stored = literal_bool(extra_args.keywords.get("persisted")) is not False
    autoincrement = literal_bool(args.keywords.get("autoincrement"))
    serial = (
        primary
        and ctype is not None
        and ctype.name in ("int2", "int4", "int8")
        and autoincrement is not False
        and not identity
    )
    return Column(
        name=name,
        type=ctype,
        not_null=not_null,
        default=default,
        serial=serial,
        identity=identity,
        stored_generated=stored,
        references=ref_table if references else None,
        unique=literal_bool(args.keywords.get("unique")) is True,
        primary_key=primary,
    )


def operations_of(args: CallArgs, line: int, end_line: int) -> list[Operation]:
    """One `op.<name>(…)` call as Operations (none for calls that lock nothing we gate)."""
    if args.name == "alter_column":
        return _alter_column(args, line, end_line)
    op = _operation_of(args, line, end_line)
    return [op] if op is not None else []


def _operation_of(args: CallArgs, line: int, end_line: int) -> Operation | None:
    name = args.name
    table = string_value(args.arg(TABLE_POSITION.get(name), "table_name"))
    if name == "create_table":
        columns = tuple(c for node in args.positional[1:] if (c := sa_column(node)) is not None)
        return Operation(OpKind.CREATE_TABLE, line, end_line, table=table, columns=columns)
    if name == "drop_table":
        return Operation(OpKind.DROP_TABLE, line, end_line, table=table)
    if name == "rename_table":
        return Operation(OpKind.RENAME_TABLE, line, end_line, table=table,
                         new_name=string_value(args.arg(1, "new_table_name")))
    if name == "add_column":
        column = sa_column(args.arg(1, "column"))
        if column is None:
            return None
        return Operation(OpKind.ADD_COLUMN, line, end_line, table=table, column=column, column_name=column.name,
                         references=column.references)
    if name == "drop_column":
        return Operation(OpKind.DROP_COLUMN, line, end_line, table=table,
                         column_name=string_value(args.arg(1, "column_name")))
    if name in ("create_index", "drop_index"):
        concurrently = literal_bool(args.keywords.get("postgresql_concurrently")) is True
        kind = OpKind.CREATE_INDEX if name == "create_index" else OpKind.DROP_INDEX
        return Operation(kind, line, end_line, table=table, concurrently=concurrently,
                         unique=literal_bool(args.keywords.get("unique")) is True,
                         constraint_name=string_value(args.arg(0, "index_name")))
    constraint_kinds = {
        "create_foreign_key": ConstraintKind.FOREIGN_KEY, "create_check_constraint": ConstraintKind.CHECK,
        "create_unique_constraint": ConstraintKind.UNIQUE, "create_primary_key": ConstraintKind.PRIMARY_KEY,
        "create_exclude_constraint": ConstraintKind.EXCLUSION,
    }
    if name in constraint_kinds:
        constraint = constraint_kinds[name]
        proves: tuple[str, ...] = ()
        if constraint is ConstraintKind.CHECK:
            condition = (string_value(args.arg(2, "condition")) or "").strip().lower()
            parts = [p.strip().strip("()").strip() for p in condition.split(" and ")]
            proves = tuple(p[: -len(" is not null")].strip('"') for p in parts if p.endswith(" is not null"))
        return Operation(OpKind.ADD_CONSTRAINT, line, end_line, table=table, constraint=constraint,
                         constraint_name=string_value(args.arg(0, "constraint_name")),
                         not_valid=literal_bool(args.keywords.get("postgresql_not_valid")) is True,
                         references=string_value(args.arg(2, "referent_table"))
                         if constraint is ConstraintKind.FOREIGN_KEY else None,
                         proves_not_null=proves)
    if name == "drop_constraint":
        return Operation(OpKind.OTHER_ALTER, line, end_line, table=table, description="DROP CONSTRAINT")
    return None


def _alter_column(args: CallArgs, line: int, end_line: int) -> list[Operation]:
    table = string_value(args.arg(0, "table_name"))
    column = string_value(args.arg(1, "column_name"))
    ops: list[Operation] = []
    if "type_" in args.keywords:
        ops.append(Operation(OpKind.ALTER_COLUMN_TYPE, line, end_line, table=table, column_name=column,
                             new_type=sqlalchemy_type(args.keywords["type_"]),
                             old_type=sqlalchemy_type(args.keywords.get("existing_type")),
                             using="postgresql_using" in args.keywords))
    nullable = literal_bool(args.keywords.get("nullable"))
    if nullable is False:
        ops.append(Operation(OpKind.SET_NOT_NULL, line, end_line, table=table, column_name=column))
    elif nullable is True or "server_default" in args.keywords:
        ops.append(Operation(OpKind.OTHER_ALTER, line, end_line, table=table, column_name=column,
                             description="ALTER COLUMN"))
    new_name = string_value(args.keywords.get("new_column_name"))
    if new_name is not None:
        ops.append(Operation(OpKind.RENAME_COLUMN, line, end_line, table=table, column_name=column,
                             new_name=new_name))
    return ops


def read_alembic(text: str) -> tuple[tuple[Operation, ...], tuple[ParseProblem, ...]]:
    """The operations of `upgrade()`; `downgrade()` is not gated."""
    module = parse_python(text)
    if isinstance(module, ParseProblem):
        return (), (module,)
    reader = AlembicReader(source_lines(text))
    for stmt in module.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == "upgrade":
            reader.read_block(stmt.body, Scope())
    return tuple(reader.ops), tuple(reader.problems)
