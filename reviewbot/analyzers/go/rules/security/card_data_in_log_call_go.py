"""RB724 card-data-in-log-call-go: a card number or CVC reaches a zerolog, zap, slog or log call."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.go.syntax import arguments, call_chain, method_chain, string_value
from reviewbot.analyzers.treesitter.nodes import ancestors, node_text
from reviewbot.config import split_words
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

# Log calls: the standard log, slog, zap (sugared too), logrus; zerolog's field methods on an event.
_LOG_METHODS = frozenset({
    "Print", "Printf", "Println", "Fatal", "Fatalf", "Panic", "Panicf", "Info", "Infof", "Infow", "Error", "Errorf",
    "Errorw", "Warn", "Warnf", "Warnw", "Debug", "Debugf", "Debugw", "InfoContext", "ErrorContext", "WarnContext",
    "DebugContext", "Log", "LogAttrs", "WithField", "WithFields",
})
_ZEROLOG_FIELDS = frozenset({"Str", "Strs", "Interface", "Any", "Stringer", "Bytes", "RawJSON", "Dict", "Fields", "EmbedObject"})
_FIELD_CONSTRUCTORS = re.compile(r"^(zap\.(String|Any|Reflect|Stringer|ByteString|Object)|slog\.(String|Any|Group)|logrus\.Fields)$")
_LOGGER = re.compile(r"log|logger|Log|Logger|zap|zerolog|slog|logrus|sugar|lg|l$", re.I)
# Safe to log under PCI DSS 3.4: truncated or tokenised forms, and card metadata.
_SAFE = frozenset({
    "last4", "last", "four", "brand", "fingerprint", "token", "id", "type", "country", "funding", "bin", "exp",
    "expiry", "month", "year", "masked", "mask", "redacted", "hash", "network", "wallet", "length", "status",
    "holder", "name", "issuer", "checks", "present", "valid", "is", "has", "count", "len",
})
_CVC = frozenset({"cvc", "cvv", "cvv2", "cvc2", "csc"})
# A cheap first look at an argument's text before its names are split into words.
_CARDISH = re.compile(r"card|cvc|cvv|csc|pan|primary|security_?code", re.I)


def card_field(name: str) -> str | None:
    """"PAN" or "CVC" when a name carries it (`CardNumber`, `card_number`, `pan`, `cvc`); None otherwise."""
    words = split_words(name)
    if not words or any(w in _SAFE for w in words):
        return None
    joined = "".join(words)
    if "pan" in words or joined in ("cardnumber", "ccnumber", "ccnum", "primaryaccountnumber", "cardno"):
        return "PAN"
    if any(w in _CVC for w in words) or joined in ("securitycode", "cardsecuritycode", "cardcode"):
        return "CVC"
    return None


class CardDataInLogCallGo(GoRule):
    code = "RB724"
    name = "card-data-in-log-call-go"
    family = Family.SECURITY
    severity = Severity.ERROR
    summary = "A card number (PAN) or CVC reaches a Go log call (log, slog, zap, zerolog, logrus)."
    rationale = (
        "PCI DSS forbids storing the CVC at all and the full card number unprotected; logs are shipped, indexed "
        "and kept for months. One logged PAN puts the whole logging pipeline in PCI scope, and a leaked log file "
        "becomes a card dump."
    )
    help = "Log a token, the last four digits or the card's fingerprint instead (`zap.String(\"card_last4\", card.Last4)`)."
    references = ("https://www.pcisecuritystandards.org/document_library/",)
    triggers = ("card", "Card", "CARD", "cvc", "cvv", "CVC", "CVV", "Cvc", "Cvv", "PAN", "Pan")
    call_names = _LOG_METHODS | _ZEROLOG_FIELDS
    runs_on_tests = True
    evidence = (
        Evidence(Confidence.HIGH, "a field named as a card number or CVC, or `card.Number`, is logged"),
    )
    examples = (
        bad(
            """\
            package payments

            func (s *Service) charge(ctx context.Context, req ChargeRequest) {
                s.log.Info().Str("card_number", req.CardNumber).Int64("amount_minor", req.AmountMinor).Msg("charging card")
            }
            """,
            line=4,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            package payments

            func declined(logger *zap.Logger, card Card) {
                logger.Warn("card declined", zap.String("pan", card.Number), zap.String("cvc", card.CVC))
            }
            """,
            line=4,
            confidence=Confidence.HIGH,
        ),
        good(
            """\
            package payments

            func (s *Service) charge(ctx context.Context, req ChargeRequest) {
                s.log.Info().Str("card_last4", req.Card.Last4).Str("card_brand", req.Card.Brand).Msg("charging card")
                slog.Info("cards processed", "count", len(req.Cards))
            }
            """
        ),
    )

    def visit_call_expression(self, node: Node) -> None:
        parts = call_chain(node)
        if not parts:
            return
        method = parts[-1]
        if method in _ZEROLOG_FIELDS and self._zerolog_event(node):
            args = arguments(node)
            key = string_value(args[0]) if args else None
            if key is not None and card_field(key) is not None and len(args) > 1:
                self._report(node, card_field(key) or "PAN", key)
                return
            for arg in args[1:]:
                found = self._card_data(arg)
                if found is not None:
                    self._report(node, *found)
                    return
            return
        if method not in _LOG_METHODS or not _LOGGER.search(".".join(parts[:-1]) or parts[0]):
            return
        args = arguments(node)
        for index, arg in enumerate(args):
            key = string_value(arg)
            if key is not None:
                if index + 1 < len(args) and card_field(key) is not None and index > 0:
                    self._report(node, card_field(key) or "PAN", key)
                    return
                continue
            found = self._card_data(arg)
            if found is not None:
                self._report(node, *found)
                return

    def _zerolog_event(self, call: Node) -> bool:
        """A field method on a zerolog event chain (`log.Info().Str(...)`)."""
        chain = method_chain(call)
        return any(p in ("Info", "Error", "Warn", "Debug", "Trace", "Fatal", "Panic", "Err", "Log", "With") for p in chain[:-1])

    def _card_data(self, arg: Node) -> tuple[str, str] | None:
        if not _CARDISH.search(node_text(arg)):
            return None
        for node in self.ctx.descendants(arg, "selector_expression", "identifier", "interpreted_string_literal"):
            if node.type == "interpreted_string_literal":
                key = string_value(node) or ""
                parent = node.parent
                call = parent.parent if parent is not None else None
                if call is not None and call.type == "call_expression" and _FIELD_CONSTRUCTORS.match(".".join(call_chain(call))):
                    kind = card_field(key)
                    if kind is not None:
                        return kind, key
                continue
            if node.type == "selector_expression":
                field = node.child_by_field_name("field")
                operand = node.child_by_field_name("operand")
                name = node_text(field) if field is not None else ""
                if name == "Number" and operand is not None and re.search(r"card$", node_text(operand), re.I):
                    return "PAN", node_text(node)
                kind = card_field(name)
                if kind is not None:
                    return kind, node_text(node)
                continue
            parent = node.parent
            if parent is not None and parent.type == "selector_expression":
                continue
            if any(a.type == "call_expression" and a.id != arg.id and ".".join(call_chain(a)) in ("len",) for a in ancestors(node)):
                continue
            kind = card_field(node_text(node))
            if kind is not None:
                return kind, node_text(node)
        return None

    def _report(self, node: Node, kind: str, text: str) -> None:
        self.report(node, f"{kind} `{text}` is logged")
