"""RB710 webhook-without-signature-check: a PSP webhook handler acts on events it never verified."""

from __future__ import annotations

import tree_sitter

from reviewbot.analyzers.typescript.routes import routes
from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.rules.security._webhooks import (
    computes_hmac,
    money_event_names,
    reads_body,
    verification_calls,
)
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node


class WebhookWithoutSignatureCheck(TypeScriptRule):
    code = "RB710"
    name = "webhook-without-signature-check"
    family = Family.SECURITY
    severity = Severity.ERROR
    summary = "A webhook route acts on payment events it reads from the body without verifying their signature."
    rationale = (
        "Anyone who finds the webhook URL can POST `{\"type\": \"payment_intent.succeeded\"}` and have an "
        "order shipped or an invoice marked paid. The signature header (Stripe-Signature) and the endpoint "
        "secret are what make the event the PSP's."
    )
    help = (
        "Verify before parsing: `const event = stripe.webhooks.constructEvent(await c.req.text(), "
        "c.req.header(\"stripe-signature\"), endpointSecret)` and answer 400 when it throws."
    )
    references = (
        "https://docs.stripe.com/webhooks#verify-events",
        "https://github.com/stripe/stripe-node#webhook-signing",
    )
    triggers = ("webhook", "Webhook", "payment_intent.", "checkout.session.", "invoice.paid", "charge.")
    evidence = (
        Evidence(Confidence.HIGH, "the handler switches on money event types (`payment_intent.succeeded`...)"),
        Evidence(Confidence.MEDIUM, "a POST route under a webhook path reads the body and verifies nothing"),
    )
    examples = (
        bad(
            """\
            app.post("/webhooks/stripe", async (c) => {
              const event = await c.req.json();
              if (event.type === "payment_intent.succeeded") {
                await markPaid(db, event.data.object.metadata.orderId);
              }
              return c.json({ received: true });
            });
            """,
            line=1,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            router.post("/webhooks/psp", async (req, res) => {
              await recordNotification(db, req.body);
              res.sendStatus(200);
            });
            """,
            line=1,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            app.post("/webhooks/stripe", async (c) => {
              const event = stripe.webhooks.constructEvent(
                await c.req.text(),
                c.req.header("stripe-signature") ?? "",
                endpointSecret,
              );
              if (event.type === "payment_intent.succeeded") {
                await markPaid(db, event.data.object.metadata.orderId);
              }
              return c.json({ received: true });
            });
            """
        ),
        good(
            """\
            app.post("/webhooks/bank", async (c) => {
              const payload = await c.req.text();
              const expected = createHmac("sha256", bankSecret).update(payload).digest("hex");
              if (!constantTimeEquals(c.req.header("x-bank-signature") ?? "", expected)) {
                return c.json({ error: "invalid signature" }, 401);
              }
              await applyNotice(JSON.parse(payload));
              return c.json({ received: true });
            });
            """
        ),
    )

    def visit_program(self, node: Node) -> None:
        for route in self.ctx.fact(routes):
            if route.method != "post":
                continue
            handler = route.handler
            if verification_calls(self.ctx, route.node) or computes_hmac(self.ctx, handler) or any(
                verification_calls(self.ctx, m) for m in route.middleware
            ):
                continue
            events = money_event_names(self.ctx, handler)
            if events:
                self.report(
                    route.node,
                    f"POST {route.path} acts on `{events[0]}` events without verifying the webhook signature",
                )
            elif route.is_webhook and "hook" in route.path.lower() and reads_body(handler):
                self.report(
                    route.node,
                    f"POST {route.path} reads the webhook body without verifying its signature",
                    confidence=Confidence.MEDIUM,
                )
