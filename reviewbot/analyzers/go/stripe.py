"""stripe-go: which params literals and client calls move money, and where their idempotency key is set.

stripe-go has two APIs. The client API (v82+): `sc := stripe.NewClient(key)`,
`sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{...})`, one params type per method. The older
package API: `refund.New(&stripe.RefundParams{...})` or `sc.Refunds.New(params)` on a `client.API`,
where one params type serves create and update. Either way the key is a field of the embedded
`stripe.Params`: `params.SetIdempotencyKey(k)`, `params.IdempotencyKey = stripe.String(k)` or
`Params: stripe.Params{IdempotencyKey: stripe.String(k)}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import tree_sitter

from reviewbot.analyzers.go.syntax import (
    arguments,
    call_chain,
    imports,
    root_name,
    selector_chain,
    unaddress,
)
from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.analyzers.treesitter.rule import FileContext
from reviewbot.core.findings import Confidence

Node = tree_sitter.Node

_STRIPE_ROOT = re.compile(r"^github\.com/stripe/stripe-go(/v\d+)?$")
_STRIPE_SUB = re.compile(r"^github\.com/stripe/stripe-go(/v\d+)?/(?P<resource>[\w/]+)$")


@dataclass(frozen=True, slots=True)
class Movement:
    """What a params type or call does with money: its label, and how surely a repeat moves money again."""

    label: str
    confidence: Confidence
    # A second call fails by Stripe's state machine (confirm, capture, pay, finalize): the repeat is
    # refused rather than doubled, so a missing key is a weaker hazard.
    state_guarded: bool = False


_CREATE = Confidence.HIGH
_GUARDED = Confidence.MEDIUM

# Client-API params types (v82+): one type per method, so the type alone says what the call does.
CLIENT_PARAMS: dict[str, Movement] = {
    "PaymentIntentCreateParams": Movement("create a PaymentIntent", _CREATE),
    "RefundCreateParams": Movement("create a Refund", _CREATE),
    "ChargeCreateParams": Movement("create a Charge", _CREATE),
    "TransferCreateParams": Movement("create a Transfer", _CREATE),
    "TransferReversalCreateParams": Movement("reverse a Transfer", _CREATE),
    "PayoutCreateParams": Movement("create a Payout", _CREATE),
    "TopupCreateParams": Movement("create a Topup", _CREATE),
    "InvoiceCreateParams": Movement("create an Invoice", _CREATE),
    "InvoiceItemCreateParams": Movement("add an InvoiceItem", _CREATE),
    "CreditNoteCreateParams": Movement("create a CreditNote", _CREATE),
    "SubscriptionCreateParams": Movement("create a Subscription", _CREATE),
    "CustomerBalanceTransactionCreateParams": Movement("create a customer balance transaction", _CREATE),
    "ApplicationFeeRefundCreateParams": Movement("refund an application fee", _CREATE),
    "FeeRefundCreateParams": Movement("refund an application fee", _CREATE),
    "TreasuryOutboundPaymentCreateParams": Movement("create an OutboundPayment", _CREATE),
    "TreasuryOutboundTransferCreateParams": Movement("create an OutboundTransfer", _CREATE),
    # Shared by both APIs: a second confirm, capture, pay or finalize is refused by Stripe.
    "PaymentIntentConfirmParams": Movement("confirm a PaymentIntent", _GUARDED, state_guarded=True),
    "PaymentIntentCaptureParams": Movement("capture a PaymentIntent", _GUARDED, state_guarded=True),
    "ChargeCaptureParams": Movement("capture a Charge", _GUARDED, state_guarded=True),
    "InvoicePayParams": Movement("pay an Invoice", _GUARDED, state_guarded=True),
    "InvoiceFinalizeInvoiceParams": Movement("finalize an Invoice", _GUARDED, state_guarded=True),
}

# Package-API params types: the same type creates and updates, so the call decides (`refund.New`).
PACKAGE_PARAMS: dict[str, Movement] = {
    "PaymentIntentParams": Movement("create a PaymentIntent", _CREATE),
    "RefundParams": Movement("create a Refund", _CREATE),
    "ChargeParams": Movement("create a Charge", _CREATE),
    "TransferParams": Movement("create a Transfer", _CREATE),
    "TransferReversalParams": Movement("reverse a Transfer", _CREATE),
    "ReversalParams": Movement("reverse a Transfer", _CREATE),
    "PayoutParams": Movement("create a Payout", _CREATE),
    "TopupParams": Movement("create a Topup", _CREATE),
    "InvoiceParams": Movement("create an Invoice", _CREATE),
    "InvoiceItemParams": Movement("add an InvoiceItem", _CREATE),
    "CreditNoteParams": Movement("create a CreditNote", _CREATE),
    "SubscriptionParams": Movement("create a Subscription", _CREATE),
    "CustomerBalanceTransactionParams": Movement("create a customer balance transaction", _CREATE),
    "FeeRefundParams": Movement("refund an application fee", _CREATE),
}
# Package-API types that are nearly always a creation when their call is not seen: refunds, payouts,
# transfers and charges are seldom updated.
USUALLY_CREATED = frozenset({"RefundParams", "ChargeParams", "TransferParams", "PayoutParams", "ReversalParams",
                             "TransferReversalParams", "FeeRefundParams"})

# Client-API services (`sc.V1Refunds`) and package-API resources (`refund`, `sc.Refunds`), and their
# money-moving methods.
CLIENT_METHODS: dict[tuple[str, str], Movement] = {
    ("V1PaymentIntents", "Create"): CLIENT_PARAMS["PaymentIntentCreateParams"],
    ("V1PaymentIntents", "Confirm"): CLIENT_PARAMS["PaymentIntentConfirmParams"],
    ("V1PaymentIntents", "Capture"): CLIENT_PARAMS["PaymentIntentCaptureParams"],
    ("V1Refunds", "Create"): CLIENT_PARAMS["RefundCreateParams"],
    ("V1Charges", "Create"): CLIENT_PARAMS["ChargeCreateParams"],
    ("V1Charges", "Capture"): CLIENT_PARAMS["ChargeCaptureParams"],
    ("V1Transfers", "Create"): CLIENT_PARAMS["TransferCreateParams"],
    ("V1TransferReversals", "Create"): CLIENT_PARAMS["TransferReversalCreateParams"],
    ("V1Payouts", "Create"): CLIENT_PARAMS["PayoutCreateParams"],
    ("V1Topups", "Create"): CLIENT_PARAMS["TopupCreateParams"],
    ("V1Invoices", "Create"): CLIENT_PARAMS["InvoiceCreateParams"],
    ("V1Invoices", "Pay"): CLIENT_PARAMS["InvoicePayParams"],
    ("V1Invoices", "FinalizeInvoice"): CLIENT_PARAMS["InvoiceFinalizeInvoiceParams"],
    ("V1InvoiceItems", "Create"): CLIENT_PARAMS["InvoiceItemCreateParams"],
    ("V1CreditNotes", "Create"): CLIENT_PARAMS["CreditNoteCreateParams"],
    ("V1Subscriptions", "Create"): CLIENT_PARAMS["SubscriptionCreateParams"],
    ("V1CustomerBalanceTransactions", "Create"): CLIENT_PARAMS["CustomerBalanceTransactionCreateParams"],
    ("V1ApplicationFeeRefunds", "Create"): CLIENT_PARAMS["ApplicationFeeRefundCreateParams"],
    ("V1TreasuryOutboundPayments", "Create"): CLIENT_PARAMS["TreasuryOutboundPaymentCreateParams"],
    ("V1TreasuryOutboundTransfers", "Create"): CLIENT_PARAMS["TreasuryOutboundTransferCreateParams"],
}
PACKAGE_METHODS: dict[tuple[str, str], Movement] = {
    ("paymentintent", "New"): PACKAGE_PARAMS["PaymentIntentParams"],
    ("paymentintent", "Confirm"): CLIENT_PARAMS["PaymentIntentConfirmParams"],
    ("paymentintent", "Capture"): CLIENT_PARAMS["PaymentIntentCaptureParams"],
    ("refund", "New"): PACKAGE_PARAMS["RefundParams"],
    ("charge", "New"): PACKAGE_PARAMS["ChargeParams"],
    ("charge", "Capture"): CLIENT_PARAMS["ChargeCaptureParams"],
    ("transfer", "New"): PACKAGE_PARAMS["TransferParams"],
    ("reversal", "New"): PACKAGE_PARAMS["ReversalParams"],
    ("transferreversal", "New"): PACKAGE_PARAMS["TransferReversalParams"],
    ("payout", "New"): PACKAGE_PARAMS["PayoutParams"],
    ("topup", "New"): PACKAGE_PARAMS["TopupParams"],
    ("invoice", "New"): PACKAGE_PARAMS["InvoiceParams"],
    ("invoice", "Pay"): CLIENT_PARAMS["InvoicePayParams"],
    ("invoice", "FinalizeInvoice"): CLIENT_PARAMS["InvoiceFinalizeInvoiceParams"],
    ("invoiceitem", "New"): PACKAGE_PARAMS["InvoiceItemParams"],
    ("creditnote", "New"): PACKAGE_PARAMS["CreditNoteParams"],
    ("subscription", "New"): PACKAGE_PARAMS["SubscriptionParams"],
    ("sub", "New"): PACKAGE_PARAMS["SubscriptionParams"],
    ("customerbalancetransaction", "New"): PACKAGE_PARAMS["CustomerBalanceTransactionParams"],
    ("feerefund", "New"): PACKAGE_PARAMS["FeeRefundParams"],
}
# `client.API` fields -> package-API resource.
API_FIELDS = {
    "PaymentIntents": "paymentintent", "Refunds": "refund", "Charges": "charge", "Transfers": "transfer",
    "TransferReversals": "transferreversal", "Reversals": "reversal", "Payouts": "payout", "Topups": "topup",
    "Invoices": "invoice", "InvoiceItems": "invoiceitem", "CreditNotes": "creditnote",
    "Subscriptions": "subscription", "CustomerBalanceTransactions": "customerbalancetransaction",
    "FeeRefunds": "feerefund",
}
# Methods that never move money: a params value reaching one of them is not a creation.
NON_MOVING_METHODS = frozenset({"Update", "Get", "Retrieve", "List", "Del", "Delete", "Search", "Cancel", "Upcoming",
                                "CreatePreview", "MarkUncollectible", "VoidInvoice", "SendInvoice", "Expire"})


def stripe_names(ctx: FileContext) -> frozenset[str]:
    """The names the stripe-go root package goes by in this file (`stripe`, or its alias)."""
    return ctx.fact(_stripe_names)


def _stripe_names(ctx: FileContext) -> frozenset[str]:
    names = {name for name, path in imports(ctx).items() if _STRIPE_ROOT.match(path)}
    return frozenset(names or {"stripe"})


def resource_packages(ctx: FileContext) -> dict[str, str]:
    """Package-API imports: the name used in the file -> the resource (`refund`, `paymentintent`)."""
    return ctx.fact(_resource_packages)


def _resource_packages(ctx: FileContext) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, path in imports(ctx).items():
        match = _STRIPE_SUB.match(path)
        if match:
            found[name] = match.group("resource").rsplit("/", 1)[-1]
    return found


def params_type(ctx: FileContext, literal: Node) -> str | None:
    """`stripe.RefundCreateParams` for a composite literal of a stripe-go params type, else None."""
    type_node = literal.child_by_field_name("type")
    if type_node is None or type_node.type != "qualified_type":
        return None
    package = type_node.child_by_field_name("package")
    name = type_node.child_by_field_name("name")
    if package is None or name is None or node_text(package) not in stripe_names(ctx):
        return None
    return node_text(name)


@dataclass(frozen=True, slots=True)
class StripeCall:
    node: Node
    movement: Movement
    label: str  # how a message names the call: `sc.V1Refunds.Create`
    params: Node | None  # the params argument, when the call has one


def money_call(ctx: FileContext, call: Node) -> StripeCall | None:
    """A money-moving stripe-go call (client API, client.API or package API), or None."""
    parts = call_chain(call)
    if len(parts) < 2:
        return None
    service, method = parts[-2], parts[-1]
    movement = CLIENT_METHODS.get((service, method))
    if movement is None:
        resource = resource_packages(ctx).get(service) if len(parts) == 2 else API_FIELDS.get(service)
        if resource is None:
            return None
        movement = PACKAGE_METHODS.get((resource, method))
        if movement is None:
            return None
    args = arguments(call)
    params = args[-1] if args else None
    return StripeCall(call, movement, ".".join(parts), params)


def receives_params(call: Node, name: str) -> bool:
    """Whether `name` (or `&name`) is one of the call's arguments."""
    for arg in arguments(call):
        inner = unaddress(arg)
        if inner is not None and inner.type == "identifier" and node_text(inner) == name:
            return True
    return False


