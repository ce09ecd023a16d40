"""RB712 webhook-tolerance-disabled: a webhook's timestamp tolerance is so large that replays pass."""

from __future__ import annotations

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.syntax import arguments, call_chain, number_value, unwrap
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

# stripe-node's default is 300 seconds; an hour is already generous for a clock skew.
MAX_TOLERANCE_SECONDS = 3600
_UNBOUNDED = frozenset({"Infinity", "Number.MAX_SAFE_INTEGER", "Number.MAX_VALUE", "Number.POSITIVE_INFINITY"})
# (method, index of the tolerance argument): constructEvent(payload, header, secret, tolerance)
_TOLERANCE_ARGUMENT = {"constructEvent": 3, "constructEventAsync": 3, "verifyHeader": 3, "verifyHeaderAsync": 3}


class WebhookToleranceDisabled(TypeScriptRule):
    code = "RB712"
    name = "webhook-tolerance-disabled"
    family = Family.SECURITY
    severity = Severity.ERROR
    summary = "A webhook signature check is given a timestamp tolerance so large (or infinite) that old events replay."
    rationale = (
        "The signed timestamp is what stops a captured webhook (\"payment_intent.succeeded\" for one order) from "
        "being replayed days later. A tolerance of hours, Infinity, or a negative value disables that check: "
        "every request ever signed stays valid."
    )
    help = "Keep the default tolerance (300 seconds): drop the argument, or pass at most a few minutes."
    references = ("https://docs.stripe.com/webhooks#replay-attacks",)
    triggers = ("constructEvent", "verifyHeader")
    call_names = frozenset(_TOLERANCE_ARGUMENT)
    evidence = (Evidence(Confidence.HIGH, "the tolerance argument is a literal above an hour, negative or unbounded"),)
    examples = (
        bad(
            """\
            const event = stripe.webhooks.constructEvent(body, signature, endpointSecret, 60 * 60 * 24 * 365);
            """,
            line=1,
            confidence=Confidence.HIGH,
        ),
        good(
            """\
            const event = stripe.webhooks.constructEvent(body, signature, endpointSecret);
            const lenient = stripe.webhooks.constructEvent(body, signature, endpointSecret, 600);
            """
        ),
    )

    def visit_call_expression(self, node: Node) -> None:
        parts = call_chain(node)
        index = _TOLERANCE_ARGUMENT.get(parts[-1] if parts else "")
        if index is None:
            return
        args = arguments(node)
        if len(args) <= index:
            return
        tolerance = unwrap(args[index])
        if tolerance is None:
            return
        text = node_text(tolerance)
        seconds = _evaluate(tolerance)
        if text in _UNBOUNDED or (seconds is not None and (seconds > MAX_TOLERANCE_SECONDS or seconds < 0)):
            self.report(tolerance, f"tolerance `{text}` lets a signed event be replayed long after it was sent")


def _evaluate(expression: Node | None) -> float | None:
    """A constant arithmetic expression of number literals (`60 * 60 * 24`), else None."""
    node = unwrap(expression)
    if node is None:
        return None
    literal = number_value(node)
    if literal is not None:
        return literal
    if node.type == "unary_expression" and node_text(node).startswith("-"):
        inner = _evaluate(node.named_children[0]) if node.named_children else None
        return -inner if inner is not None else None
    if node.type == "binary_expression":
        left = _evaluate(node.child_by_field_name("left"))
        right = _evaluate(node.child_by_field_name("right"))
        operator = node.child_by_field_name("operator")
        if left is None or right is None or operator is None:
            return None
        op = node_text(operator)
        if op == "*":
            return left * right
        if op == "+":
            return left + right
        if op == "-":
            return left - right
    return None
