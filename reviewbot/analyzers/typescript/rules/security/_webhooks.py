"""Webhook handlers and their signature checks, as the TypeScript security rules see them."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.analyzers.treesitter.rule import FileContext
from reviewbot.analyzers.typescript.syntax import call_chain

Node = tree_sitter.Node

# Calls that verify a webhook's signature (PSP SDKs, standard-webhooks, hand-written HMAC checks).
VERIFY_CALL = re.compile(
    r"constructEvent(Async)?$|^verify|Verify|validateEvent|validateWebhook|validateSignature|checkSignature"
    r"|timingSafeEqual|verifyHeader|unwrap$|isValidSignature|signatureValid|verifySignature",
)
# Stripe-style event names that mean money moved: the handler acts on them.
MONEY_EVENT = re.compile(
    r"^(payment_intent|charge|invoice|checkout\.session|payout|refund|customer\.subscription|transfer|"
    r"payment|order|subscription|transaction|dispute)[._]",
)


def verification_calls(ctx: FileContext, scope: Node) -> list[Node]:
    return [c for c in ctx.descendants(scope, "call_expression") if VERIFY_CALL.search((call_chain(c) or [""])[-1])]


def computes_hmac(ctx: FileContext, scope: Node) -> bool:
    """A hand-written check: the handler computes an HMAC of what it received (how it compares
    the result is RB713's concern)."""
    return any((call_chain(c) or [""])[-1] == "createHmac" for c in ctx.descendants(scope, "call_expression"))


def money_event_names(ctx: FileContext, scope: Node) -> list[str]:
    """String literals in `scope` that name money events (`payment_intent.succeeded`)."""
    names: list[str] = []
    for string in ctx.descendants(scope, "string"):
        text = node_text(string)[1:-1]
        if MONEY_EVENT.match(text) and " " not in text:
            names.append(text)
    return names


def reads_body(scope: Node) -> bool:
    text = node_text(scope)
    return bool(re.search(r"req\.(json|text|body|raw|arrayBuffer)|request\.(json|text|body)|\bbody\b|rawBody", text))