def literal_key(literal: Node) -> Node | None:
    """The `IdempotencyKey:` value inside a params literal's `Params: stripe.Params{...}`, if written there."""
    body = literal.child_by_field_name("body")
    if body is None:
        return None
    for element in body.named_children:
        if element.type != "keyed_element":
            continue
        key, value = _keyed(element)
        if key == "Params" and value is not None:
            inner = unaddress(value)
            if inner is not None and inner.type == "composite_literal":
                found = literal_key(inner)
                if found is not None:
                    return found
        if key == "IdempotencyKey" and value is not None:
            return value
    return None


def literal_fields(literal: Node) -> dict[str, Node]:
    """The keyed fields of a composite literal: name -> value expression."""
    body = literal.child_by_field_name("body")
    found: dict[str, Node] = {}
    if body is None:
        return found
    for element in body.named_children:
        if element.type == "keyed_element":
            key, value = _keyed(element)
            if key and value is not None:
                found[key] = value
    return found


def _keyed(element: Node) -> tuple[str, Node | None]:
    key = element.child_by_field_name("key")
    value = element.child_by_field_name("value")
    if key is None or value is None:
        children = [c for c in element.named_children if c.type != "comment"]
        if len(children) != 2:
            return "", None
        key, value = children
    inner_value = value.named_children[0] if value.type == "literal_element" and value.named_children else value
    return node_text(key).strip(), inner_value


