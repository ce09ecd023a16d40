"""PostgreSQL knowledge the rules share: type aliases, binary-coercible type changes, volatility."""

from __future__ import annotations

from reviewbot.analyzers.migrations.model import ColumnType

# Spellings -> the catalog name PostgreSQL stores (pg_type.typname).
TYPE_ALIASES: dict[str, str] = {
    "int": "int4", "integer": "int4", "int4": "int4", "serial": "int4", "serial4": "int4",
    "bigint": "int8", "int8": "int8", "bigserial": "int8", "serial8": "int8",
    "smallint": "int2", "int2": "int2", "smallserial": "int2", "serial2": "int2",
    "real": "float4", "float4": "float4", "double precision": "float8", "float8": "float8",
    "float": "float8", "double": "float8",
    "decimal": "numeric", "numeric": "numeric",
    "character varying": "varchar", "varchar": "varchar", "character": "bpchar", "char": "bpchar",
    "bpchar": "bpchar", "text": "text", "citext": "citext",
    "timestamp": "timestamp", "timestamp without time zone": "timestamp",
    "timestamptz": "timestamptz", "timestamp with time zone": "timestamptz",
    "time": "time", "timetz": "timetz", "interval": "interval", "date": "date",
    "boolean": "bool", "bool": "bool", "money": "money", "json": "json", "jsonb": "jsonb",
    "uuid": "uuid", "bytea": "bytea", "inet": "inet", "cidr": "cidr",
}
SERIAL_TYPES = frozenset({"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"})
FLOAT_MONEY_TYPES = frozenset({"float4", "float8", "money"})

# Functions whose volatility is STABLE or IMMUTABLE (pg_proc.provolatile in 's'/'i'): a default
# calling only these is evaluated once and stored as a "fast default" (PG 11+), no rewrite.
NON_VOLATILE_FUNCTIONS = frozenset(
    {
        "now", "current_timestamp", "current_date", "current_time", "localtimestamp", "localtime",
        "statement_timestamp", "transaction_timestamp", "current_user", "session_user", "user",
        "current_schema", "current_database", "current_setting", "lower", "upper", "trim", "btrim",
        "ltrim", "rtrim", "length", "char_length", "coalesce", "nullif", "greatest", "least",
        "concat", "concat_ws", "substring", "substr", "replace", "md5", "abs", "round", "trunc",
        "floor", "ceil", "ceiling", "to_char", "to_date", "to_timestamp", "to_number", "date_trunc",
        "date_part", "extract", "make_interval", "make_date", "make_timestamp", "make_timestamptz",
        "jsonb_build_object", "json_build_object", "jsonb_build_array", "json_build_array",
        "to_jsonb", "to_json", "array_length", "timezone", "inet", "encode", "decode",
        "pg_catalog.now", "format", "left", "right", "sqrt", "power", "mod",
        # Type-named casts and string/array helpers: every overload is IMMUTABLE or STABLE in pg_proc
        # (PostgreSQL 15/16). `DEFAULT date(now())` was reported as a rewrite; `reviewbot trace` showed none.
        "date", "time", "timestamp", "timestamptz", "interval", "int2", "int4", "int8", "numeric", "float4",
        "float8", "bool", "text", "varchar", "bpchar", "age", "date_bin", "justify_days", "justify_hours",
        "isfinite", "array_append", "array_prepend", "array_cat", "array_fill", "array_remove",
        "array_to_string", "string_to_array", "array_to_json", "row_to_json", "cardinality", "lpad", "rpad",
        "repeat", "reverse", "split_part", "strpos", "position", "starts_with", "translate", "overlay",
        "regexp_replace", "initcap", "ascii", "chr", "to_hex", "quote_ident", "quote_literal", "sha256",
        "sha512", "octet_length", "bit_length", "to_tsvector", "jsonb_set", "jsonb_object", "json_object",
        "num_nulls", "num_nonnulls",
    }
)
# Known volatile functions: named in messages. Any function not listed above counts as volatile.
VOLATILE_FUNCTIONS = frozenset(
    {"clock_timestamp", "random", "gen_random_uuid", "uuid_generate_v4", "uuid_generate_v1", "nextval",
     "timeofday", "txid_current", "setseed", "uuidv4", "uuidv7"}
)


def normalize_type(name: str, mods: tuple[int, ...] = (), array: bool = False) -> ColumnType:
    """`character varying`/`varchar` -> varchar; `float(24)` -> float4; `serial` -> int4."""
    key = name.lower().strip('"')
    if key.startswith("pg_catalog."):
        key = key[len("pg_catalog.") :]
    base = TYPE_ALIASES.get(key, key)
    if base == "float8" and key == "float" and mods:
        # float(p): p <= 24 is real, otherwise double precision (PG docs, numeric types).
        base = "float4" if mods[0] <= 24 else "float8"
        mods = ()
    if base in ("int2", "int4", "int8", "float4", "float8", "text", "bool", "money", "date", "uuid"):
        mods = ()
    return ColumnType(base, mods, array)


def is_rewriting_type_change(
    old: ColumnType, new: ColumnType, *, session_utc: bool, postgres_version: int
) -> bool:
    """Whether ALTER COLUMN … TYPE from `old` to `new` rewrites the table (not binary-coercible)."""
    if old.array != new.array:
        return True
    if old == new:
        return False
    text_like = {"varchar", "text", "citext"}
    if old.name in text_like and new.name in text_like:
        if new.name == "varchar" and new.mods:
            # Shrinking or adding a limit needs every value re-checked; widening is catalog-only.
            return not (old.name == "varchar" and old.mods and new.mods[0] >= old.mods[0])
        return False
    if old.name == "numeric" and new.name == "numeric":
        if not new.mods:
            return False
        if not old.mods:
            return True
        old_scale = old.mods[1] if len(old.mods) > 1 else 0
        new_scale = new.mods[1] if len(new.mods) > 1 else 0
        return not (new_scale == old_scale and new.mods[0] >= old.mods[0])
    if {old.name, new.name} == {"timestamp", "timestamptz"}:
        # PG 12+ skips the rewrite when the session TimeZone is UTC (ALTER TABLE notes).
        return not (session_utc and postgres_version >= 12)
    if old.name == new.name and old.name in ("timestamp", "timestamptz", "time", "timetz", "interval"):
        return bool(new.mods) and (not old.mods or new.mods[0] < old.mods[0])
    if old.name == new.name == "varbit":
        return bool(new.mods) and (not old.mods or new.mods[0] < old.mods[0])
    return not (old.name == "cidr" and new.name == "inet")


def is_possibly_coercible_target(new: ColumnType) -> bool:
    """Targets that are catalog-only from some common old type (so an unknown old type is a doubt)."""
    return new.name in ("text", "varchar", "citext", "numeric", "timestamptz", "timestamp", "inet")


def is_volatile_function(name: str) -> bool:
    return name.lower() not in NON_VOLATILE_FUNCTIONS


def parse_duration_ms(value: str | int | float) -> int | None:
    """`'2s'` -> 2000, `500` -> 500, `'1min'` -> 60000; None when unreadable."""
    if isinstance(value, int | float):
        return int(value)
    text = value.strip().strip("'\"").strip().lower()
    units = (("ms", 1), ("min", 60_000), ("s", 1000), ("h", 3_600_000), ("d", 86_400_000))
    for suffix, factor in units:
        if text.endswith(suffix):
            number = text[: -len(suffix)].strip()
            try:
                return int(float(number) * factor)
            except ValueError:
                return None
    try:
        return int(float(text))
    except ValueError:
        return None
