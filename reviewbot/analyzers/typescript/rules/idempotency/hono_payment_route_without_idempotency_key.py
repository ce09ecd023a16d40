"""RB312 hono-payment-route-without-idempotency-key: a POST route that moves money never reads Idempotency-Key."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.analyzers.typescript.db import db_write
from reviewbot.analyzers.typescript.routes import Route, routes
from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.stripe import idempotency_key, stripe_call
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

_READS_KEY = re.compile(r"idempoten", re.IGNORECASE)
_USE_MIDDLEWARE = re.compile(r"\.use\([^;]*idempoten", re.IGNORECASE | re.DOTALL)


class HonoPaymentRouteWithoutIdempotencyKey(TypeScriptRule):
    code = "RB312"
    name = "hono-payment-route-without-idempotency-key"
    family = Family.IDEMPOTENCY
    severity = Severity.ERROR
    summary = (
        "A Hono, @hono/zod-openapi or Express POST route that creates a payment, refund or payout never reads "
        "the client's Idempotency-Key."
    )
    rationale = (
        "Clients retry POSTs after timeouts. A payment-creating endpoint that ignores the client's "
        "Idempotency-Key creates a second payment on every retry, and no key generated on the server can tell "
        "the retry from a new purchase."
    )
    help = (
        "Read `c.req.header(\"Idempotency-Key\")` (declare it in the zod-openapi `request.headers`), reject the "
        "request when it is missing, store it with the payment and pass it to the PSP as `idempotencyKey` (or "
        "mount an idempotency middleware on the route)."
    )
    references = (
        "https://hono.dev/docs/api/request#header",
        "https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/",
    )
    triggers = (".post(", "openapi(", '"POST"', "'POST'")
    requires = (("stripe", "Stripe", "insert"),)
    evidence = (
        Evidence(Confidence.HIGH, "the handler makes a money-moving Stripe call without any idempotency key"),
        Evidence(Confidence.MEDIUM, "the handler inserts a payment, charge, refund or payout row"),
    )
    examples = (
        bad(
            """\
            app.post("/payments", async (c) => {
              const body = await c.req.json();
              const intent = await stripe.paymentIntents.create({ amount: body.amountMinor, currency: body.currency });
              return c.json(intent, 201);
            });
            """,
            line=1,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            app.openapi(
              createRoute({ method: "post", path: "/refunds", request: { body: refundBody } }),
              async (c) => {
                const input = c.req.valid("json");
                const [refund] = await db.insert(refunds).values({ paymentId: input.paymentId, amountMinor: input.amountMinor }).returning();
                return c.json(refund, 201);
              },
            );
            """,
            line=1,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            app.post("/payments", async (c) => {
              const key = c.req.header("Idempotency-Key");
              if (!key) return c.json({ error: "Idempotency-Key required" }, 400);
              const body = await c.req.json();
              const intent = await stripe.paymentIntents.create(
                { amount: body.amountMinor, currency: body.currency },
                { idempotencyKey: key },
              );
              return c.json(intent, 201);
            });
            """
        ),
    )

    def visit_program(self, node: Node) -> None:
        if b"dempoten" in self.ctx.source and _USE_MIDDLEWARE.search(node_text(node)):
            return
        for route in self.ctx.fact(routes):
            if route.method == "post" and not route.is_webhook:
                self._check(route)

    def _check(self, route: Route) -> None:
        if _READS_KEY.search(node_text(route.node)):
            return
        calls = self.ctx.descendants(route.handler, "call_expression")
        money_calls = []
        for call in calls:
            found = stripe_call(self.ctx, call)
            if found is not None and found.is_money_moving:
                money_calls.append(found)
        if money_calls:
            if any(idempotency_key(self.ctx, c)[0] for c in money_calls):
                return  # the PSP call carries a key of its own (RB311 judges how it is made)
            self.report(
                route.node,
                f"POST {route.path} calls `{money_calls[0].label}` but never reads the Idempotency-Key header",
            )
            return
        for call in calls:
            write = db_write(call)
            if write is not None and write.kind == "insert" and write.direct and write.is_payment_entity:
                self.report(
                    route.node,
                    f"POST {route.path} inserts into `{write.target}` but never reads the Idempotency-Key header",
                    confidence=Confidence.MEDIUM,
                )
                return
