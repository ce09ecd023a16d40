"""Django migration modules -> Operations: `Migration.operations` read with `ast` (forward only)."""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from reviewbot.analyzers.migrations.model import (
    Column,
    ConstraintKind,
    Default,
    Operation,
    OpKind,
    ParseProblem,
)
from reviewbot.analyzers.migrations.pgtypes import normalize_type
from reviewbot.analyzers.migrations.pycalls import (
    CallArgs,
    call_args,
    dotted_name,
    function_default,
    items,
    literal_bool,
    literal_int,
    parse_python,
    source_lines,
    sql_start,
    string_value,
)
from reviewbot.analyzers.migrations.sql import parse_sql_operations

# Field class -> (PostgreSQL type, default max_length) as Django's PostgreSQL backend renders it.
FIELD_TYPES: dict[str, tuple[str, int | None]] = {
    "CharField": ("varchar", None), "SlugField": ("varchar", 50), "EmailField": ("varchar", 254),
    "URLField": ("varchar", 200), "TextField": ("text", None), "IntegerField": ("int4", None),
    "BigIntegerField": ("int8", None), "SmallIntegerField": ("int2", None),
    "PositiveIntegerField": ("int4", None), "PositiveBigIntegerField": ("int8", None),
    "PositiveSmallIntegerField": ("int2", None), "DecimalField": ("numeric", None),
    "FloatField": ("float8", None), "BooleanField": ("bool", None), "NullBooleanField": ("bool", None),
    "DateTimeField": ("timestamptz", None), "DateField": ("date", None), "TimeField": ("time", None),
    "DurationField": ("interval", None), "UUIDField": ("uuid", None), "JSONField": ("jsonb", None),
    "BinaryField": ("bytea", None), "GenericIPAddressField": ("inet", None),
    "AutoField": ("int4", None), "BigAutoField": ("int8", None), "SmallAutoField": ("int2", None),
    "ForeignKey": ("int8", None), "OneToOneField": ("int8", None), "CICharField": ("citext", None),
}
AUTO_FIELDS = frozenset({"AutoField", "BigAutoField", "SmallAutoField"})
RELATION_FIELDS = frozenset({"ForeignKey", "OneToOneField"})

# Lists the `*.py` file names of a repository-relative directory.
DirectoryLister = Callable[[str], list[str]]
Reader = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class DjangoFile:
    operations: tuple[Operation, ...]
    problems: tuple[ParseProblem, ...]
    atomic: bool


def app_label(path: str) -> str:
    """`payments/migrations/0042_x.py` -> `payments`."""
    parts = path.split("/")
    if "migrations" in parts:
        index = len(parts) - 1 - parts[::-1].index("migrations")
        if index > 0:
            return parts[index - 1]
    return "app"


def model_table(app: str, model: str | None) -> str | None:
    return f"{app}_{model.lower()}" if model else None


def related_table(app: str, node: ast.expr | None) -> str | None:
    target = string_value(node)
    if target is None and node is not None:
        name = dotted_name(node) or ""
        target = "auth.User" if name.endswith("AUTH_USER_MODEL") else name
    if not target:
        return None
    label, _, model = target.rpartition(".")
    return f"{(label or app).lower()}_{model.lower()}"


