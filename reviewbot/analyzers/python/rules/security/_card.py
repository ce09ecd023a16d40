"""Which names and expressions carry card data (PAN, CVV, track data, whole card objects) for RB701."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.names import call_chain, literal_value
from reviewbot.config import split_words

# Safe to log under PCI DSS 3.4: truncated or tokenised forms, and card metadata.
_SAFE_WORDS = frozenset(
    {
        "last", "last4", "four", "brand", "fingerprint", "token", "tokens", "tokenized", "id", "ids",
        "type", "country", "funding", "bin", "iin", "exp", "expiry", "expiration", "month", "year",
        "masked", "mask", "redacted", "hash", "hashed", "network", "wallet", "count", "len", "length",
        "valid", "is", "has", "issuer", "label", "present", "status", "reference", "ref", "holder",
        "name", "kind", "scheme", "category", "product", "level", "checks", "check", "url",
    }
)
# Extra words that leave a name meaning "the whole card": card_details, raw_card, card_payload.
_CARD_OBJECT_WORDS = frozenset(
    {"card", "cards", "details", "data", "info", "raw", "full", "input", "payload", "dict", "obj",
     "object", "params", "json", "payment", "credit", "debit", "body", "request", "new", "plain"}
)
_CVV_WORDS = frozenset({"cvv", "cvc", "cvv2", "cvc2", "cav2", "cid2", "csc"})
_SANITISING_CALL_WORDS = frozenset({"mask", "masked", "redact", "redacted", "last4", "hash", "sha256", "hmac",
                                     "tokenize", "fingerprint", "len", "truncate", "truncated", "bool", "type"})
# A slice this short of a PAN is its BIN or last four, which PCI DSS allows to be shown.
MAX_SAFE_SLICE = 6


def card_kind(name: str) -> str | None:
    """"PAN", "CVV", "track data" or "card" when `name` holds card data; None otherwise."""
    parts = split_words(name)
    if not parts or any(w in _SAFE_WORDS for w in parts):
        return None
    joined = "".join(parts)
    if "pan" in parts or joined in ("cardnumber", "ccnumber", "ccnum", "cardnum", "primaryaccountnumber"):
        return "PAN"
    if any(w in ("card", "cc", "credit") for w in parts) and any(w in ("number", "num", "no") for w in parts):
        return "PAN"
    if any(w in _CVV_WORDS for w in parts) or ("security" in parts and "code" in parts):
        return "CVV"
    if "cvv" in joined or "cvc" in joined:
        return "CVV"
    if joined in ("track1", "track2", "trackdata", "magstripe", "magneticstripe") or (
        "track" in parts and any(w in ("1", "2", "data") for w in parts)
    ):
        return "track data"
    if "card" in parts and all(w in _CARD_OBJECT_WORDS for w in parts):
        return "card"
    return None


def find_card_data(node: cst.BaseExpression) -> str | None:
    """The first card-data expression inside `node`, rendered as a short label, else None."""
    if isinstance(node, cst.Name):
        return node.value if card_kind(node.value) else None
    if isinstance(node, cst.Attribute):
        if card_kind(node.attr.value):
            return _label(node)
        if _is_safe_name(node.attr.value):
            return None
        return _label(node) if find_card_data(node.value) else None
    if isinstance(node, cst.Subscript):
        return _subscript(node)
    if isinstance(node, cst.Call):
        return _call(node)
    if isinstance(node, cst.FormattedString):
        for part in node.parts:
            if isinstance(part, cst.FormattedStringExpression):
                found = find_card_data(part.expression)
                if found:
                    return found
        return None
    if isinstance(node, (cst.Dict, cst.Set, cst.List, cst.Tuple)):
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                key = _literal(element.key)
                if key is not None and card_kind(key):
                    return key
                if key is not None and _is_safe_name(key):
                    continue
            found = find_card_data(element.value)
            if found:
                return found
        return None
    if isinstance(node, cst.BinaryOperation):
        return find_card_data(node.left) or find_card_data(node.right)
    if isinstance(node, cst.ConcatenatedString):
        return find_card_data(node.left) or find_card_data(node.right)
    if isinstance(node, (cst.Await, cst.UnaryOperation)):
        return find_card_data(node.expression)
    return None


def _is_safe_name(name: str) -> bool:
    return any(w in _SAFE_WORDS for w in split_words(name))


def _literal(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = literal_value(node)
        return value if isinstance(value, str) else None
    return None


def _label(node: cst.BaseExpression) -> str:
    return call_chain(node) or "card data"


def _subscript(node: cst.Subscript) -> str | None:
    if len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Slice):
            return None if _is_short_slice(index) else find_card_data(node.value)
        if isinstance(index, cst.Index):
            key = _literal(index.value)
            if key is not None:
                if card_kind(key):
                    return f'{_label(node.value)}["{key}"]'
                if _is_safe_name(key):
                    return None
    return find_card_data(node.value)


def _integer(node: cst.Integer) -> int:
    """`0x10`, `1_000`; a literal past CPython's digit limit counts as too large to be a short slice."""
    try:
        return int(node.value, 0)
    except ValueError:
        return MAX_SAFE_SLICE + 1


def _is_short_slice(index: cst.Slice) -> bool:
    bounds = [b for b in (index.lower, index.upper) if b is not None]
    for bound in bounds:
        value = bound.expression if isinstance(bound, cst.UnaryOperation) else bound
        if not isinstance(value, cst.Integer) or _integer(value) > MAX_SAFE_SLICE:
            return False
    return bool(bounds)


def _call(node: cst.Call) -> str | None:
    func = node.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    if any(w in _SANITISING_CALL_WORDS for w in split_words(name)):
        return None
    if isinstance(func, cst.Attribute) and name == "get" and node.args:
        key = _literal(node.args[0].value)
        if key is not None:
            if card_kind(key):
                return f'{_label(func.value)}["{key}"]'
            if _is_safe_name(key):
                return None
    if isinstance(func, cst.Attribute):
        found = find_card_data(func.value)
        if found:
            return found
    for arg in node.args:
        if keyword_carries_card(arg):
            return arg.keyword.value if arg.keyword is not None else None
        found = find_card_data(arg.value)
        if found:
            return found
    return None


def keyword_carries_card(arg: cst.Arg) -> bool:
    """`card=card_payload` does; `card=gift_card.secret` does not: a plain name or attribute as the
    value speaks for itself, the keyword only for values it cannot see into (calls, literals)."""
    if arg.keyword is None or not card_kind(arg.keyword.value):
        return False
    if isinstance(arg.value, (cst.Name, cst.Attribute)):
        return find_card_data(arg.value) is not None
    return True
