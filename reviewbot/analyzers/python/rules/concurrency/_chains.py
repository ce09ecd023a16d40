"""Reading ORM reads, row locks, status names and PSP calls off call chains (RB5xx only)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import libcst as cst

from reviewbot.analyzers.python.names import dotted_name, iter_descendants, literal_value
from reviewbot.config import split_words

# Entities whose status is a payment state machine; the words of a table, model or variable name.
PAYMENT_WORDS = frozenset(
    {
        "payment", "payments", "charge", "charges", "refund", "refunds", "payout", "payouts",
        "transfer", "transfers", "order", "orders", "invoice", "invoices", "intent", "intents",
        "transaction", "transactions", "txn", "txns", "capture", "captures", "authorization",
        "authorizations", "auth", "dispute", "disputes", "settlement", "settlements",
        "subscription", "subscriptions", "withdrawal", "withdrawals", "deposit", "deposits",
        "chargeback", "chargebacks", "checkout", "checkouts", "ledger", "entry", "entries",
    }
)
STATUS_WORDS = frozenset({"status", "state"})
# `billing_state`, `shipping_state`: an address, not a state machine.
_NOT_STATUS_WORDS = frozenset({"billing", "shipping", "address", "province", "region", "code"})
LOCKING_CALLS = frozenset({"select_for_update", "with_for_update", "with_lockmode"})
_READ_METHODS = frozenset(
    {
        "get", "aget", "first", "afirst", "last", "alast", "latest", "alatest", "earliest",
        "one", "one_or_none", "scalar", "scalar_one", "scalar_one_or_none", "fetchone",
    }
)
# Money-moving methods for check-then-act (RB503): the brief's list plus two common synonyms.
MONEY_METHODS = frozenset({"capture", "refund", "charge", "payout", "transfer", "create", "sale", "void"})
_PSP_RECEIVER_WORDS = frozenset(
    {
        "psp", "stripe", "gateway", "client", "adyen", "braintree", "mollie", "checkout", "paypal",
        "processor", "provider", "acquirer", "hyperswitch", "payments", "api",
    }
)


class ReadKind(StrEnum):
    DJANGO = "django"  # persisted by obj.save()
    SQLALCHEMY = "sqlalchemy"  # persisted by the session's flush/commit, no save() needed
    OTHER = "other"  # a helper's return value: locking unknown


@dataclass(frozen=True, slots=True)
class Segment:
    """One link of a chain: its name and, when it was called, the call."""

    name: str
    call: cst.Call | None


def unwrap(node: cst.BaseExpression) -> cst.BaseExpression:
    while isinstance(node, cst.Await):
        node = node.expression
    return node


def segments(node: cst.BaseExpression) -> list[Segment]:
    """`Account.objects.select_for_update().get(pk=1)` -> Account, objects, select_for_update(), get()."""
    out: list[Segment] = []
    pending: cst.Call | None = None
    current: cst.BaseExpression = node
    while True:
        current = unwrap(current)
        if isinstance(current, cst.Call):
            pending = current
            current = current.func
        elif isinstance(current, cst.Attribute):
            out.append(Segment(current.attr.value, pending))
            pending = None
            current = current.value
        elif isinstance(current, cst.Subscript):
            pending = None
            current = current.value
        elif isinstance(current, cst.Name):
            out.append(Segment(current.value, pending))
            break
        else:
            break
    out.reverse()
    return out


def words(name: str) -> tuple[str, ...]:
    return split_words(name)


def is_payment_name(name: str) -> bool:
    return any(w in PAYMENT_WORDS for w in words(name))


def is_status_name(name: str) -> bool:
    parts = words(name)
    return bool(parts) and parts[-1] in STATUS_WORDS and not any(w in _NOT_STATUS_WORDS for w in parts)


# Qualifiers that keep a status column the money's own state machine (`payment_status`, `financial_status`).
_MONEY_STATE_WORDS = frozenset({"financial", "paid", "pay", "funds", "funding", "processing", "psp", "gateway"})
# `invoice_from_state`, `invoice_to_state`: the state or province of a sender's or recipient's address.
_ADDRESS_WORDS = frozenset({"from", "to", "city", "country", "zip", "zipcode", "street", "postal"})


def is_payment_status(name: str) -> bool:
    """A status column of the money itself: `status`, `state`, or qualified by money words (`refund_state`),
    not `transmission_status` (another process of the row) nor `invoice_from_state` (an address)."""
    parts = words(name)
    if not parts or parts[-1] not in STATUS_WORDS:
        return False
    qualifiers = parts[:-1]
    if any(w in _NOT_STATUS_WORDS or w in _ADDRESS_WORDS for w in qualifiers):
        return False
    return all(w in PAYMENT_WORDS or w in _MONEY_STATE_WORDS for w in qualifiers)


def has_lock_call(chain: list[Segment]) -> bool:
    return any(seg.name in LOCKING_CALLS for seg in chain)


def _is_truthy_kwarg(call: cst.Call, name: str) -> bool:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            value = arg.value
            return not (isinstance(value, cst.Name) and value.value in ("False", "None"))
    return False


@dataclass(frozen=True, slots=True)
class Read:
    """A row read into a variable, and whether that read locked it."""

    kind: ReadKind
    locked: bool
    model: str


def classify_read(value: cst.BaseExpression, locked_statements: set[str], all_statements: set[str]) -> Read | None:
    """The ORM read behind `x = <value>`, or None when `value` does not read a row."""
    chain = segments(value)
    if not chain:
        return None
    last = chain[-1]
    call = last.call
    if call is None:
        return None
    names = [seg.name for seg in chain]
    if names[-1] == "get_object_or_404" or names[-1] == "aget_object_or_404":
        first = call.args[0].value if call.args else None
        inner = segments(first) if first is not None else []
        return Read(ReadKind.DJANGO, has_lock_call(inner), inner[0].name if inner else "")
    if last.name not in _READ_METHODS:
        return None
    if "objects" in names:
        return Read(ReadKind.DJANGO, has_lock_call(chain), names[names.index("objects") - 1]
                    if names.index("objects") > 0 else "")
    if "query" in names:
        query = chain[names.index("query")].call
        model = _first_arg_name(query)
        return Read(ReadKind.SQLALCHEMY, has_lock_call(chain), model)
    for seg in chain:
        if seg.name in ("execute", "scalars", "scalar") and seg.call is not None and seg.call.args:
            stmt = unwrap(seg.call.args[0].value)
            if isinstance(stmt, cst.Name) and stmt.value in all_statements:
                return Read(ReadKind.SQLALCHEMY, stmt.value in locked_statements, "")
            inner = segments(stmt)
            if any(s.name == "select" for s in inner[:2]):
                return Read(ReadKind.SQLALCHEMY, has_lock_call(inner), _first_arg_name(_select_call(inner)))
            return None
    if last.name == "get" and len(names) >= 2 and call.args:
        model = _first_arg_name(call)
        if model[:1].isupper() and any(w in ("session", "db", "sess") for w in words(names[-2])):
            return Read(ReadKind.SQLALCHEMY, _is_truthy_kwarg(call, "with_for_update"), model)
    return None


def classify_helper_read(value: cst.BaseExpression) -> Read | None:
    """`payment = load_payment(pid)`: a row from a helper; None when it names a lock or a PSP."""
    chain = segments(value)
    if not chain or chain[-1].call is None:
        return None
    joined = [w for seg in chain for w in words(seg.name)]
    if any(w in ("lock", "locked", "for", "retrieve") or w in _PSP_RECEIVER_WORDS for w in joined):
        return None
    return Read(ReadKind.OTHER, False, "")


def is_select_statement(value: cst.BaseExpression) -> tuple[bool, bool]:
    """(is a SQLAlchemy select(...) chain, locks with with_for_update)."""
    chain = segments(value)
    if chain and chain[0].name in ("select", "sa", "sqlalchemy") and any(s.name == "select" for s in chain[:2]):
        return True, has_lock_call(chain)
    return False, False


def _select_call(chain: list[Segment]) -> cst.Call | None:
    for seg in chain:
        if seg.name == "select":
            return seg.call
    return None


def _first_arg_name(call: cst.Call | None) -> str:
    if call is None or not call.args:
        return ""
    name = dotted_name(call.args[0].value)
    return name.rsplit(".", 1)[-1] if name else ""


def is_money_call(call: cst.Call) -> str | None:
    """The dotted name of a money-moving PSP call (`stripe.PaymentIntent.capture`), else None."""
    chain = segments(call)
    if len(chain) < 2 or chain[-1].call is not call or chain[-1].name not in MONEY_METHODS:
        return None
    receiver = [w for seg in chain[:-1] for w in words(seg.name)]
    if not any(w in _PSP_RECEIVER_WORDS for w in receiver):
        return None
    if "objects" in (seg.name for seg in chain):  # Django manager .create(): an insert, not a PSP call
        return None
    return ".".join(seg.name for seg in chain)


def attribute_refs(node: cst.CSTNode) -> set[tuple[str, str]]:
    """Every `name.attr` read inside `node` (node itself included)."""
    refs: set[tuple[str, str]] = set()
    nodes = [node, *iter_descendants(node)]
    for sub in nodes:
        if isinstance(sub, cst.Attribute) and isinstance(sub.value, cst.Name):
            refs.add((sub.value.value, sub.attr.value))
    return refs


def name_refs(node: cst.CSTNode) -> set[str]:
    """Every bare name read inside `node` (node itself included)."""
    return {sub.value for sub in (node, *iter_descendants(node)) if isinstance(sub, cst.Name)}


def mentions_status(node: cst.CSTNode) -> bool:
    """Whether a filter/where clause names a status column (kwarg, attribute, string or Q())."""
    for sub in (node, *iter_descendants(node)):
        if isinstance(sub, cst.Name) and is_status_name(sub.value.split("__")[0]):
            return True
        if isinstance(sub, cst.Attribute) and is_status_name(sub.attr.value):
            return True
        if isinstance(sub, cst.Arg) and sub.keyword is not None and is_status_name(sub.keyword.value.split("__")[0]):
            return True
        if isinstance(sub, cst.SimpleString):
            value = literal_value(sub)
            if isinstance(value, str) and is_status_name(value.split("__")[0]):
                return True
    return False


def mentions_any(node: cst.CSTNode, names: set[str]) -> bool:
    """Whether a filter/where clause names one of `names` (kwargs, attributes, strings)."""
    for sub in (node, *iter_descendants(node)):
        if isinstance(sub, cst.Attribute) and sub.attr.value in names:
            return True
        if isinstance(sub, cst.Arg) and sub.keyword is not None and sub.keyword.value.split("__")[0] in names:
            return True
        if isinstance(sub, cst.SimpleString):
            value = literal_value(sub)
            if isinstance(value, str) and value.split("__")[0] in names:
                return True
    return False
