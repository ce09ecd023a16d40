"""RB714 card-data-in-log-call: a card number or CVC reaches a pino, console or logger call."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.analyzers.typescript.rule import TypeScriptRule, bad, good
from reviewbot.analyzers.typescript.syntax import arguments, call_chain, property_key
from reviewbot.config import split_words
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

_LOG_METHODS = frozenset({"log", "info", "warn", "error", "debug", "trace", "fatal"})
_LOGGERS = re.compile(r"^(console|logger|log|pino|winston|this\.logger|this\.log|req\.log|c\.var\.logger|fastify\.log)$", re.I)
# Safe to log under PCI DSS 3.4: truncated or tokenised forms, and card metadata.
_SAFE = frozenset(
    {"last4", "last", "four", "brand", "fingerprint", "token", "id", "type", "country", "funding", "bin", "exp",
     "expiry", "month", "year", "masked", "mask", "redacted", "hash", "network", "wallet", "length", "status",
     "holder", "name", "issuer", "checks", "present", "valid", "is", "has"}
)
_CVC = frozenset({"cvc", "cvv", "cvv2", "cvc2", "csc"})


def card_field(name: str) -> str | None:
    """"PAN" or "CVC" when a name carries it (`cardNumber`, `card_number`, `pan`, `cvc`); None otherwise."""
    words = split_words(name)
    if not words or any(w in _SAFE for w in words):
        return None
    joined = "".join(words)
    if "pan" in words or joined in ("cardnumber", "ccnumber", "ccnum", "primaryaccountnumber"):
        return "PAN"
    if any(w in _CVC for w in words) or joined in ("securitycode", "cardsecuritycode", "cardcode"):
        return "CVC"
    return None


class CardDataInLogCall(TypeScriptRule):
    code = "RB714"
    name = "card-data-in-log-call"
    family = Family.SECURITY
    severity = Severity.ERROR
    summary = "A card number (PAN) or CVC reaches a console, pino or logger call."
    rationale = (
        "PCI DSS forbids storing the CVC at all and the full card number unprotected; logs are shipped, "
        "indexed and kept for months. One logged PAN puts the whole logging pipeline in PCI scope, and a leaked "
        "log file becomes a card dump."
    )
    help = (
        "Log a token, the last four digits or the card fingerprint instead; configure pino's `redact` "
        "(`redact: [\"*.card.number\", \"*.cvc\"]`) as a safety net."
    )
    references = (
        "https://www.pcisecuritystandards.org/document_library/",
        "https://getpino.io/#/docs/redaction",
    )
    triggers = ("card", "Card", "cvc", "cvv", "CVC", "CVV", "PAN", "primaryAccount")
    call_names = _LOG_METHODS
    evidence = (
        Evidence(Confidence.HIGH, "a field named as a card number or CVC, or `card.number`, is an argument"),
    )
    examples = (
        bad(
            """\
            logger.info({ cardNumber: body.cardNumber, amountMinor }, "charging card");
            """,
            line=1,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            console.error("card declined", payment.card.number, payment.card.cvc);
            """,
            line=1,
            confidence=Confidence.HIGH,
        ),
        good(
            """\
            logger.info({ last4: card.last4, brand: card.brand, fingerprint: card.fingerprint }, "charging card");
            console.log("cards processed", cards.length);
            """
        ),
    )

    def visit_call_expression(self, node: Node) -> None:
        parts = call_chain(node)
        if len(parts) < 2 or parts[-1] not in _LOG_METHODS or not _LOGGERS.match(".".join(parts[:-1])):
            return
        for arg in arguments(node):
            found = self._card_data(arg)
            if found is not None:
                kind, text = found
                self.report(arg, f"{kind} `{text}` is logged by `{'.'.join(parts)}`")
                return

    def _card_data(self, arg: Node) -> tuple[str, str] | None:
        for node in self.ctx.descendants(arg, "member_expression", "identifier", "shorthand_property_identifier", "pair"):
            if node.type == "pair":
                key = property_key(node) or ""
                kind = card_field(key)
                if kind is not None:
                    return kind, key
                continue
            if node.type == "member_expression":
                prop = node.child_by_field_name("property")
                obj = node.child_by_field_name("object")
                name = node_text(prop) if prop is not None else ""
                if name == "number" and obj is not None and re.search(r"card$", node_text(obj), re.IGNORECASE):
                    return "PAN", node_text(node)
                kind = card_field(name)
                if kind is not None:
                    return kind, node_text(node)
                continue
            parent = node.parent
            if node.type == "identifier" and parent is not None and parent.type == "member_expression":
                continue  # judged as part of the member expression
            kind = card_field(node_text(node))
            if kind is not None:
                return kind, node_text(node)
        return None
