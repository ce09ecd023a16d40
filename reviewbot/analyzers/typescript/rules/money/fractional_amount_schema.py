"""RB114 fractional-amount-schema: a Zod schema for an amount in minor units accepts fractions."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import enclosing, node_text
from reviewbot.analyzers.treesitter.rule import FileContext
from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.rules.money._flow import is_money
from reviewbot.analyzers.typescript.stripe import stripe_call
from reviewbot.analyzers.typescript.syntax import call_chain, call_sequence, property_key
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

_MINOR = re.compile(r"cents|minor|smallest|subunit|in_?cents|pence|kopeks", re.IGNORECASE)
_OUTPUT = re.compile(r"response|output|result|reply|returned", re.IGNORECASE)
_INTEGER = frozenset({"int", "safe", "multipleOf", "bigint"})


class FractionalAmountSchema(TypeScriptRule):
    code = "RB114"
    name = "fractional-amount-schema"
    family = Family.MONEY
    severity = Severity.ERROR
    summary = "A Zod schema validates an amount with `z.number()` but no `.int()`, so it accepts fractions."
    rationale = (
        "An amount in minor units must be an integer: `{ \"amountMinor\": 1999.5 }` passes `z.number()`, and "
        "the half cent then reaches a ledger row or a PSP call that rounds it its own way (Stripe rejects it, "
        "a database integer column truncates it). Validation at the edge is the one place to stop it."
    )
    help = "Validate integer minor units: `z.number().int().positive()` (`.safe()` too for large totals)."
    references = ("https://zod.dev/api#integers",)
    triggers = ("z.number", "z.coerce")
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the field's name or description says minor units (cents, minor, smallest currency unit)",
        ),
        Evidence(Confidence.MEDIUM, "a money-named field in a file that sends amounts to Stripe"),
    )
    examples = (
        bad(
            """\
            export const createRefund = z.object({
              paymentId: z.string(),
              amountMinor: z.number().positive(),
            });
            """,
            line=3,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            const body = z.object({ amount: z.number().min(1) });
            app.post("/charges", async (c) => {
              const input = body.parse(await c.req.json());
              return c.json(await stripe.charges.create({ amount: input.amount, currency: "usd" }, { idempotencyKey: c.req.header("Idempotency-Key") }));
            });
            """,
            line=1,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            export const createRefund = z.object({
              paymentId: z.string(),
              amountMinor: z.number().int().positive(),
              feeRate: z.number().min(0).max(1),
            });
            """
        ),
    )

    call_names = frozenset({"number"})

    def visit_call_expression(self, call: Node) -> None:
        """`z.number()`: climb its chain (`.positive().max(...)`) to the object member it validates."""
        if call_chain(call) not in (("z", "number"), ("z", "coerce", "number")):
            return
        value = call
        while (
            value.parent is not None
            and value.parent.type == "member_expression"
            and value.parent.parent is not None
            and value.parent.parent.type == "call_expression"
        ):
            value = value.parent.parent
        node = value.parent
        if node is None or node.type != "pair" or node.child_by_field_name("value") != value:
            return
        key = property_key(node)
        if key is None or not is_money(self.ctx, key):
            return
        calls, receiver = call_sequence(value)
        methods = [m for m, _ in calls]
        root = node_text(receiver) if receiver is not None else ""
        if root not in ("z", "z.coerce") or not methods or methods[0] != "number":
            return
        if any(m in _INTEGER for m in methods) or self._describes_output(node):
            return
        if _MINOR.search(key) or _MINOR.search(node_text(value)):
            self.report(value, f"`{key}` is validated as `z.number()` without `.int()`, so fractions of a cent pass")
        elif self.ctx.fact(_sends_amounts):
            self.report(
                value,
                f"`{key}` is validated as `z.number()` without `.int()` in a file that sends amounts to Stripe",
                confidence=Confidence.MEDIUM,
            )

    def _describes_output(self, pair: Node) -> bool:
        """A response schema documents what the API returns; it validates nothing that comes in."""
        declarator = enclosing(pair, frozenset({"variable_declarator"}))
        target = declarator.child_by_field_name("name") if declarator is not None else None
        return target is not None and bool(_OUTPUT.search(node_text(target)))


def _sends_amounts(ctx: FileContext) -> bool:
    """The file makes a money-moving Stripe call."""
    for call in ctx.all_of("call_expression"):
        # Most callees do not even spell `create`: their chain is not worked out.
        function = call.child_by_field_name("function")
        if function is None or b"create" not in (function.text or b""):
            continue
        if call_chain(call)[-1:] == ("create",):
            found = stripe_call(ctx, call)
            if found is not None and found.is_money_moving:
                return True
    return False
