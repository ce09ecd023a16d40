"""RB110 float-parsed-amount: an amount parsed or rounded through a JavaScript float reaches money."""

from __future__ import annotations

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text, one_line
from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.rules.money._flow import (
    destination,
    is_money,
    may_reach_sink,
    name_of,
    sink_of,
    writes_money,
)
from reviewbot.analyzers.typescript.syntax import (
    arguments,
    call_chain,
    enclosing_function,
    is_literal,
    parameters,
    unwrap,
)
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

_PARSERS = frozenset({"parseFloat", "Number.parseFloat", "Number"})
_ROUNDERS = frozenset({"Math.round", "Math.floor", "Math.ceil", "Math.trunc"})
_LAST = frozenset(name.rsplit(".", 1)[-1] for name in _PARSERS | _ROUNDERS)


class FloatParsedAmount(TypeScriptRule):
    code = "RB110"
    name = "float-parsed-amount"
    family = Family.MONEY
    severity = Severity.ERROR
    summary = (
        "An amount is parsed (`parseFloat`, `Number`) or rounded from float arithmetic on its way to a PSP "
        "call, a money column or a PSP amount."
    )
    rationale = (
        "JavaScript numbers are binary floats: `parseFloat(\"19.99\") * 100` is 1998.9999999999998 and "
        "`Math.round(1.005 * 100)` is 100, not 101. An amount that passes through a float on its way to Stripe "
        "or a ledger row gains or loses a cent on some inputs, silently. Rounding for display, analytics and "
        "progress bars is not reported: nothing is charged or stored from it."
    )
    help = (
        "Keep amounts as integer minor units end to end: parse decimal strings with a decimal library "
        "(`new Decimal(body.amount).times(100).toNumber()` after validating two decimals, dinero.js, big.js) "
        "or accept integer minor units from the client."
    )
    references = (
        "https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/Number#number_encoding",
        "https://docs.stripe.com/currencies#zero-decimal",
    )
    triggers = ("parseFloat", "Number(", "Math.")
    # A sink must be in the file: a Stripe call, a write, or a function making PSP amounts.
    requires = (("stripe", "Stripe", "insert", "update", "create", "upsert", "save", "persist", "execute", "bulk",
                 "Amount", "Cents", "Minor", "cents", "minor"),)
    call_names = frozenset({"parseFloat", "Number", "round", "floor", "ceil", "trunc"})
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the float reaches a Stripe call's amount, a money column of a database write, or the return value "
            "of a function that makes PSP amounts (`toStripeAmount`)",
        ),
        Evidence(
            Confidence.MEDIUM,
            "a money-named value is parsed as a float in a function that writes to the database or moves money",
        ),
    )
    examples = (
        bad(
            """\
            app.post("/refunds", async (c) => {
              const body = await c.req.json();
              const amount = Math.round(parseFloat(body.amount) * 100);
              const refund = await stripe.refunds.create(
                { payment_intent: body.intentId, amount },
                { idempotencyKey: body.requestId },
              );
              return c.json(refund);
            });
            """,
            line=3,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            export function toStripeAmount(amount: number, currency: string): number {
              return Math.round(amount * multiplierFor(currency));
            }
            """,
            line=2,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            export async function rebase(db: Database, rows: Row[], rate: number) {
              const converted = rows.map((row) => ({ id: row.id, amount: convert(Number(row.amount), rate) }));
              await bulkUpdateAmounts(db, converted);
            }
            """,
            line=2,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            export async function revenueReport(db: Database) {
              const rows = await db.select().from(payments);
              const total = rows.reduce((sum, r) => sum + Number(r.amount), 0);
              return { total: Math.round(total * 100) / 100, average: parseFloat((total / rows.length).toFixed(2)) };
            }
            const port = Number(process.env.PORT);
            const percent = Math.round((done / totalItems) * 100);
            """
        ),
    )

    def visit_call_expression(self, node: Node) -> None:
        parts = call_chain(node)
        if not parts or parts[-1] not in _LAST:
            return
        name = ".".join(parts)
        if name in _PARSERS:
            self._parsed(node)
        elif name in _ROUNDERS:
            self._rounded(node)

    def _parsed(self, node: Node) -> None:
        args = arguments(node)
        if len(args) != 1 or is_literal(args[0]):
            return
        argument = name_of(unwrap(args[0]))
        target = self._target_name(node)
        if not (is_money(self.ctx, argument) or is_money(self.ctx, target)):
            return
        if not may_reach_sink(self.ctx, node):
            return
        call = one_line(node_text(node), 40)
        sink = sink_of(self.ctx, node)
        if sink is not None:
            self.report(node, f"`{call}` parses the amount as a float and it reaches {sink.label}")
        elif writes_money(self.ctx, node):
            self.report(
                node,
                f"`{call}` parses the amount as a float in a function that writes money",
                confidence=Confidence.MEDIUM,
            )

    def _rounded(self, node: Node) -> None:
        args = arguments(node)
        if len(args) != 1:
            return
        operand = self._float_money_operand(args[0])
        if operand is None or not may_reach_sink(self.ctx, node):
            return
        sink = sink_of(self.ctx, node)
        if sink is None:
            return
        self.report(
            node,
            f"`{one_line(node_text(node), 40)}` rounds the float `{operand}` into {sink.label}",
        )

    def _float_money_operand(self, expr: Node) -> str | None:
        """A money-named `number` parameter multiplied or divided inside `expr`."""
        function = enclosing_function(expr)
        typed = _number_parameters(function) if function is not None else set()
        for part in self.ctx.descendants(expr, "binary_expression"):
            operator = part.child_by_field_name("operator")
            if operator is None or node_text(operator) not in ("*", "/"):
                continue
            for side in ("left", "right"):
                operand = unwrap(part.child_by_field_name(side))
                if operand is None or operand.type != "identifier":
                    continue
                name = node_text(operand)
                if name in typed and is_money(self.ctx, name) and "minor" not in name.lower() and "cents" not in name.lower():
                    return name
        return None

    def _target_name(self, node: Node) -> str:
        kind, where = destination(node)
        if where is None:
            return ""
        if kind == "pair":
            key = where.child_by_field_name("key")
            return node_text(key) if key is not None else ""
        if kind == "declarator":
            target = where.child_by_field_name("name")
            return node_text(target) if target is not None and target.type == "identifier" else ""
        return ""


def _number_parameters(function: Node) -> set[str]:
    """Parameters annotated `number` (`amount: number`, `{ price }: { price?: number }` too)."""
    out: set[str] = set()
    for param in parameters(function):
        pattern = param.child_by_field_name("pattern")
        annotation = param.child_by_field_name("type")
        if pattern is None or annotation is None:
            continue
        text = node_text(annotation)
        if pattern.type == "identifier" and text.replace(":", "").strip() == "number":
            out.add(node_text(pattern))
    return out
