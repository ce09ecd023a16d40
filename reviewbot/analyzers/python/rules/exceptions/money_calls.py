"""A cheap, name-based guess at "this call moves money at a payment provider"."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

import libcst as cst

from reviewbot.analyzers.python.names import call_chain, node_fields, qualified_name
from reviewbot.config import Config

# Receivers that name a payment provider or the service wrapping one.
_PSP_RECEIVER_WORDS = (
    "stripe",
    "adyen",
    "braintree",
    "mollie",
    "checkout",
    "paypal",
    "psp",
    "gateway",
    "hyperswitch",
    "acquirer",
    "processor",
    "payment_intent",
    "paymentintent",
)
# Verbs that move money whoever the receiver is, as the method's first word (`capture_payment`).
_STRONG_WORDS = frozenset(
    {"capture", "refund", "charge", "payout", "transfer", "authorize", "authorise", "sale", "pay", "settle"}
)
# Generic verbs that move money when a money word follows (`create_refund`, `submit_for_settlement`).
_ACTION_VERBS = frozenset(
    {"create", "request", "initiate", "submit", "execute", "process", "make", "issue", "perform", "confirm"}
)
_MONEY_OBJECTS = _STRONG_WORDS | frozenset(
    {
        "payment",
        "payments",
        "funds",
        "settlement",
        "authorization",
        "payouts",
        "refunds",
        "card",
        "invoice",
        "order",
        "intent",
        "amount",
        "balance",
        "transaction",
        "customer",
        "account",
    }
)
# Method words that move money on a PSP-looking receiver (`stripe.PaymentIntent.create`).
_PSP_WORDS = _STRONG_WORDS | frozenset(
    {
        "create",
        "confirm",
        "payments",
        "payment",
        "authorization",
        "reverse",
        "void",
        "increment",
        "funds",
        "refunds",
        "cancel",
    }
)
# Provider resources whose create/confirm/cancel moves or commits money (`stripe.PaymentIntent`, `client.v1.refunds`).
_MONEY_RESOURCES = frozenset(
    {
        "payment", "payments", "intent", "intents", "paymentintent", "paymentintents", "charge", "charges",
        "refund", "refunds", "payout", "payouts", "transfer", "transfers", "invoice", "invoices",
        "subscription", "subscriptions", "capture", "captures", "authorization", "authorizations", "order",
        "orders", "topup", "topups", "dispute", "disputes", "settlement", "settlements", "sale", "sales",
        "transaction", "transactions", "funds", "balance", "credit", "debit", "checkout", "gateway",
    }
)
_READ_VERBS = frozenset(
    {
        "get",
        "list",
        "retrieve",
        "fetch",
        "search",
        "find",
        "read",
        "load",
        "lookup",
        "count",
        "is",
        "has",
        "can",
        "should",
        "validate",
        "format",
        "render",
        "serialize",
        "build",
        "compute",
        "calculate",
        "estimate",
        "preview",
        "describe",
        "parse",
        "to",
        "from",
        "as",
    }
)
# Receivers that are an ORM, a cache or a log, never the provider.
_LOCAL_RECEIVERS = frozenset(
    {"objects", "query", "session", "db", "repo", "repository", "cache", "logger", "log", "metrics", "events"}
)
_HTTP_WRITE_METHODS = frozenset({"post", "put"})
_MONEY_PATH = re.compile(r"/(payments|charges|refunds|payouts|transfers|captures?|payment_intents|confirm)\b")
_WORD_SPLIT = re.compile(r"[_\W]+|(?<=[a-z0-9])(?=[A-Z])")
_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def money_call_name(call: cst.Call, imports: dict[str, str], config: Config) -> str | None:
    """The call's dotted name if it looks money-moving, else None."""
    return money_call_strength(call, imports, config)[0]


def money_call_strength(call: cst.Call, imports: dict[str, str], config: Config) -> tuple[str | None, bool]:
    """(name, strong): the call's dotted name if it looks money-moving, and whether the money is certain.

    Weak: a create/cancel on a provider object that names no money resource (`stripe.ApplePayDomain.create`,
    `stripe.Customer.create`); strong: everything else that matches.
    """
    chain = call_chain(call.func)
    if chain is None:
        return None, False
    qualified = qualified_name(call.func, imports) or chain
    if _is_configured(qualified, chain, config):
        return chain, True
    parts = qualified.split(".")
    method = parts[-1]
    receiver = [p.lower() for p in parts[:-1]]
    if method in _HTTP_WRITE_METHODS:
        return (chain, True) if call.args and _has_money_path(call.args[0].value) else (None, False)
    words = [w.lower() for w in _WORD_SPLIT.split(method) if w]
    if not words or words[0] in _READ_VERBS or any(r in _LOCAL_RECEIVERS for r in receiver):
        return None, False
    if words[0] in _STRONG_WORDS and (len(words) == 1 or any(w in _MONEY_OBJECTS for w in words[1:])):
        return chain, True
    if words[0] in _ACTION_VERBS and any(w in _MONEY_OBJECTS for w in words[1:]):
        return chain, True
    psp_receiver = any(word in part for part in receiver for word in _PSP_RECEIVER_WORDS) or "v1" in receiver
    if psp_receiver and any(w in _PSP_WORDS for w in words):
        resource_words = {w.lower() for part in parts[:-1] for w in _WORD_SPLIT.split(part) if w}
        strong = bool(resource_words & _MONEY_RESOURCES) or words[0] in _STRONG_WORDS
        return chain, strong
    return None, False


def first_money_call(node: cst.CSTNode, imports: dict[str, str], config: Config) -> str | None:
    """The first money-moving call under `node`, not looking into nested functions or classes."""
    for call in _calls(node):
        name = money_call_name(call, imports, config)
        if name is not None:
            return name
    return None


def _is_configured(qualified: str, chain: str, config: Config) -> bool:
    calls = (*config.idempotency.psp_calls, *config.idempotency.extend_psp_calls)
    return any(fnmatch.fnmatchcase(qualified, c.call) or fnmatch.fnmatchcase(chain, c.call) for c in calls)


def _has_money_path(node: cst.BaseExpression) -> bool:
    """`"/v1/refunds"`, `f"{BASE}/payments"`, `BASE + "/charges"` (literal fragments only)."""
    if isinstance(node, cst.SimpleString):
        return bool(_MONEY_PATH.search(node.value))
    if isinstance(node, cst.FormattedString):
        return any(
            isinstance(part, cst.FormattedStringText) and _MONEY_PATH.search(part.value)
            for part in node.parts
        )
    if isinstance(node, cst.ConcatenatedString):
        return _has_money_path(node.left) or _has_money_path(node.right)
    if isinstance(node, cst.BinaryOperation):
        return _has_money_path(node.left) or _has_money_path(node.right)
    return False


def _calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    """Calls under `node` in document order, callee before arguments."""
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call):
            yield current
        children: list[cst.CSTNode] = []
        for name in node_fields(type(current)):
            value = getattr(current, name)
            if isinstance(value, cst.CSTNode):
                children.append(value)
            elif isinstance(value, tuple | list):
                children.extend(v for v in value if isinstance(v, cst.CSTNode))
        stack.extend(reversed([c for c in children if not isinstance(c, _SCOPES)]))
