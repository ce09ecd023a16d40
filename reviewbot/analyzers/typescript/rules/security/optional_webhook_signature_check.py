"""RB711 optional-webhook-signature-check: the signature is verified only when the request sends one."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text, one_line
from reviewbot.analyzers.typescript.routes import route_of
from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.rules.security._webhooks import VERIFY_CALL
from reviewbot.analyzers.typescript.syntax import call_chain, unwrap
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

# A verification that is a webhook's wherever it appears.
_WEBHOOK_VERIFY = re.compile(r"webhook|constructEvent|verifyHeader|validateEvent|[Ss]ignature", re.IGNORECASE)
_SIGNATURE_WORD = re.compile(r"sig|signature|secret|webhook_?key|header", re.IGNORECASE)


class OptionalWebhookSignatureCheck(TypeScriptRule):
    code = "RB711"
    name = "optional-webhook-signature-check"
    family = Family.SECURITY
    severity = Severity.ERROR
    summary = (
        "A webhook's signature (or its secret) is checked only when present: a request without the header, or "
        "a deployment without the secret, skips verification."
    )
    rationale = (
        "`if (signature) { verify } ` lets an attacker omit the header and have the forged event processed; "
        "`if (secret)` turns verification off in any environment where the secret is missing. Either way the "
        "check is the attacker's choice."
    )
    help = (
        "Reject the request when the signature header or the secret is missing (`if (!signature) return "
        "c.json({ error: \"missing signature\" }, 400)`), then verify unconditionally."
    )
    references = ("https://docs.stripe.com/webhooks#verify-events",)
    triggers = ("constructEvent", "verify", "Verify", "validateEvent", "timingSafeEqual")
    evidence = (
        Evidence(Confidence.HIGH, "the verification call sits in an `if` that tests the signature or secret is present"),
    )
    examples = (
        bad(
            """\
            app.post("/webhooks/stripe", async (c) => {
              const body = await c.req.text();
              const signature = c.req.header("stripe-signature");
              let event = JSON.parse(body);
              if (signature) {
                event = stripe.webhooks.constructEvent(body, signature, endpointSecret);
              }
              await handleEvent(event);
              return c.json({ received: true });
            });
            """,
            line=5,
            confidence=Confidence.HIGH,
        ),
        good(
            """\
            app.post("/webhooks/stripe", async (c) => {
              const body = await c.req.text();
              const signature = c.req.header("stripe-signature");
              if (!signature) return c.json({ error: "missing signature" }, 400);
              const event = stripe.webhooks.constructEvent(body, signature, endpointSecret);
              await handleEvent(event);
              return c.json({ received: true });
            });
            """
        ),
    )

    def visit_if_statement(self, node: Node) -> None:
        condition = unwrap(node.child_by_field_name("condition"))
        body = node.child_by_field_name("consequence")
        if condition is None or body is None:
            return
        tested = self._presence_test(condition)
        if tested is None:
            return
        webhook = route_of(self.ctx, node)
        in_webhook = (webhook is not None and webhook.is_webhook) or "webhook" in self.ctx.path.lower()
        verifies = [
            c
            for c in self.ctx.descendants(body, "call_expression")
            if VERIFY_CALL.search((call_chain(c) or [""])[-1]) and (in_webhook or _WEBHOOK_VERIFY.search(node_text(c)))
        ]
        if not verifies or self._result_checked_after(node, verifies[0]):
            return
        self.report(
            condition,
            f"`{one_line(node_text(verifies[0]), 40)}` runs only when `{tested}` is present; without it the event "
            "is processed unverified",
        )

    def _result_checked_after(self, branch: Node, verify: Node) -> bool:
        """`if (sig) valid = verify(...)` followed by `if (!valid) return 401`: a failed default, checked after."""
        parent = verify.parent
        while parent is not None and parent.type in ("await_expression", "parenthesized_expression"):
            parent = parent.parent
        if parent is None or parent.type not in ("assignment_expression", "variable_declarator"):
            return False
        target = parent.child_by_field_name("left") or parent.child_by_field_name("name")
        if target is None:
            return False
        name = node_text(target)
        following = branch.next_named_sibling
        while following is not None:
            if following.type == "if_statement":
                condition = node_text(following.child_by_field_name("condition") or following)
                if re.search(rf"!\s*{re.escape(name)}\b|\b{re.escape(name)}\s*(===?|!==?)\s*(false|null|undefined)", condition):
                    return True
            following = following.next_named_sibling
        return False

    def _presence_test(self, condition: Node) -> str | None:
        """`sig`, `sig && secret`, `sig != null`, `typeof sig === "string"`: the name tested for presence."""
        node = unwrap(condition)
        if node is None:
            return None
        if node.type in ("identifier", "member_expression"):
            text = node_text(node)
            return text if _SIGNATURE_WORD.search(text) else None
        if node.type == "call_expression":  # c.req.header("stripe-signature")
            text = node_text(node)
            return one_line(text, 40) if _SIGNATURE_WORD.search(text) else None
        if node.type == "binary_expression":
            operator = node.child_by_field_name("operator")
            op = node_text(operator) if operator is not None else ""
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if op == "&&" and left is not None and right is not None:
                return self._presence_test(left) or self._presence_test(right)
            if op in ("!=", "!==") and right is not None and node_text(right) in ("null", "undefined", '""', "''"):
                return self._presence_test(left) if left is not None else None
        return None
