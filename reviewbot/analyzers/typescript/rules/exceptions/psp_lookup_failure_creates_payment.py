"""RB214 psp-lookup-failure-creates-payment: a failed PSP lookup falls through to creating a new payment."""

from __future__ import annotations

import tree_sitter

from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.stripe import LOOKUPS, StripeCall, stripe_call
from reviewbot.analyzers.typescript.syntax import outermost_function
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

_EXITS = frozenset({"throw_statement", "return_statement"})


class PspLookupFailureCreatesPayment(TypeScriptRule):
    code = "RB214"
    name = "psp-lookup-failure-creates-payment"
    family = Family.EXCEPTIONS
    severity = Severity.ERROR
    summary = (
        "A catch around a PSP lookup (`paymentIntents.retrieve`) lets any failure, a timeout too, fall "
        "through to creating a new payment intent, charge or checkout session."
    )
    rationale = (
        "\"Not found, so create one\" is right only when the PSP said not found. A timeout, a rate limit or a "
        "5xx on the lookup lands in the same catch, and the code creates a second payment intent for an order "
        "that already has a live one: the customer can pay twice, and the first intent may still succeed."
    )
    help = (
        "Create only on the PSP's not-found answer (`err.code === \"resource_missing\"`, or "
        "`err instanceof Stripe.errors.StripeInvalidRequestError` with status 404) and rethrow everything else; "
        "give the create a stable idempotency key."
    )
    references = (
        "https://docs.stripe.com/error-codes/resource-missing",
        "https://docs.stripe.com/error-handling",
    )
    triggers = ("retrieve", "list(", "search(")
    requires = (("stripe", "Stripe"), ("create(",))
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the catch falls through (or creates inside), and a money-moving create on the same PSP resource "
            "follows the lookup in the function",
        ),
    )
    examples = (
        bad(
            """\
            export async function intentFor(order: Order) {
              if (order.paymentIntentId) {
                try {
                  const existing = await stripe.paymentIntents.retrieve(order.paymentIntentId);
                  if (existing.status !== "canceled") return existing;
                } catch (err) {
                  logger.warn({ err }, "intent lookup failed, creating a new one");
                }
              }
              return stripe.paymentIntents.create(
                { amount: order.amountMinor, currency: order.currency },
                { idempotencyKey: `order:${order.id}:intent` },
              );
            }
            """,
            line=6,
            confidence=Confidence.HIGH,
        ),
        good(
            """\
            export async function intentFor(order: Order) {
              if (order.paymentIntentId) {
                try {
                  return await stripe.paymentIntents.retrieve(order.paymentIntentId);
                } catch (err) {
                  if (!(err instanceof Stripe.errors.StripeInvalidRequestError) || err.code !== "resource_missing") {
                    throw err;
                  }
                }
              }
              return stripe.paymentIntents.create(
                { amount: order.amountMinor, currency: order.currency },
                { idempotencyKey: `order:${order.id}:intent` },
              );
            }
            """
        ),
    )

    def visit_catch_clause(self, node: Node) -> None:
        try_statement = node.parent
        try_body = try_statement.child_by_field_name("body") if try_statement is not None else None
        catch_body = node.child_by_field_name("body")
        if try_statement is None or try_body is None or catch_body is None:
            return
        lookups = [c for c in self._stripe_calls(try_body) if c.method in LOOKUPS]
        if not lookups or self._always_exits(catch_body) or self._checks_not_found(catch_body):
            return
        resources = {c.resource for c in lookups}
        create = self._create_after(node, try_statement, resources)
        if create is None:
            return
        self.report(
            node,
            f"this catch lets any failure of `{lookups[0].label}` (a timeout too) fall through to "
            f"`{create.label}` on line {create.node.start_point.row + 1}",
        )

    def _stripe_calls(self, block: Node) -> list[StripeCall]:
        found = (stripe_call(self.ctx, c) for c in self.ctx.descendants(block, "call_expression"))
        return [c for c in found if c is not None]

    def _always_exits(self, body: Node) -> bool:
        statements = [s for s in body.named_children if s.type != "comment"]
        return bool(statements) and statements[-1].type in _EXITS

    def _checks_not_found(self, body: Node) -> bool:
        text = body.text.decode("utf-8", "replace") if body.text is not None else ""
        return any(word in text for word in ("resource_missing", "404", "NotFound", "not_found", "statusCode"))

    def _create_after(self, catch: Node, try_statement: Node, resources: set[str]) -> StripeCall | None:
        for call in self._stripe_calls(catch):
            if call.is_money_moving and call.resource in resources:
                return call
        scope = outermost_function(try_statement)
        if scope is None:
            return None
        for call in self._stripe_calls(scope):
            if call.node.start_byte > try_statement.end_byte and call.is_money_moving and call.resource in resources:
                return call
        return None
