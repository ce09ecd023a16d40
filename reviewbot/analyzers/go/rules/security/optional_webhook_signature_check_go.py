"""RB721 optional-webhook-signature-check-go: a Go webhook verifies the signature only when one is sent."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.go.http import header_reads, is_signature_header, verification_calls
from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.go.syntax import (
    assignments_to,
    enclosing_function,
    statements,
    unparen,
)
from reviewbot.analyzers.treesitter.nodes import node_text, one_line
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

# `sig != ""`, `len(sig) > 0`, `sig != nil`: the condition holds only when the value is present.
_PRESENT = re.compile(r"^(?P<name>[\w.]+)\s*!=\s*(\"\"|nil)$|^len\((?P<lname>[\w.]+)\)\s*(>|!=)\s*0$")
_SECRET_NAME = re.compile(r"secret|key|token|verifier|signing", re.I)
# What a presence test must be about: the signature (or its header) or the secret, never `err`.
_SIGNATURE_OR_SECRET = re.compile(r"sig|hmac|mac$|secret|key|token|verif|signing|header|auth", re.I)
# A condition whose presence test could be about one: its text holds one of those words somewhere.
_MENTIONS_SIGNATURE_OR_SECRET = re.compile(r"sig|mac|secret|key|token|verif|header|auth", re.I)
# A verification that is a webhook's (an API-key or session check is not).
_WEBHOOK_VERIFY = re.compile(r"[Ss]ignature|[Ww]ebhook|ConstructEvent|ValidatePayload|hmac|Hmac|HMAC|ConstantTimeCompare")
_REJECTS = re.compile(
    r"return\b|Abort\w*\(|http\.Error\(|Status(Unauthorized|Forbidden|BadRequest)|WriteHeader\(\s*(40\d)|panic\(",
)


class OptionalWebhookSignatureCheckGo(GoRule):
    code = "RB721"
    name = "optional-webhook-signature-check-go"
    family = Family.SECURITY
    severity = Severity.ERROR
    summary = (
        "A Go webhook verifies its signature only inside `if signature != \"\"` (or only when a secret is "
        "configured), and processes the request when it is absent."
    )
    rationale = (
        "An attacker who leaves the signature header out skips verification: the forged \"payment succeeded\" "
        "event is reconciled like a real one. Verification that depends on a secret being configured is off "
        "in every environment where someone forgot it."
    )
    help = (
        "Reject a request without a signature (`if signature == \"\" { c.AbortWithStatus(http.StatusUnauthorized); "
        "return }`) and verify unconditionally; fail at start-up when the endpoint secret is missing."
    )
    references = ("https://docs.stripe.com/webhooks#verify-events",)
    triggers = ("Verif", "ignature", "Construct", "hmac", "ConstantTime", "Validate")
    evidence = (
        Evidence(Confidence.HIGH, "the `if` tests a value read from a request header and nothing rejects its absence"),
        Evidence(Confidence.MEDIUM, "the `if` tests that a secret is configured and nothing rejects its absence"),
    )
    examples = (
        bad(
            """\
            package webhooks

            func (h *Handler) QuickBooks(c *gin.Context) {
                body, _ := io.ReadAll(c.Request.Body)
                signature := c.GetHeader("intuit-signature")
                if signature != "" {
                    if err := h.verifier.VerifySignature(body, signature); err != nil {
                        c.AbortWithStatus(http.StatusUnauthorized)
                        return
                    }
                }
                h.payments.ReconcileFromWebhook(c.Request.Context(), body)
                c.Status(http.StatusOK)
            }
            """,
            line=6,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            package webhooks

            func (h *Handler) Paddle(w http.ResponseWriter, r *http.Request) {
                body, _ := io.ReadAll(r.Body)
                if h.webhookSecret != "" {
                    if !validSignature(body, r.Header.Get("Paddle-Signature"), h.webhookSecret) {
                        w.WriteHeader(http.StatusUnauthorized)
                        return
                    }
                }
                h.process(r.Context(), body)
            }
            """,
            line=5,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            package webhooks

            func (h *Handler) QuickBooks(c *gin.Context) {
                body, _ := io.ReadAll(c.Request.Body)
                signature := c.GetHeader("intuit-signature")
                if signature == "" {
                    c.AbortWithStatus(http.StatusUnauthorized)
                    return
                }
                if err := h.verifier.VerifySignature(body, signature); err != nil {
                    c.AbortWithStatus(http.StatusUnauthorized)
                    return
                }
                h.payments.ReconcileFromWebhook(c.Request.Context(), body)
                c.Status(http.StatusOK)
            }

            func (h *Handler) Whop(c *gin.Context) {
                if h.secret != "" {
                    if err := h.verify(c); err != nil {
                        c.AbortWithStatus(http.StatusUnauthorized)
                        return
                    }
                } else {
                    c.AbortWithStatus(http.StatusUnauthorized)
                    return
                }
                h.process(c)
            }
            """
        ),
    )

    def visit_if_statement(self, node: Node) -> None:
        condition = unparen(node.child_by_field_name("condition"))
        # Most conditions of a Go file name no signature or secret (`err != nil`): one search says so.
        if condition is None or not _MENTIONS_SIGNATURE_OR_SECRET.search(node_text(condition)):
            return
        body = node.child_by_field_name("consequence")
        if body is None or node.child_by_field_name("initializer") is not None:
            return
        tested = self._tested(condition)
        if tested is None or not _SIGNATURE_OR_SECRET.search(tested.rsplit(".", 1)[-1]) or not any(
            _WEBHOOK_VERIFY.search(node_text(c.child_by_field_name("function") or c)) for c in verification_calls(self.ctx, body)
        ):
            return
        alternative = node.child_by_field_name("alternative")
        if alternative is not None and _REJECTS.search(node_text(alternative)):
            return
        if self._rejected_before(node, tested) or self._rejected_after(node):
            return
        function = enclosing_function(node)
        if function is None:
            return
        if self._from_header(function, tested, node):
            self.report(
                condition,
                f"the signature is verified only `if {one_line(node_text(condition), 40)}`: a request without it "
                "is processed unverified",
            )
        elif _SECRET_NAME.search(tested.rsplit(".", 1)[-1]):
            self.report(
                condition,
                f"the signature is verified only `if {one_line(node_text(condition), 40)}`: without the secret "
                "every request is processed unverified",
                confidence=Confidence.MEDIUM,
            )

    @staticmethod
    def _tested(condition: Node) -> str | None:
        """The value a presence test checks; for `a != "" && b != ""` the first one."""
        text = node_text(condition).strip()
        for part in re.split(r"\s*&&\s*", text):
            match = _PRESENT.match(part.strip())
            if match is not None:
                return match.group("name") or match.group("lname")
        return None

    def _from_header(self, function: Node, name: str, before: Node) -> bool:
        for call, header in header_reads(self.ctx, function):
            if call.start_byte > before.start_byte:
                continue
            for assignment in assignments_to(self.ctx, function, name):
                if assignment.value is not None and assignment.value.start_byte <= call.start_byte < assignment.value.end_byte:
                    return True
            if is_signature_header(header) and re.search(r"sig", name, re.I) and name in node_text(call.parent or call):
                return True
        return False

    @staticmethod
    def _rejected_after(node: Node) -> bool:
        """The statement after the `if` rejects: verification success returned inside it, absence falls to a
        refusal (`if secret != "" { if ok { return accept } }; return reject`)."""
        following = node.next_named_sibling
        while following is not None and following.type == "comment":
            following = following.next_named_sibling
        if following is None or following.type != "return_statement":
            return False
        text = node_text(following)
        return bool(re.search(r"\bfalse\b|[Ee]rr|Status(Unauthorized|Forbidden|BadRequest)", text))

    def _rejected_before(self, node: Node, name: str) -> bool:
        """An earlier `if name == "" { … return }` in the same block already rejects the absent value."""
        parent = node.parent
        for statement in statements(parent) if parent is not None else []:
            if statement.start_byte >= node.start_byte:
                break
            if statement.type != "if_statement":
                continue
            condition = node_text(statement.child_by_field_name("condition") or statement)
            if re.search(rf"\b{re.escape(name)}\s*==\s*(\"\"|nil)|len\({re.escape(name)}\)\s*==\s*0", condition) and _REJECTS.search(
                node_text(statement.child_by_field_name("consequence") or statement)
            ):
                return True
        return False
