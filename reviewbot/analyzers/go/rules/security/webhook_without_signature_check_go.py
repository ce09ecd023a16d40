"""RB720 webhook-without-signature-check-go: a Go webhook handler acts on a body it never verified."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.go.http import (
    header_reads,
    is_signature_header,
    middleware_verifies,
    reads_body,
    verification_calls,
    webhook_reason,
)
from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.go.rules.exceptions._stakes import stake_of
from reviewbot.analyzers.go.syntax import arguments, parameters
from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

_MONEY_EVENTS = re.compile(
    r"\"(payment_intent\.\w+|checkout\.session\.\w+|invoice\.(paid|payment_succeeded|payment_failed)|charge\.\w+|"
    r"refund\.\w+|payout\.\w+|transfer\.\w+|payment\.\w+|order\.paid)\"|stripe\.Event\b|EventType\w*(Succeeded|Paid)"
)


class WebhookWithoutSignatureCheckGo(GoRule):
    code = "RB720"
    name = "webhook-without-signature-check-go"
    family = Family.SECURITY
    severity = Severity.ERROR
    summary = (
        "A Go webhook handler (net/http, chi, gin, echo, fiber) reads the request body and acts on it without "
        "verifying the PSP's signature."
    )
    rationale = (
        "Anyone who finds the URL can POST `{\"type\": \"payment_intent.succeeded\"}` and have an invoice marked "
        "paid or an order shipped. The signature header and the endpoint secret are what make the event the "
        "PSP's; without them the webhook is an unauthenticated write endpoint for payment state."
    )
    help = (
        "Verify the raw body first: `event, err := webhook.ConstructEvent(body, r.Header.Get(\"Stripe-Signature\"), "
        "endpointSecret)` and answer 400 on error (other PSPs: `hmac.New(sha256.New, secret)` over the body, "
        "compared with `hmac.Equal`)."
    )
    references = (
        "https://docs.stripe.com/webhooks#verify-events",
        "https://pkg.go.dev/github.com/stripe/stripe-go/v82/webhook#ConstructEvent",
    )
    triggers = ("ebhook", "ebHook", "EBHOOK")
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the handler decodes PSP money events (`stripe.Event`, `payment_intent.succeeded`, `invoice.paid`...) "
            "or updates payments, invoices or balances",
        ),
        Evidence(Confidence.MEDIUM, "a webhook handler reads the body and verifies nothing"),
    )
    examples = (
        bad(
            """\
            package webhooks

            func (h *Handler) StripeWebhook(w http.ResponseWriter, r *http.Request) {
                body, err := io.ReadAll(r.Body)
                if err != nil {
                    http.Error(w, "read body", http.StatusBadRequest)
                    return
                }
                var event stripe.Event
                if err := json.Unmarshal(body, &event); err != nil {
                    http.Error(w, "bad event", http.StatusBadRequest)
                    return
                }
                if event.Type == "payment_intent.succeeded" {
                    h.payments.MarkPaid(r.Context(), event.GetObjectValue("id"))
                }
                w.WriteHeader(http.StatusOK)
            }
            """,
            line=3,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            package webhooks

            func (h *Handler) HandleCarrierWebhook(c *gin.Context) {
                var update TrackingUpdate
                if err := c.ShouldBindJSON(&update); err != nil {
                    c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
                    return
                }
                h.shipments.Track(c.Request.Context(), update)
                c.Status(http.StatusOK)
            }
            """,
            line=3,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            package webhooks

            func (h *Handler) StripeWebhook(w http.ResponseWriter, r *http.Request) {
                body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 65536))
                if err != nil {
                    http.Error(w, "read body", http.StatusBadRequest)
                    return
                }
                event, err := webhook.ConstructEvent(body, r.Header.Get("Stripe-Signature"), h.endpointSecret)
                if err != nil {
                    http.Error(w, "bad signature", http.StatusBadRequest)
                    return
                }
                if event.Type == "payment_intent.succeeded" {
                    h.payments.MarkPaid(r.Context(), event.GetObjectValue("id"))
                }
                w.WriteHeader(http.StatusOK)
            }
            """
        ),
    )

    def visit_function_declaration(self, node: Node) -> None:
        self._check(node)

    def visit_method_declaration(self, node: Node) -> None:
        self._check(node)

    def _check(self, function: Node) -> None:
        reason = webhook_reason(self.ctx, function)
        if reason is None or not reads_body(function):
            return
        if verification_calls(self.ctx, function) or middleware_verifies(self.ctx, function):
            return
        if any(is_signature_header(header) for _, header in header_reads(self.ctx, function)):
            return  # the signature is read and handed on: verified where it goes
        if self._hands_on_request(function):
            return
        name_node = function.child_by_field_name("name") or function
        text = node_text(function)
        money = _MONEY_EVENTS.search(text)
        stake = next(
            (s for s in (stake_of(self.ctx, c) for c in self.ctx.descendants(function, "call_expression")) if s is not None),
            None,
        )
        if money is not None or stake is not None:
            what = f"`{money.group(0)}`" if money is not None else f"`{stake.label}`" if stake is not None else ""
            self.report(name_node, f"{reason} acts on {what} from a request body it never verifies")
        else:
            self.report(name_node, f"{reason} reads the request body and verifies no signature", confidence=Confidence.MEDIUM)

    def _hands_on_request(self, function: Node) -> bool:
        """The whole request (or its headers) goes to another function, which may verify it."""
        request_names = {p.name for p in parameters(function) if p.type.replace(" ", "") in ("*http.Request",)}
        for call in self.ctx.descendants(function, "call_expression"):
            for arg in arguments(call):
                text = node_text(arg)
                if text in request_names or text.endswith((".Request", ".Request()", "Header", ".Header()")):
                    if not re.search(r"Context|WithContext|MaxBytesReader|Body", node_text(call.child_by_field_name("function") or call)):
                        return True
        return False
