"""RB111 drizzle-float-money-column: a Drizzle money column is a float, or a custom type reads it as one."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.analyzers.treesitter.rule import FileContext
from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.rules.money._flow import is_money
from reviewbot.analyzers.typescript.syntax import (
    arguments,
    call_chain,
    call_sequence,
    declared_names,
    object_members,
    property_key,
    string_value,
    unwrap,
)
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

_FLOAT_BUILDERS = frozenset({"real", "doublePrecision", "double", "float"})
_DECIMAL_BUILDERS = frozenset({"numeric", "decimal"})
_BUILDER_PREFIXES = tuple(_FLOAT_BUILDERS | _DECIMAL_BUILDERS)
_TABLE_BUILDER = re.compile(r"Table$|^table$")
_PARSES_FLOAT = re.compile(r"\b(Number\.parseFloat|parseFloat|Number)\s*\(|\+\s*\w+\s*$")


def _float_custom_types(ctx: FileContext) -> dict[str, Node]:
    """Names bound to `customType<{ data: number }>({ fromDriver: ... parseFloat ... })`."""
    out: dict[str, Node] = {}
    for declarator in ctx.all_of("variable_declarator"):
        value = unwrap(declarator.child_by_field_name("value"))
        if value is None or value.type != "call_expression" or call_chain(value)[-1:] != ("customType",):
            continue
        type_args = value.child_by_field_name("type_arguments")
        if type_args is None or not re.search(r"\bdata\s*:\s*number\b", node_text(type_args)):
            continue
        args = arguments(value)
        members = object_members(args[0]) if args else {}
        from_driver = members.get("fromDriver")
        if from_driver is None or not _PARSES_FLOAT.search(node_text(from_driver)):
            continue
        for name in declared_names(declarator.child_by_field_name("name")):
            out[name] = declarator
    return out


class DrizzleFloatMoneyColumn(TypeScriptRule):
    code = "RB111"
    name = "drizzle-float-money-column"
    family = Family.MONEY
    severity = Severity.ERROR
    summary = (
        "A Drizzle money column is declared as real, doublePrecision, or numeric with mode \"number\", or uses "
        "a customType that reads numeric into a JavaScript number (`data: number`, `fromDriver: parseFloat`)."
    )
    rationale = (
        "real and double precision store binary floats, so balances drift by fractions of a cent; numeric read "
        "as a number (mode \"number\", or a custom type whose fromDriver calls parseFloat) hands JavaScript a "
        "float even though PostgreSQL stored an exact decimal. Every read-sum-write cycle can lose a cent, and a "
        "custom type used for every money column spreads it everywhere."
    )
    help = (
        "Store integer minor units in integer/bigint (bigint with mode \"bigint\" or \"number\" when the range "
        "fits), or read numeric as a string (the default) and compute with a decimal library."
    )
    references = (
        "https://orm.drizzle.team/docs/column-types/pg",
        "https://orm.drizzle.team/docs/custom-types",
    )
    triggers = ("real(", "doublePrecision(", "double(", "float(", 'mode: "number"', "mode: 'number'", "customType")
    evidence = (
        Evidence(Confidence.HIGH, "a money-named column of a table uses the float type or the float custom type"),
        Evidence(Confidence.MEDIUM, "a custom numeric type reads into a float but no money column uses it in this file"),
    )
    examples = (
        bad(
            """\
            export const charges = pgTable("charges", {
              id: text("id").primaryKey(),
              amount: doublePrecision("amount").notNull(),
            });
            """,
            line=3,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            export const numericCasted = customType<{ data: number; driverData: string }>({
              dataType: () => "numeric(10, 2)",
              fromDriver: (value: string) => Number.parseFloat(value),
              toDriver: (value: number) => value.toString(),
            });
            export const transactions = pgTable("transactions", {
              id: uuid("id").primaryKey(),
              amount: numericCasted({ precision: 10, scale: 2 }).notNull(),
              balance: numericCasted({ precision: 10, scale: 2 }),
            });
            """,
            line=1,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            export const numericCasted = customType<{ data: number; driverData: string }>({
              dataType: () => "numeric",
              fromDriver: (value: string) => parseFloat(value),
            });
            """,
            line=1,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            export const charges = pgTable("charges", {
              id: text("id").primaryKey(),
              amountMinor: bigint("amount_minor", { mode: "bigint" }).notNull(),
              total: numeric("total", { precision: 12, scale: 2 }),
              feeRate: doublePrecision("fee_rate"),
              latitude: real("latitude"),
            });
            """
        ),
    )

    def visit_pair(self, node: Node) -> None:
        value = unwrap(node.child_by_field_name("value"))
        if value is None or value.type != "call_expression" or not node_text(value).startswith(_BUILDER_PREFIXES):
            return
        key = property_key(node)
        if key is None or not is_money(self.ctx, key) or not self._in_table(node):
            return
        calls, _ = call_sequence(value)
        if not calls:
            return
        builder, builder_call = calls[0]
        if builder in _FLOAT_BUILDERS:
            self.report(value, f"money column `{key}` is `{builder}(...)`, a binary float")
        elif builder in _DECIMAL_BUILDERS and self._number_mode(builder_call):
            self.report(value, f"money column `{key}` is `{builder}(...)` read with mode \"number\", a float")

    def visit_program(self, node: Node) -> None:
        custom = self.ctx.fact(_float_custom_types)
        if not custom:
            return
        uses: dict[str, list[str]] = {name: [] for name in custom}
        for pair in self.ctx.all_of("pair"):
            value = unwrap(pair.child_by_field_name("value"))
            if value is None or value.type != "call_expression":
                continue
            calls, _ = call_sequence(value)
            key = property_key(pair)
            if calls and calls[0][0] in custom and key is not None and is_money(self.ctx, key) and self._in_table(pair):
                uses[calls[0][0]].append(key)
        for name, declarator in custom.items():
            columns = uses[name]
            if columns:
                shown = ", ".join(f"`{c}`" for c in columns[:4]) + (f" and {len(columns) - 4} more" if len(columns) > 4 else "")
                self.report(
                    declarator,
                    f"custom type `{name}` reads numeric into a float (`data: number`, `fromDriver` parses it) "
                    f"and money columns {shown} use it",
                )
            else:
                self.report(
                    declarator,
                    f"custom type `{name}` reads numeric into a float (`data: number`, `fromDriver` parses it)",
                    confidence=Confidence.MEDIUM,
                )

    def _in_table(self, pair: Node) -> bool:
        obj = pair.parent
        args = obj.parent if obj is not None else None
        call = args.parent if args is not None and args.type == "arguments" else None
        if call is None or call.type != "call_expression":
            return False
        parts = call_chain(call)
        return bool(parts) and bool(_TABLE_BUILDER.search(parts[-1]))

    def _number_mode(self, call: Node) -> bool:
        for arg in arguments(call):
            mode = object_members(arg).get("mode")
            if mode is not None and string_value(mode) == "number":
                return True
        return False
