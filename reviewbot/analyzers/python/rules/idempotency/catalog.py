"""The built-in catalogue of money-moving PSP calls, as data, and its compiled form."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from reviewbot.config import Config, IdempotencyConfig, PspCall
from reviewbot.core.findings import Severity

# Where each SDK takes its key: /work/shared/research/payment-rules.md §2 (read in the SDKs' source).
_STRIPE_LEGACY = {
    "PaymentIntent": ("create", "confirm", "capture", "increment_authorization"),
    "Charge": ("create", "capture"),
    "Refund": ("create",),
    "Transfer": ("create", "create_reversal"),
    "Payout": ("create",),
    "Invoice": ("pay",),
}
_STRIPE_SERVICES = {
    "payment_intents": ("create", "confirm", "capture", "increment_authorization"),
    "charges": ("create", "capture"),
    "refunds": ("create",),
    "transfers": ("create",),
    "transfers.reversals": ("create",),
    "payouts": ("create",),
    "invoices": ("pay",),
}
_ADYEN = (
    "payments_api.payments",
    "payments_api.payments_details",
    "payments_api.authorise",
    "modifications_api.capture_authorised_payment",
    "modifications_api.refund_captured_payment",
    "modifications_api.refund_or_cancel_payment",
    "modifications_api.update_authorised_amount",
    "modifications_api.capture",
    "modifications_api.refund",
    "modifications_api.cancel_or_refund",
    "instant_payouts_api.payout",
    "transfers_api.transfer_funds",
)
_CHECKOUT = (
    "request_payment",
    "capture_payment",
    "refund_payment",
    "reverse_payment",
    "request_payout",
    "increment_payment_authorization",
)
_PAYPAL = (
    "payments.capture_authorized_payment",
    "payments.reauthorize_payment",
    "payments.refund_captured_payment",
)
# An order is captured or authorised once, and creating one moves no money: a retry without a key gets
# ORDER_ALREADY_CAPTURED or an unused order, not a second charge (research §2, PayPal), so a warning.
_PAYPAL_ORDERS = ("orders.create_order", "orders.capture_order", "orders.authorize_order")
# The PayPal Checkout SDK (paypalcheckoutsdk) builds request objects and sends them with `client.execute(req)`;
# the key is the request's `PayPal-Request-Id` header (`req.headers[...]` or `req.pay_pal_request_id(...)`).
_PAYPAL_CHECKOUT = {
    "paypalcheckoutsdk.payments.CapturesRefundRequest": "error",
    "paypalcheckoutsdk.payments.AuthorizationsCaptureRequest": "error",
    "paypalcheckoutsdk.payments.AuthorizationsReauthorizeRequest": "error",
    "paypalcheckoutsdk.orders.OrdersCaptureRequest": "warning",
    "paypalcheckoutsdk.orders.OrdersAuthorizeRequest": "warning",
    "paypalcheckoutsdk.orders.OrdersCreateRequest": "warning",
}
_BRAINTREE = ("sale", "submit_for_settlement", "refund")
_GENERIC_HEADERS = "header,header:Cko-Idempotency-Key,header:PayPal-Request-Id"


def _stripe() -> tuple[PspCall, ...]:
    legacy = tuple(
        PspCall(f"stripe.{cls}.{name}{suffix}", "kwarg:idempotency_key", "error", "stripe")
        for cls, names in _STRIPE_LEGACY.items()
        for name in names
        for suffix in ("", "_async")
    )
    client = tuple(
        PspCall(f"*.{service}.{name}{suffix}", "options:idempotency_key", "error", "stripe", "stripe")
        for service, names in _STRIPE_SERVICES.items()
        for name in names
        for suffix in ("", "_async")
    )
    return legacy + client


BUILTIN_PSP_CALLS: tuple[PspCall, ...] = (
    *_stripe(),
    *(PspCall(f"*.{call}", "kwarg:idempotency_key", "error", "adyen", "adyen") for call in _ADYEN),
    PspCall("*.payments.create", "kwarg:idempotency_key@1", "error", "mollie", "mollie"),
    PspCall("*.refunds.create", "kwarg:idempotency_key@1", "error", "mollie", "mollie"),
    PspCall("*.captures.create", "kwarg:idempotency_key@1", "error", "mollie", "mollie"),
    *(
        PspCall(f"*.{call}", "kwarg:idempotency_key", "error", "checkout.com", "checkout")
        for call in _CHECKOUT
    ),
    *(PspCall(f"*.{call}", "option-dict:paypal_request_id", "error", "paypal", "paypal") for call in _PAYPAL),
    *(
        PspCall(f"*.{call}", "option-dict:paypal_request_id", "warning", "paypal", "paypal")
        for call in _PAYPAL_ORDERS
    ),
    *(PspCall(call, "header:PayPal-Request-Id", level, "paypal") for call, level in _PAYPAL_CHECKOUT.items()),
    # Braintree's api_request_key semantics are not documented as idempotency: a warning (research §2).
    *(
        PspCall(f"braintree.Transaction.{name}", "param:api_request_key", "warning", "braintree")
        for name in _BRAINTREE
    ),
    *(
        PspCall(f"*.transaction.{name}", "param:api_request_key", "warning", "braintree", "braintree")
        for name in _BRAINTREE
    ),
    # Over HTTP. Hyperswitch dedupes on merchant-chosen body ids, not a header (research fact 3).
    PspCall(
        "http:/payments", f"{_GENERIC_HEADERS},body:payment_id|merchant_reference_id", "error", "hyperswitch"
    ),
    PspCall("http:/refunds", f"{_GENERIC_HEADERS},body:refund_id", "error", "hyperswitch"),
    PspCall("http:/payouts", f"{_GENERIC_HEADERS},body:payout_id", "error", "hyperswitch"),
    PspCall("http:/captures", _GENERIC_HEADERS, "error", "psp"),
    PspCall("http:/payments/*/capture", _GENERIC_HEADERS, "error", "hyperswitch"),
    PspCall("http:/payments/*/confirm", _GENERIC_HEADERS, "error", "hyperswitch"),
    PspCall("http:/v1/payment_intents", "header", "error", "stripe"),
    PspCall("http:/v1/payment_intents/*/capture", "header", "error", "stripe"),
    PspCall("http:/v1/payment_intents/*/confirm", "header", "error", "stripe"),
    PspCall("http:/v1/charges", "header", "error", "stripe"),
    PspCall("http:/v1/charges/*/capture", "header", "error", "stripe"),
    PspCall("http:/v1/transfers", "header", "error", "stripe"),
)


@dataclass(frozen=True, slots=True)
class KeyPlace:
    """One place a key may sit: kind is kwarg, options, option-dict, param, header or body."""

    kind: str
    names: tuple[str, ...]
    position: int | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """A catalogue row, compiled."""

    spec: PspCall
    places: tuple[KeyPlace, ...]
    severity: Severity
    segments: tuple[str, ...]  # dotted suffix ("v1", "refunds", "create") or URL path segments


@dataclass(frozen=True, slots=True)
class Catalog:
    exact: dict[str, tuple[Entry, ...]]
    suffix: dict[str, tuple[Entry, ...]]  # by last attribute
    http: tuple[Entry, ...]
    headers: tuple[str, ...]  # the configured idempotency headers, lower-case
    key_headers: frozenset[str] = frozenset()  # those and every header a catalogue row names, lower-case


def parse_places(key: str) -> tuple[KeyPlace, ...]:
    """`"header,body:payment_id|refund_id"` -> the places, in order (syntax checked by PspCall)."""
    places: list[KeyPlace] = []
    for raw in key.split(","):
        kind, _, rest = raw.strip().partition(":")
        position: int | None = None
        if "@" in rest:
            rest, _, index = rest.partition("@")
            position = int(index)
        places.append(KeyPlace(kind, tuple(n for n in rest.split("|") if n), position))
    return tuple(places)


def _compile(spec: PspCall) -> Entry:
    severity = Severity.WARNING if spec.severity == "warning" else Severity.ERROR
    if spec.call.startswith("http:"):
        segments = tuple(s for s in spec.call[5:].strip("/").split("/") if s)
    elif spec.call.startswith("*."):
        segments = tuple(spec.call[2:].split("."))
    else:
        segments = tuple(spec.call.split("."))
    return Entry(spec, parse_places(spec.key), severity, segments)


@lru_cache(maxsize=8)
def catalog_for(config: IdempotencyConfig) -> Catalog:
    """The compiled catalogue: `psp-calls` (or the built-in one when empty) plus `extend-psp-calls`."""
    specs = (*(config.psp_calls or BUILTIN_PSP_CALLS), *config.extend_psp_calls)
    exact: dict[str, list[Entry]] = {}
    suffix: dict[str, list[Entry]] = {}
    http: list[Entry] = []
    for spec in specs:
        entry = _compile(spec)
        if spec.call.startswith("http:"):
            http.append(entry)
        elif spec.call.startswith("*."):
            suffix.setdefault(entry.segments[-1], []).append(entry)
        else:
            exact.setdefault(spec.call, []).append(entry)
    headers = tuple(h.lower() for h in config.idempotency_headers)
    named = {
        name.lower()
        for entries in (*exact.values(), *suffix.values(), http)
        for entry in entries
        for place in entry.places
        if place.kind == "header"
        for name in place.names
    }
    return Catalog(
        exact={k: tuple(v) for k, v in exact.items()},
        suffix={k: tuple(v) for k, v in suffix.items()},
        http=tuple(http),
        headers=headers,
        key_headers=frozenset(headers) | named,
    )


# A file can hold a catalogued call only if it mentions a provider or a money path; `psp_triggers`
# adds the names of calls configured with `psp-calls` / `extend-psp-calls`.
PSP_TRIGGERS: tuple[str, ...] = (
    "stripe",
    "Stripe",
    "adyen",
    "Adyen",
    "mollie",
    "Mollie",
    "checkout_sdk",
    "paypal",
    "braintree",
    "payments",
    "refunds",
    "payouts",
    "capture",
    "confirm",
    "charges",
    "transfers",
    "payment_intents",
    "Request-Id",
)


def psp_triggers(config: Config) -> tuple[str, ...]:
    """PSP_TRIGGERS plus the last name and module of every configured call."""
    extra: list[str] = list(config.idempotency.idempotency_headers)
    for call in (*config.idempotency.psp_calls, *config.idempotency.extend_psp_calls):
        last = call.call.replace("/", ".").rstrip(".*").rsplit(".", 1)[-1]
        extra.extend(word for word in (last, call.module) if word and word not in PSP_TRIGGERS)
    return PSP_TRIGGERS + tuple(dict.fromkeys(extra))