def key_setter(ctx: FileContext, scope: Node, name: str, after: int = 0, before: int | None = None) -> Node | None:
    """Where `name`'s idempotency key is set inside `scope` (between the byte offsets `after` and `before`): `name.SetIdempotencyKey(k)` (the argument),
    `name.IdempotencyKey = k` / `name.Params.IdempotencyKey = k` (the value), or a helper handed `&name.Params`
    or named for keys (the call)."""
    def within(node: Node) -> bool:
        return node.start_byte >= after and (before is None or node.start_byte < before)

    for call in ctx.descendants(scope, "call_expression"):
        if not within(call):
            continue
        parts = call_chain(call)
        if len(parts) >= 2 and parts[0] == name and parts[-1] == "SetIdempotencyKey":
            args = arguments(call)
            return args[0] if args else call
        for arg in arguments(call):
            inner = unaddress(arg)
            if inner is None or root_name(inner) != name:
                continue
            chain = selector_chain(inner)
            if chain[-1:] == ("Params",) and len(chain) == 2:
                return call
            if inner.type == "identifier" and re.search(r"idempot|IdemKey|WithKey", node_text(call.child_by_field_name("function") or call), re.I):
                return call
    for statement in ctx.descendants(scope, "assignment_statement"):
        left = statement.child_by_field_name("left")
        right = statement.child_by_field_name("right")
        if left is None or right is None or not within(statement):
            continue
        for index, target in enumerate(left.named_children):
            chain = selector_chain(target) if target.type == "selector_expression" else ()
            if not chain or chain[0] != name or chain[-1] not in ("IdempotencyKey", "Params"):
                continue
            values = right.named_children
            value = values[index] if index < len(values) else right
            if chain[-1] == "IdempotencyKey":
                return value
            inner = unaddress(value)
            key = literal_key(inner) if inner is not None and inner.type == "composite_literal" else None
            if key is not None:
                return key
    return None