def django_column(app: str, name: str, node: ast.expr) -> Column | None:
    """`models.DecimalField(max_digits=19, decimal_places=4)` named `amount` -> Column."""
    if not isinstance(node, ast.Call):
        return None
    args = call_args(node)
    kind = args.name
    base, default_length = FIELD_TYPES.get(kind, (kind.lower(), None))
    mods: tuple[int, ...] = ()
    if base == "varchar":
        length = literal_int(args.keywords.get("max_length")) or default_length
        mods = (length,) if length else ()
    elif base == "numeric":
        digits = literal_int(args.keywords.get("max_digits"))
        places = literal_int(args.keywords.get("decimal_places"))
        mods = (digits, places or 0) if digits is not None else ()
    is_relation = kind in RELATION_FIELDS
    db_default = args.keywords.get("db_default")
    default: Default | None = None
    if db_default is not None:
        default = function_default(db_default)
        if default is None:
            default = Default("a constant", volatile=False)
        elif default.text == "Value()":
            default = Default("a constant", volatile=False)
    primary = literal_bool(args.keywords.get("primary_key")) is True
    null = literal_bool(args.keywords.get("null")) is True
    unique = literal_bool(args.keywords.get("unique")) is True or kind == "OneToOneField"
    db_index = literal_bool(args.keywords.get("db_index"))
    db_constraint = literal_bool(args.keywords.get("db_constraint"))
    references = related_table(app, args.arg(0, "to")) if is_relation and db_constraint is not False else None
    stored = kind == "GeneratedField" and literal_bool(args.keywords.get("db_persist")) is not False
    return Column(
        name=f"{name}_id" if is_relation else name,
        type=normalize_type(base, mods),
        not_null=not null or primary,
        default=default,
        serial=kind in AUTO_FIELDS,
        stored_generated=stored,
        references=references,
        unique=unique and not primary,
        primary_key=primary,
        indexed=(db_index is True) or (is_relation and db_index is not False and not unique),
    )


