"""RB310 stripe-node-call-without-idempotency-key: a money-moving stripe-node call passes no idempotency key."""

from __future__ import annotations

import tree_sitter

from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.stripe import MONEY_MOVING, connect_account, idempotency_key, stripe_call
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node


class StripeNodeCallWithoutIdempotencyKey(TypeScriptRule):
    code = "RB310"
    name = "stripe-node-call-without-idempotency-key"
    family = Family.IDEMPOTENCY
    severity = Severity.ERROR
    summary = (
        "A money-moving stripe-node call (create a payment intent, charge, refund, transfer, payout, invoice, "
        "subscription...) passes no `idempotencyKey` option."
    )
    rationale = (
        "stripe-node adds a random Idempotency-Key per call, which only protects its own network retries. "
        "When the application retries (a queue redelivery, a client re-POST after a timeout, a job re-run) the "
        "new call gets a new key and Stripe moves the money again. Options such as `{ stripeAccount }` for "
        "Connect do not carry a key by themselves. Capturing or confirming an existing intent is not listed: "
        "Stripe's state machine refuses the second one."
    )
    help = (
        "Pass a key derived from a stable identifier in the options argument: "
        "`stripe.refunds.create(params, { idempotencyKey: `refund:${refundRequest.id}`, stripeAccount })`."
    )
    references = (
        "https://docs.stripe.com/api/idempotent_requests",
        "https://github.com/stripe/stripe-node#request-options",
    )
    triggers = ("stripe", "Stripe")
    call_names = frozenset(method for _, method in MONEY_MOVING)
    options = ()
    evidence = (
        Evidence(
            Confidence.HIGH,
            "a Stripe client (named stripe, bound to `new Stripe()` or typed `Stripe`) calls a money-moving "
            "method and its options argument, if any, has no `idempotencyKey`",
        ),
    )
    examples = (
        bad(
            """\
            const intent = await stripe.paymentIntents.create({ amount: order.amountMinor, currency: "usd" });
            """,
            line=1,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            import Stripe from "stripe";

            export class StripeProvider {
              constructor(private readonly client: Stripe) {}
              async refund(intentId: string, accountId: string) {
                return this.client.refunds.create({ payment_intent: intentId }, { stripeAccount: accountId });
              }
            }
            """,
            line=6,
            confidence=Confidence.HIGH,
        ),
        good(
            """\
            const intent = await stripe.paymentIntents.create(
              { amount: order.amountMinor, currency: "usd" },
              { idempotencyKey: `order:${order.id}:intent` },
            );
            const captured = await stripe.paymentIntents.capture(intent.id);
            const refunds = await prisma.refunds.create({ data: { paymentId: order.id } });
            """
        ),
    )

    def visit_call_expression(self, node: Node) -> None:
        call = stripe_call(self.ctx, node)
        if call is None or (call.resource, call.method) not in MONEY_MOVING:
            return
        has_key, _ = idempotency_key(self.ctx, call)
        if has_key:
            return
        account = connect_account(self.ctx, call)
        where = f" on connected account `{account}`" if account else ""
        self.report(node, f"`{call.receiver}.{call.label}(...)`{where} passes no idempotencyKey")
