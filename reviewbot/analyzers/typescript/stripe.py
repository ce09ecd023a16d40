"""stripe-node calls: which client calls are Stripe's, which move money, where their options go."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.analyzers.treesitter.rule import FileContext
from reviewbot.analyzers.typescript.syntax import (
    arguments,
    bindings,
    call_chain,
    has_spread,
    imports,
    object_members,
    unwrap,
)

Node = tree_sitter.Node

# stripe-node resources as the client exposes them (`stripe.paymentIntents`, `stripe.checkout.sessions`).
RESOURCES = frozenset(
    {
        "paymentIntents", "charges", "refunds", "transfers", "payouts", "topups", "invoices", "invoiceItems",
        "subscriptions", "subscriptionItems", "creditNotes", "applicationFees", "customers", "setupIntents",
        "paymentMethods", "prices", "products", "accounts", "balanceTransactions", "disputes", "webhooks",
        "checkout.sessions", "billingPortal.sessions", "treasury.outboundPayments", "treasury.outboundTransfers",
        "quotes", "coupons", "promotionCodes", "events", "files", "tokens", "sources", "reviews",
    }
)

# (resource, method) -> how many positional arguments precede the options object.
# Calls that create money movement: sent twice, they charge, refund or pay out twice. Capturing,
# confirming or paying an existing object is protected by Stripe's state machine (a second capture
# fails), so those are not listed.
MONEY_MOVING: dict[tuple[str, str], int] = {
    ("paymentIntents", "create"): 1,
    ("charges", "create"): 1,
    ("refunds", "create"): 1,
    ("transfers", "create"): 1,
    ("transfers", "createReversal"): 2,
    ("payouts", "create"): 1,
    ("topups", "create"): 1,
    ("applicationFees", "createRefund"): 2,
    ("invoices", "create"): 1,
    ("invoiceItems", "create"): 1,
    ("subscriptions", "create"): 1,
    ("creditNotes", "create"): 1,
    ("customers", "createBalanceTransaction"): 2,
    ("treasury.outboundPayments", "create"): 1,
    ("treasury.outboundTransfers", "create"): 1,
}
# Reads of an existing object: what a "look it up, else create it" branch looks up.
LOOKUPS = frozenset({"retrieve", "list", "search"})

_STRIPE_WORD = re.compile(r"stripe", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class StripeCall:
    node: Node
    resource: str  # "paymentIntents", "checkout.sessions"
    method: str
    receiver: str  # the client expression's text, e.g. "this.stripe_"

    @property
    def label(self) -> str:
        return f"{self.resource}.{self.method}"

    @property
    def is_money_moving(self) -> bool:
        return (self.resource, self.method) in MONEY_MOVING


def stripe_call(ctx: FileContext, call: Node) -> StripeCall | None:
    """`<client>.<resource>.<method>(...)` on a Stripe client, or None."""
    if call.type != "call_expression":
        return None
    parts = call_chain(call)
    if len(parts) < 3:
        return None
    method = parts[-1]
    for width in (2, 1):
        if len(parts) < width + 2:
            continue
        resource = ".".join(parts[-1 - width : -1])
        if resource in RESOURCES:
            receiver = parts[: -1 - width]
            if is_stripe_client(ctx, receiver, call):
                return StripeCall(call, resource, method, ".".join(receiver))
            return None
    return None


def is_stripe_client(ctx: FileContext, receiver: Sequence[str], at: Node) -> bool:
    """`stripe`, `this.stripe_`, `ctx.stripeClient`, `getStripe()`; or a name bound to `new Stripe(...)`
    or typed `Stripe` in a file that imports stripe."""
    if any(_STRIPE_WORD.search(part) for part in receiver):
        return True
    if not receiver or "stripe" not in ctx.fact(imports).values():
        return False
    root = receiver[-1] if receiver[0] == "this" and len(receiver) > 1 else receiver[0]
    value = unwrap(ctx.fact(bindings).value(root, at))
    if value is not None and value.type == "new_expression":
        return node_text(value).startswith("new Stripe")
    return bool(re.search(rf"\b{re.escape(root)}\??\s*:\s*Stripe\b", ctx.source.decode("utf-8", "replace")))


def options_argument(call: StripeCall) -> Node | None:
    """The request-options argument of a money-moving call (`{ idempotencyKey, stripeAccount }`), if passed."""
    positional = MONEY_MOVING.get((call.resource, call.method), 1)
    args = arguments(call.node)
    return args[positional] if len(args) > positional else None


def params_argument(call: StripeCall) -> Node | None:
    positional = MONEY_MOVING.get((call.resource, call.method), 1)
    args = arguments(call.node)
    return args[positional - 1] if len(args) >= positional else None


def idempotency_key(ctx: FileContext, call: StripeCall) -> tuple[bool, Node | None]:
    """(whether the call may carry a key, the key's value node when it is written at the call).

    An options object we cannot see into (a parameter, a spread, a helper's result) may carry one."""
    options = options_argument(call)
    if options is None:
        return False, None
    return _key_in(ctx, options, depth=0)


def _key_in(ctx: FileContext, options: Node, depth: int) -> tuple[bool, Node | None]:
    node = unwrap(options)
    if node is None:
        return True, None
    if node.type == "object":
        members = object_members(node)
        if "idempotencyKey" in members:
            return True, members["idempotencyKey"]
        return has_spread(node), None
    if node.type == "identifier" and depth < 3:
        value = ctx.fact(bindings).value(node_text(node), node)
        if value is not None:
            return _key_in(ctx, value, depth + 1)
    if node.type in ("undefined", "null"):
        return False, None
    return True, None


def connect_account(ctx: FileContext, call: StripeCall) -> str | None:
    """The `stripeAccount` option's text when the call acts on a connected account."""
    options = unwrap(options_argument(call))
    if options is not None and options.type == "identifier":
        options = unwrap(ctx.fact(bindings).value(node_text(options), options))
    members = object_members(options)
    account = members.get("stripeAccount")
    return node_text(account) if account is not None else None
