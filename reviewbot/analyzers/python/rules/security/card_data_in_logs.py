"""RB701 card-data-in-logs: a PAN, CVV, track data or whole card object reaching logs, errors or analytics."""

from __future__ import annotations

import re

import libcst as cst

from reviewbot.analyzers.python.names import call_chain, iter_descendants
from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.security._card import find_card_data, keyword_carries_card
from reviewbot.analyzers.python.rules.security._request import enclosing_functions, is_request_input
from reviewbot.config import split_words
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good

_LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "msg", "bind",
     "adebug", "ainfo", "awarning", "aerror", "aexception"}
)
_LOGGER_RE = re.compile(r"(?:^|_)(?:log|logger|logging|structlog|logs)(?:$|_)|get_?logger$", re.IGNORECASE)
_ANALYTICS_METHODS = frozenset(
    {"track", "identify", "capture", "set_context", "set_extra", "set_tag", "set_user", "capture_message",
     "add_breadcrumb", "set_attribute", "set_attributes", "page", "alias", "group"}
)
_ANALYTICS_WORDS = frozenset(
    {"analytics", "segment", "posthog", "mixpanel", "sentry", "amplitude", "heap", "rudder", "rudderstack",
     "span", "scope", "telemetry"}
)



class CardDataInLogs(PythonRule):
    code = "RB701"
    name = "card-data-in-logs"
    family = Family.SECURITY
    severity = Severity.ERROR
    summary = "A card number, CVV, track data or a whole card object reaches a log, an exception or analytics."
    rationale = (
        "PCI DSS requirement 3 forbids storing sensitive authentication data (CVV, track data) after "
        "authorisation and requires a PAN to be unreadable wherever it is stored; log files, error "
        "trackers and analytics pipelines are storage, copied to places that are not in the cardholder "
        "data environment. One logged PAN puts every log system in PCI scope and is a reportable breach. "
        "The last four digits, the BIN, the brand, the fingerprint and PSP tokens are safe to log."
    )
    help = (
        "Log `card.last4`, the brand, the fingerprint or the PSP token instead, or mask the number "
        "(`mask_pan(card_number)`); never log the CVV or track data at all."
    )
    references = (
        "https://www.pcisecuritystandards.org/document_library/",
        "https://docs.stripe.com/security/guide",
    )
    triggers = ("card", "Card", "CARD", "pan", "PAN", "cvv", "cvc", "CVV", "CVC", "track", "security_code")
    runs_on_tests = True
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the logged value is what the client sent (read from the request body or headers, also through a "
            "local), or the same value is handed to a PSP, vault or tokenizer call in the function",
        ),
        Evidence(
            Confidence.MEDIUM,
            "a name or key says card number, CVV or track data (`card_number`, `card[\"cvc\"]`), with no source "
            "or PSP call in sight",
        ),
    )
    examples = (
        Bad(
            """\
import logging

logger = logging.getLogger(__name__)


def tokenize_card(card_number: str, exp_month: int, exp_year: int) -> str:
    logger.info("tokenizing card %s", card_number)
    return vault.tokenize(card_number, exp_month, exp_year)
""",
            line=7,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
def validate_card(card: dict[str, str]) -> None:
    if len(card["cvc"]) not in (3, 4):
        raise CardValidationError(f"invalid cvc {card['cvc']} for card {card['number']}")
""",
            line=3,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
@app.post("/v1/payment_methods")
async def create_payment_method(request: Request) -> dict[str, str]:
    payload = await request.json()
    log.info("payment_method.create", card=payload["card"])
    return await psp.create_payment_method(payload)
""",
            line=4,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
import sentry_sdk


def charge_card(card: CardInput, amount_minor: int) -> None:
    sentry_sdk.set_context("card", {"number": card.number, "cvv": card.cvv})
    gateway.charge(card, amount_minor)
""",
            line=5,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
def debug_swipe(track2: str) -> None:
    print("swiped", track2)
""",
            line=2,
            confidence=Confidence.MEDIUM,
        ),
        Good(
            """\
import logging

logger = logging.getLogger(__name__)


def tokenize_card(card_number: str, exp_month: int, exp_year: int) -> str:
    logger.info("tokenizing card ending %s", card_number[-4:])
    return vault.tokenize(card_number, exp_month, exp_year)
"""
        ),
        Good(
            """\
def record_payment_method(pm: stripe.PaymentMethod) -> None:
    logger.info(
        "payment method attached",
        extra={"brand": pm.card.brand, "last4": pm.card.last4, "fingerprint": pm.card.fingerprint},
    )
"""
        ),
        Good(
            """\
def track_checkout(user_id: str, card_token: str, card_last4: str) -> None:
    analytics.track(user_id, "checkout_completed", {"card_token": card_token, "last4": card_last4})
"""
        ),
        Good(
            """\
def validate_card(card_number: str) -> None:
    if not luhn_valid(card_number):
        raise CardValidationError(f"card number ending {card_number[-4:]} fails the Luhn check")
"""
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        sink = _sink_name(node)
        if sink is None:
            return
        for arg in node.args:
            found = arg.keyword.value if arg.keyword is not None and keyword_carries_card(arg) else None
            found = found or find_card_data(arg.value)
            if found:
                level, why = self._evidence(arg.value)
                self.report(node, f"card data `{found}` reaches `{sink}`{why}", confidence=level)
                return

    def visit_Raise(self, node: cst.Raise) -> None:
        exc = node.exc
        if isinstance(exc, cst.Call):
            for arg in exc.args:
                found = find_card_data(arg.value)
                if found:
                    level, why = self._evidence(arg.value)
                    self.report(exc, f"card data `{found}` reaches the exception message{why}", confidence=level)
                    return

    def _evidence(self, value: cst.BaseExpression) -> tuple[Confidence, str]:
        """High when the logged value is what the client sent, or what the code hands to a PSP or vault."""
        scopes = enclosing_functions(self.ctx)
        names = _roots(value) - {"self"}
        if any(is_request_input(cst.Name(name), scopes) for name in sorted(names)):
            return Confidence.HIGH, " (read from the request)"
        if scopes:
            consumer = _card_consumer(scopes[0], names)
            if consumer is not None:
                return Confidence.HIGH, f" (the same value is handed to `{consumer}`)"
        return Confidence.MEDIUM, ""


def _sink_name(node: cst.Call) -> str | None:
    func = node.func
    if isinstance(func, cst.Name):
        return "print" if func.value == "print" else None
    if not isinstance(func, cst.Attribute):
        return None
    chain = call_chain(func)
    if chain is None:
        return None
    parts = chain.split(".")
    method = parts[-1]
    if method in _LOG_METHODS and len(parts) >= 2 and _LOGGER_RE.search(parts[-2]):
        return chain
    if method in _ANALYTICS_METHODS:
        receiver = {w for part in parts[:-1] for w in split_words(part)} | set(parts[:-1])
        if receiver & _ANALYTICS_WORDS or "sentry_sdk" in parts:
            return chain
    return None


# Words of a call that takes real card data: a PSP charge, a vault, a tokenizer.
_CONSUMER_WORDS = frozenset(
    {"tokenize", "tokenise", "vault", "charge", "authorize", "authorise", "pay", "capture", "confirm", "payment",
     "payments", "card", "cards", "sale", "verify"}
)


def _roots(value: cst.BaseExpression) -> set[str]:
    """The names whose parts the value reads: `payload` in `payload["card"]`, `card` in `card.number`."""
    out: set[str] = set()
    for node in (value, *iter_descendants(value)):
        while isinstance(node, cst.Attribute | cst.Subscript):
            node = node.value
        if isinstance(node, cst.Name):
            out.add(node.value)
    return out


def _card_consumer(function: cst.FunctionDef, names: set[str]) -> str | None:
    """A call in `function` that is given one of `names` and takes card data (`vault.tokenize(card_number)`)."""
    for node in iter_descendants(function.body):
        if not isinstance(node, cst.Call) or _sink_name(node) is not None:
            continue
        chain = call_chain(node.func) or ""
        words = {w for part in chain.split(".") for w in split_words(part)}
        if not words & _CONSUMER_WORDS:
            continue
        if any(isinstance(a.value, cst.Name) and a.value.value in names for a in node.args):
            return chain
    return None
