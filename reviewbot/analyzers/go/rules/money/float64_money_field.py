"""RB112 float64-money-field: a Go money value held in float64 is stored or sent to the PSP."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.go.db import SQL_METHODS
from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.go.rules.money._values import (
    DB_TAG,
    FLOAT_TYPES,
    float_origin,
    is_money,
    last_name,
    sink_of,
)
from reviewbot.analyzers.go.syntax import arguments, call_chain, enclosing_function, string_value
from reviewbot.analyzers.treesitter.nodes import node_text, one_line
from reviewbot.analyzers.treesitter.rule import FileContext
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

# stripe-go's own float64 fields (`UnitAmountDecimal`, `PercentOff`): Stripe's API types, not the caller's choice.
_STRIPE_FLOAT_FIELDS = re.compile(r"Decimal$|PercentOff$|Percentage$|Quantity")
# ent schema fields: `field.Float("amount")`, `field.Float64("balance")`.
_ENT_FLOAT = frozenset({"field.Float", "field.Float64", "field.Float32"})


class Float64MoneyField(GoRule):
    code = "RB112"
    name = "float64-money-field"
    family = Family.MONEY
    severity = Severity.ERROR
    summary = (
        "A Go money value is a float64 where it is stored (a struct field mapped to a column, an ent float "
        "field) or where it is written to the database."
    )
    rationale = (
        "float64 cannot hold 0.10 exactly; sums of stored float amounts drift by fractions of a cent, and the "
        "drift surfaces when totals are compared, rounded for a charge or reconciled with the PSP. A float64 "
        "field in an API response that mirrors an exact decimal is not reported: only where the float is the "
        "record of the money."
    )
    help = (
        "Store integer minor units (`AmountMinor int64 `db:\"amount_minor\"``) or a decimal "
        "(`decimal.Decimal` with a NUMERIC column; ent `field.Other(\"amount\", decimal.Decimal{})` with "
        "`SchemaType(map[string]string{dialect.Postgres: \"numeric(20,8)\"})`)."
    )
    references = (
        "https://pkg.go.dev/github.com/shopspring/decimal",
        "https://gorm.io/docs/models.html#Fields-Tags",
    )
    triggers = ("float", "Float")
    call_names = SQL_METHODS | frozenset({"Update", "UpdateColumn", "Float", "Float64", "Float32"})
    evidence = (
        Evidence(
            Confidence.HIGH,
            "a money-named struct field of type float64 carries a column tag (db, gorm, bun, pg...), an ent "
            "schema declares a money field as Float, or a float64 money value is an argument of an SQL write",
        ),
    )
    examples = (
        bad(
            """\
            package ledger

            type Entry struct {
                ID          string  `db:"id"`
                AccountID   string  `db:"account_id"`
                Amount      float64 `db:"amount"`
                Description string  `db:"description"`
            }
            """,
            line=6,
            confidence=Confidence.HIGH,
        ),
        good(
            """\
            package api

            type UsageResponse struct {
                Amount        float64 `json:"amount"`
                DisplayAmount string  `json:"display_amount"`
            }

            type Entry struct {
                AmountMinor int64   `db:"amount_minor"`
                FxRate      float64 `db:"fx_rate"`
            }
            """
        ),
    )

    def visit_field_declaration(self, node: Node) -> None:
        type_node = node.child_by_field_name("type")
        tag = node.child_by_field_name("tag")
        if type_node is None or node_text(type_node) not in FLOAT_TYPES:
            return
        tag_text = node_text(tag) if tag is not None else ""
        if not DB_TAG.search(tag_text):
            return
        for name in node.children_by_field_name("name"):
            field = node_text(name)
            if is_money(self.ctx, field) and not _column_not_money(self.ctx, tag_text):
                self.report(name, f"money field `{field}` is a {node_text(type_node)} stored in a column ({one_line(tag_text, 40)})")

    def visit_call_expression(self, node: Node) -> None:
        chain = ".".join(call_chain(node))
        if chain in _ENT_FLOAT:
            args = arguments(node)
            column = string_value(args[0]) if args else None
            if column is not None and is_money(self.ctx, column):
                self.report(node, f"ent field `{column}` holds money as a float")
            return
        self._written(node)

    def _written(self, call: Node) -> None:
        """A float64 money value among the arguments of a database write."""
        function = enclosing_function(call)
        for arg in arguments(call):
            if arg.type in ("comment", "interpreted_string_literal", "raw_string_literal"):
                continue
            origin = float_origin(self.ctx, arg, function)
            if origin not in ("declared", "decimal"):
                continue  # a ParseFloat result is RB113's
            name = last_name(arg)
            if not name or not is_money(self.ctx, name) or _STRIPE_FLOAT_FIELDS.search(name):
                continue
            sink = sink_of(self.ctx, arg, function)
            if sink is not None and sink.kind == "db" and sink.node.id == call.id:
                self.report(arg, f"float64 `{name}` is written by {sink.label}")
                return


def _column_not_money(ctx: FileContext, tag: str) -> bool:
    """A tag naming a column that is not money (`db:"fx_rate"` on a field called `AmountRate`)."""
    match = re.search(r"(?:db|bun|pg|ch|column):\"?([\w]+)", tag)
    return match is not None and not is_money(ctx, match.group(1))
