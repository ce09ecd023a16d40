"""RB215 webhook-acknowledged-after-failure: a webhook handler answers 2xx after a money update failed."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.analyzers.typescript.routes import route_of
from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.rules.exceptions._stakes import highest, stakes
from reviewbot.analyzers.typescript.syntax import (
    FUNCTION_TYPES,
    arguments,
    call_chain,
    number_value,
    outermost_function,
    unwrap,
)
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

_VERIFIES = re.compile(r"constructEvent|webhooks?\.(verify|unwrap)|validateEvent|verifyWebhook|verifySignature", re.I)
_RESPONDERS = frozenset({"json", "text", "body", "send", "sendStatus", "end", "status", "newResponse"})


class WebhookAcknowledgedAfterFailure(TypeScriptRule):
    code = "RB215"
    name = "webhook-acknowledged-after-failure"
    family = Family.EXCEPTIONS
    severity = Severity.ERROR
    summary = (
        "A webhook handler catches the failure of a money update (marking an invoice paid, recording a "
        "refund), logs it, and still answers 2xx."
    )
    rationale = (
        "A PSP retries a webhook only when the answer is not 2xx. A handler that logs the failed update and "
        "answers 200 tells Stripe the event was processed: the payment that succeeded stays unpaid in the "
        "database (or the refund unrecorded) and nothing will ever deliver the event again."
    )
    help = (
        "Let the failure answer 5xx (rethrow, or `return c.json({ error }, 500)`) so the PSP retries; make the "
        "handler idempotent on the event id so the retry is safe."
    )
    references = (
        "https://docs.stripe.com/webhooks#retries",
        "https://docs.stripe.com/webhooks#handle-duplicate-events",
    )
    triggers = ("webhook", "Webhook", "constructEvent")
    evidence = (
        Evidence(Confidence.HIGH, "the failed update writes money or a payment's state, or moves money at the PSP"),
        Evidence(Confidence.MEDIUM, "the failed update writes another row the event was meant to change"),
    )
    examples = (
        bad(
            """\
            app.post("/webhooks/stripe", async (c) => {
              const event = stripe.webhooks.constructEvent(await c.req.text(), c.req.header("stripe-signature")!, secret);
              try {
                if (event.type === "payment_intent.succeeded") {
                  await db.update(invoices).set({ status: "paid" }).where(eq(invoices.intentId, event.data.object.id));
                }
              } catch (err) {
                logger.error({ err, eventId: event.id }, "webhook processing failed");
              }
              return c.json({ received: true });
            });
            """,
            line=7,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            app.post("/webhooks/stripe", async (c) => {
              const event = stripe.webhooks.constructEvent(await c.req.text(), c.req.header("stripe-signature")!, secret);
              try {
                await db.update(customers).set({ delinquent: true }).where(eq(customers.stripeId, event.data.object.customer));
              } catch (err) {
                logger.error({ err }, "could not flag customer");
              }
              return c.json({ received: true });
            });
            """,
            line=5,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            app.post("/webhooks/stripe", async (c) => {
              const event = stripe.webhooks.constructEvent(await c.req.text(), c.req.header("stripe-signature")!, secret);
              try {
                if (event.type === "payment_intent.succeeded") {
                  await db.update(invoices).set({ status: "paid" }).where(eq(invoices.intentId, event.data.object.id));
                }
              } catch (err) {
                logger.error({ err, eventId: event.id }, "webhook processing failed");
                return c.json({ error: "processing failed" }, 500);
              }
              return c.json({ received: true });
            });
            """
        ),
    )

    def visit_catch_clause(self, node: Node) -> None:
        route = route_of(self.ctx, node)
        handler = route.handler if route is not None else outermost_function(node)
        if handler is None or not self._is_webhook(handler, node):
            return
        try_statement = node.parent
        try_body = try_statement.child_by_field_name("body") if try_statement is not None else None
        catch_body = node.child_by_field_name("body")
        if try_statement is None or try_body is None or catch_body is None or self._fails(catch_body):
            return
        stake = highest([s for s in stakes(self.ctx, try_body) if _is_update(s.label)])
        if stake is None:
            return
        ack = self._acknowledgement_after(handler, try_statement)
        if ack is None:
            return
        self.report(
            node,
            f"this catch swallows a failed `{stake.label}` and the handler still answers 2xx on line "
            f"{ack.start_point.row + 1}, so the PSP never retries the event",
            confidence=stake.confidence,
        )

    def _is_webhook(self, handler: Node, at: Node) -> bool:
        route = route_of(self.ctx, at)
        if route is not None:
            return route.is_webhook or bool(_VERIFIES.search(node_text(route.handler)))
        return "webhook" in self.ctx.path.lower() and bool(_VERIFIES.search(node_text(handler)))

    def _fails(self, body: Node) -> bool:
        """The catch rethrows or answers an error status somewhere."""
        for statement in self.ctx.descendants(body, "throw_statement", "return_statement", "call_expression"):
            if _nested(statement, body):
                continue
            if statement.type == "throw_statement":
                return True
            if statement.type == "call_expression" and _error_status(statement):
                return True
            if statement.type == "return_statement" and any(
                _error_status(c) for c in self.ctx.descendants(statement, "call_expression", "new_expression")
            ):
                return True
        return False

    def _acknowledgement_after(self, handler: Node, try_statement: Node) -> Node | None:
        for call in self.ctx.descendants(handler, "call_expression", "new_expression"):
            if call.start_byte < try_statement.end_byte or _nested(call, handler):
                continue
            parts = call_chain(call)
            if (call.type == "new_expression" and parts and parts[-1] == "Response") or (
                len(parts) >= 2 and parts[-1] in _RESPONDERS and parts[0] in ("c", "ctx", "context", "res", "reply", "NextResponse", "Response")
            ):
                return None if _error_status(call) else call
        return None


def _is_update(label: str) -> bool:
    """Writes and money-moving calls count; a PSP read (`retrieve`) failing changes nothing."""
    return not re.search(r"\.(retrieve|list|search)\(", label)


def _error_status(call: Node) -> bool:
    """`c.json(body, 500)`, `res.status(400)`, `new Response(x, { status: 503 })`, `res.sendStatus(500)`."""
    for arg in arguments(call):
        value = number_value(arg)
        if value is not None and value >= 400:
            return True
        inner = unwrap(arg)
        if inner is not None and inner.type == "object" and re.search(r"status\s*:\s*[45]\d\d", node_text(inner)):
            return True
    function = call.child_by_field_name("function")
    if function is not None and re.search(r"\.status\(\s*[45]\d\d\s*\)", node_text(function)):
        return True
    return False


def _nested(node: Node, outer: Node) -> bool:
    if node.id == outer.id:
        return False
    parent = node.parent
    while parent is not None and parent.id != outer.id:
        if parent.type in FUNCTION_TYPES:
            return True
        parent = parent.parent
    return False