class DjangoReader:
    def __init__(self, path: str, lines: list[str], history: FieldHistory | None) -> None:
        self.path = path
        self.app = app_label(path)
        self.lines = lines
        self.history = history
        self.ops: list[Operation] = []
        self.problems: list[ParseProblem] = []

    def read_operations(self, elements: ast.expr) -> None:
        for element in items(elements):
            if isinstance(element, ast.Call):
                self.read_operation(element)

    def read_operation(self, call: ast.Call) -> None:
        args = call_args(call)
        line, end = call.lineno, call.end_lineno or call.lineno
        name = args.name
        if name == "SeparateDatabaseAndState":
            database = args.arg(None, "database_operations")
            if isinstance(database, ast.List | ast.Tuple):
                self.read_operations(database)
            return
        if name == "RunSQL":
            self.read_run_sql(args.arg(0, "sql"))
            return
        if name == "RunPython":
            self.ops.append(Operation(OpKind.BACKFILL, line, end, description="RunPython"))
            return
        self.ops.extend(self.schema_operations(args, line, end))

    def read_run_sql(self, node: ast.expr | None) -> None:
        pieces: list[ast.expr] = []
        if isinstance(node, ast.List | ast.Tuple):
            for value in items(node):
                if isinstance(value, ast.Tuple) and value.elts:
                    value = items(value)[0]  # (sql, params)
                pieces.append(value)
        elif node is not None:
            pieces.append(node)
        for piece in pieces:
            start = sql_start(piece, self.lines)
            if start is None:
                continue
            result = parse_sql_operations(start[1], first_line=start[0])
            self.problems.extend(result.problems)
            self.ops.extend(result.operations)

    def schema_operations(self, args: CallArgs, line: int, end: int) -> Iterator[Operation]:
        name = args.name
        model = string_value(args.arg(0, "model_name")) or string_value(args.arg(0, "name"))
        table = model_table(self.app, model)
        if name == "CreateModel":
            yield self.create_model(args, table, line, end)
        elif name == "DeleteModel":
            yield Operation(OpKind.DROP_TABLE, line, end, table=table)
        elif name == "RenameModel":
            new = model_table(self.app, string_value(args.arg(1, "new_name")))
            yield Operation(OpKind.RENAME_TABLE, line, end, table=table, new_name=new)
        elif name in ("AddField", "AlterField"):
            field_name = string_value(args.arg(1, "name")) or ""
            field_node = args.arg(2, "field")
            column = django_column(self.app, field_name, field_node) if field_node is not None else None
            if column is None:
                return
            if name == "AddField":
                yield Operation(OpKind.ADD_COLUMN, line, end, table=table, column=column,
                                column_name=column.name, references=column.references)
                if column.indexed:
                    yield Operation(OpKind.CREATE_INDEX, line, end, table=table, description="index of the field")
            else:
                yield from self.alter_field(model, field_name, column, table, line, end)
        elif name == "RemoveField":
            yield Operation(OpKind.DROP_COLUMN, line, end, table=table, column_name=string_value(args.arg(1, "name")))
        elif name == "RenameField":
            yield Operation(OpKind.RENAME_COLUMN, line, end, table=table,
                            column_name=string_value(args.arg(1, "old_name")),
                            new_name=string_value(args.arg(2, "new_name")))
        elif name in ("AddIndex", "AddIndexConcurrently", "RemoveIndex", "RemoveIndexConcurrently"):
            kind = OpKind.CREATE_INDEX if name.startswith("Add") else OpKind.DROP_INDEX
            yield Operation(kind, line, end, table=table, concurrently=name.endswith("Concurrently"))
        elif name in ("AddConstraint", "AddConstraintNotValid"):
            yield from self.add_constraint(args, table, line, end, not_valid=name == "AddConstraintNotValid")
        elif name == "ValidateConstraint":
            yield Operation(OpKind.VALIDATE_CONSTRAINT, line, end, table=table,
                            constraint_name=string_value(args.arg(1, "name")))

    def create_model(self, args: CallArgs, table: str | None, line: int, end: int) -> Operation:
        columns: list[Column] = []
        for field_name, node in _field_pairs(args.arg(1, "fields")):
            column = django_column(self.app, field_name, node)
            if column is not None:
                columns.append(column)
        options = args.keywords.get("options")
        if isinstance(options, ast.Dict):
            for key, value in zip(options.keys, options.values, strict=True):
                if key is not None and string_value(key) == "db_table":
                    table = string_value(value) or table
        return Operation(OpKind.CREATE_TABLE, line, end, table=table, columns=tuple(columns))

    def add_constraint(
        self, args: CallArgs, table: str | None, line: int, end: int, *, not_valid: bool
    ) -> Iterator[Operation]:
        node = args.arg(1, "constraint")
        if not isinstance(node, ast.Call):
            return
        con = call_args(node)
        name = string_value(con.keywords.get("name"))
        if con.name == "CheckConstraint":
            yield Operation(OpKind.ADD_CONSTRAINT, line, end, table=table, constraint=ConstraintKind.CHECK,
                            constraint_name=name, not_valid=not_valid)
        elif con.name == "UniqueConstraint":
            if "condition" in con.keywords or con.positional or "expressions" in con.keywords:
                # A partial or expression unique constraint is built as CREATE UNIQUE INDEX.
                yield Operation(OpKind.CREATE_INDEX, line, end, table=table, unique=True, constraint_name=name)
            else:
                yield Operation(OpKind.ADD_CONSTRAINT, line, end, table=table,
                                constraint=ConstraintKind.UNIQUE, constraint_name=name)
        elif con.name == "ExclusionConstraint":
            yield Operation(OpKind.ADD_CONSTRAINT, line, end, table=table,
                            constraint=ConstraintKind.EXCLUSION, constraint_name=name)

    def alter_field(
        self, model: str | None, field_name: str, column: Column, table: str | None, line: int, end: int
    ) -> Iterator[Operation]:
        """AlterField changes the database only where the previous definition differs."""
        previous = self.history.previous(self.path, model or "", field_name) if self.history else None
        if previous is None:
            return  # unknown previous state: most AlterFields change only Python-side options
        if previous.type is not None and column.type is not None and previous.type != column.type:
            yield Operation(OpKind.ALTER_COLUMN_TYPE, line, end, table=table, column_name=column.name,
                            new_type=column.type, old_type=previous.type)
        if column.not_null and not previous.not_null:
            yield Operation(OpKind.SET_NOT_NULL, line, end, table=table, column_name=column.name)
        if column.unique and not previous.unique:
            yield Operation(OpKind.ADD_CONSTRAINT, line, end, table=table, constraint=ConstraintKind.UNIQUE)
        if column.indexed and not previous.indexed and not column.unique:
            yield Operation(OpKind.CREATE_INDEX, line, end, table=table, description="index of the field")
        if column.references and not previous.references:
            yield Operation(OpKind.ADD_CONSTRAINT, line, end, table=table,
                            constraint=ConstraintKind.FOREIGN_KEY, references=column.references)


def migration_class(module: ast.Module) -> ast.ClassDef | None:
    for stmt in module.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Migration":
            return stmt
    return None


def class_assignments(cls: ast.ClassDef) -> dict[str, ast.expr]:
    out: dict[str, ast.expr] = {}
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                out[target.id] = stmt.value
    return out


