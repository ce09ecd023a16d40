"""RB311 random-idempotency-key-per-attempt: an idempotency key is made fresh (random or clock) at the call."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text, one_line
from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.syntax import bindings, property_key, unwrap
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

_KEY_NAMES = re.compile(r"^(idempotencyKey|idempotency_key|Idempotency-Key|idempotency-key|x-idempotency-key)$", re.I)
_FRESH = re.compile(
    r"^(crypto\.)?randomUUID$|^(uuid\.)?(uuid|uuidv4|v4|uuidV4|v7|uuidv7)$|^nanoid$|^ulid$|^cuid2?$|^createId$"
    r"|^Date\.now$|^Math\.random$|^performance\.now$|^(crypto\.)?randomBytes$|^generateId$",
)


class RandomIdempotencyKeyPerAttempt(TypeScriptRule):
    code = "RB311"
    name = "random-idempotency-key-per-attempt"
    family = Family.IDEMPOTENCY
    severity = Severity.ERROR
    summary = (
        "An idempotency key is made with randomUUID(), uuid(), nanoid() or the clock in the function that "
        "sends it, so every attempt gets a new one."
    )
    rationale = (
        "A key made fresh for each attempt is different on every retry, which is the same as sending no key: "
        "when the first request timed out but succeeded, the retry charges, refunds or pays out a second time."
    )
    help = (
        "Derive the key from a stable identifier (`refund:${refundRequest.id}`), or read it from the client's "
        "Idempotency-Key header and store it with the request."
    )
    references = (
        "https://docs.stripe.com/api/idempotent_requests",
        "https://brandur.org/idempotency-keys",
    )
    triggers = ("dempotency",)
    evidence = (
        Evidence(Confidence.HIGH, "the key is a random or clock value made at the call or in the same function"),
    )
    examples = (
        bad(
            """\
            await stripe.refunds.create({ charge: chargeId }, { idempotencyKey: randomUUID() });
            """,
            line=1,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            export async function payout(accountId: string, amountMinor: number) {
              const idempotencyKey = `payout-${accountId}-${Date.now()}`;
              return stripe.payouts.create({ amount: amountMinor, currency: "eur" }, { idempotencyKey });
            }
            """,
            line=2,
            confidence=Confidence.HIGH,
        ),
        good(
            """\
            export async function refund(request: RefundRequest) {
              await stripe.refunds.create(
                { charge: request.chargeId },
                { idempotencyKey: `refund:${request.id}` },
              );
            }
            """
        ),
    )

    def visit_pair(self, node: Node) -> None:
        key = property_key(node)
        if key is None or not _KEY_NAMES.match(key):
            return
        self._check(node.child_by_field_name("value"), key)

    def visit_shorthand_property_identifier(self, node: Node) -> None:
        if _KEY_NAMES.match(node_text(node)):
            self._check(node, node_text(node))

    def _check(self, value: Node | None, key: str, depth: int = 0) -> None:
        value = unwrap(value)
        if value is None:
            return
        fresh = self._fresh_call(value)
        if fresh is not None:
            self.report(fresh, f"`{key}` is `{one_line(node_text(fresh), 40)}`, a new value on every attempt")
            return
        if value.type in ("identifier", "shorthand_property_identifier") and depth < 2:
            bound = self.ctx.fact(bindings).value(node_text(value), value)
            if bound is not None:
                self._check(bound, key, depth + 1)

    def _fresh_call(self, value: Node) -> Node | None:
        for call in self.ctx.descendants(value, "call_expression", "new_expression"):
            function = call.child_by_field_name("function") or call.child_by_field_name("constructor")
            name = node_text(function) if function is not None else ""
            if _FRESH.match(name) or (call.type == "new_expression" and name == "Date" and not _has_args(call)):
                return call
        return None


def _has_args(call: Node) -> bool:
    args = call.child_by_field_name("arguments")
    return args is not None and args.named_child_count > 0