def read_django(path: str, text: str, history: FieldHistory | None = None) -> DjangoFile:
    """The forward operations of one migration module, and whether it runs atomically."""
    module = parse_python(text)
    if isinstance(module, ParseProblem):
        return DjangoFile((), (module,), True)
    if history is not None:
        history.remember(path, text, module)
    cls = migration_class(module)
    if cls is None:
        return DjangoFile((), (), True)
    assigned = class_assignments(cls)
    atomic = literal_bool(assigned.get("atomic")) is not False
    reader = DjangoReader(path, source_lines(text), history)
    operations = assigned.get("operations")
    if isinstance(operations, ast.List | ast.Tuple):
        reader.read_operations(operations)
    return DjangoFile(tuple(reader.ops), tuple(reader.problems), atomic)


@dataclass(frozen=True, slots=True)
class _Definitions:
    """The fields one migration module defines: (model, field) -> its last definition there."""

    text: str
    fields: dict[tuple[str, str], Column]


class FieldHistory:
    """A field's previous definition, read from the earlier migrations of the same app.

    Create one per analyzer run: each module is parsed at most once, and directory listings are
    read once (the change set does not change during a run).
    """

    def __init__(self, read: Reader, list_dir: DirectoryLister) -> None:
        self.read = read
        self.list_dir = list_dir
        self.listings: dict[str, list[str]] = {}
        self.files: dict[str, _Definitions | None] = {}

    def remember(self, path: str, text: str, module: ast.Module) -> None:
        """Index a module the caller already parsed, so `previous` never parses it again."""
        if path not in self.files:
            self.files[path] = _Definitions(text, _defined_fields(app_label(path), module))

    def previous(self, path: str, model: str, field_name: str) -> Column | None:
        directory, name = posixpath.split(path)
        key = (model.lower(), field_name)
        found: Column | None = None
        for sibling in self.listing(directory):
            if sibling >= name:
                break
            if not sibling[:1].isdigit():
                continue
            definitions = self.definitions(posixpath.join(directory, sibling))
            column = definitions.fields.get(key) if definitions is not None else None
            # The text test keeps the old contract: a module never naming the field does not define it.
            if column is not None and definitions is not None and field_name in definitions.text:
                found = column
        return found

    def listing(self, directory: str) -> list[str]:
        names = self.listings.get(directory)
        if names is None:
            names = self.listings[directory] = sorted(self.list_dir(directory))
        return names

    def definitions(self, path: str) -> _Definitions | None:
        if path in self.files:
            return self.files[path]
        text = self.read(path)
        found: _Definitions | None = None
        if text is not None:
            module = parse_python(text)
            fields = _defined_fields(app_label(path), module) if isinstance(module, ast.Module) else {}
            found = _Definitions(text, fields)
        self.files[path] = found
        return found


def _field_pairs(fields: ast.expr | None) -> Iterator[tuple[str, ast.expr]]:
    """`[("id", models.AutoField(...)), ...]` -> ("id", the field expression), ..."""
    for el in items(fields) if fields is not None else ():
        if isinstance(el, ast.Tuple) and len(el.elts) == 2:
            pair = items(el)
            yield string_value(pair[0]) or "", pair[1]


def _defined_fields(app: str, module: ast.Module) -> dict[tuple[str, str], Column]:
    out: dict[tuple[str, str], Column] = {}
    cls = migration_class(module)
    ops = class_assignments(cls).get("operations") if cls is not None else None
    for el in items(ops) if ops is not None else ():
        if not isinstance(el, ast.Call):
            continue
        args = call_args(el)
        if args.name == "CreateModel":
            model = (string_value(args.arg(0, "name")) or "").lower()
            for fname, node in _field_pairs(args.arg(1, "fields")):
                column = django_column(app, fname, node)
                if column is not None:
                    out[(model, fname)] = column
        elif args.name in ("AddField", "AlterField"):
            model = (string_value(args.arg(0, "model_name")) or "").lower()
            fname = string_value(args.arg(1, "name")) or ""
            field = args.arg(2, "field")
            column = django_column(app, fname, field) if field is not None else None
            if column is not None:
                out[(model, fname)] = column
    return out
