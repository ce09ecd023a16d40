"""RB722 webhook-verification-weakened-go: stripe-go's webhook check is called with its replay window opened up."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.go.syntax import arguments, call_chain, unaddress
from reviewbot.analyzers.treesitter.nodes import node_text, one_line
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

DEFAULT_TOLERANCE_SECONDS = 300  # stripe-go's webhook.DefaultTolerance
MAX_TOLERANCE_SECONDS = 3600  # beyond an hour a captured request can be replayed for the rest of the day
_UNITS = {"Nanosecond": 1e-9, "Microsecond": 1e-6, "Millisecond": 1e-3, "Second": 1, "Minute": 60, "Hour": 3600}
_IGNORING = frozenset({"ConstructEventIgnoringTolerance", "ValidatePayloadIgnoringTolerance"})
_WITH_TOLERANCE = frozenset({"ConstructEventWithTolerance", "ValidatePayloadWithTolerance"})
_WITH_OPTIONS = frozenset({"ConstructEventWithOptions", "ValidatePayloadWithOptions"})


def duration_seconds(text: str) -> float | None:
    """`10000 * time.Hour` -> 36000000; `24*time.Hour` -> 86400; `time.Duration(math.MaxInt64)` -> inf."""
    compact = text.replace(" ", "")
    if "MaxInt" in compact:
        return float("inf")
    match = re.fullmatch(r"(?:time\.Duration\()?(\d+(?:\.\d+)?)\)?\*time\.(\w+)|time\.(\w+)\*(\d+(?:\.\d+)?)", compact)
    if match is not None:
        number = float(match.group(1) or match.group(4))
        unit = _UNITS.get(match.group(2) or match.group(3) or "")
        return number * unit if unit is not None else None
    match = re.fullmatch(r"time\.(\w+)", compact)
    if match is not None:
        return _UNITS.get(match.group(1))
    return None


class WebhookVerificationWeakenedGo(GoRule):
    code = "RB722"
    name = "webhook-verification-weakened-go"
    family = Family.SECURITY
    severity = Severity.ERROR
    summary = (
        "stripe-go's webhook verification is called ignoring the timestamp tolerance, with a tolerance far above "
        "the default five minutes, or ignoring the event's API version."
    )
    rationale = (
        "The signed timestamp is what stops a captured `payment_intent.succeeded` from being replayed: with "
        "`ConstructEventIgnoringTolerance` or a tolerance of days, anyone who once saw a webhook request (a "
        "proxy log, a debugging paste) can resend it and have the payment reconciled again. "
        "`IgnoreAPIVersionMismatch` decodes events of another API version into this version's types, so "
        "renamed or moved fields (amounts included) read as zero."
    )
    help = (
        "Use `webhook.ConstructEvent` (five minutes), or a tolerance of a few minutes; pin the endpoint's API "
        "version to stripe-go's instead of ignoring the mismatch."
    )
    references = (
        "https://docs.stripe.com/webhooks#replay-attacks",
        "https://pkg.go.dev/github.com/stripe/stripe-go/v82/webhook",
    )
    triggers = ("Tolerance", "IgnoreAPIVersion")
    call_names = _IGNORING | _WITH_TOLERANCE | _WITH_OPTIONS
    evidence = (
        Evidence(Confidence.HIGH, "the tolerance is ignored, or set above an hour"),
        Evidence(
            Confidence.MEDIUM,
            "the tolerance is between five minutes and an hour, or the API version mismatch is ignored",
        ),
    )
    examples = (
        bad(
            """\
            package webhooks

            func (h *Handler) parse(body []byte, signature string) (stripe.Event, error) {
                return webhook.ConstructEventWithTolerance(body, signature, h.secret, 10000*time.Hour)
            }
            """,
            line=4,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            package webhooks

            func (h *Handler) parse(body []byte, signature string) (stripe.Event, error) {
                return webhook.ConstructEventWithOptions(body, signature, h.secret, webhook.ConstructEventOptions{
                    IgnoreAPIVersionMismatch: true,
                })
            }
            """,
            line=4,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            package webhooks

            func (h *Handler) parse(body []byte, signature string) (stripe.Event, error) {
                return webhook.ConstructEventWithTolerance(body, signature, h.secret, 5*time.Minute)
            }
            """
        ),
    )

    def visit_call_expression(self, node: Node) -> None:
        parts = call_chain(node)
        method = parts[-1] if parts else ""
        if method in _IGNORING:
            self.report(node, f"`{method}` accepts a signed request of any age, so captured webhooks can be replayed")
            return
        args = arguments(node)
        if method in _WITH_TOLERANCE and len(args) >= 4:
            self._tolerance(node, args[3], method)
        elif method in _WITH_OPTIONS and len(args) >= 4:
            options = unaddress(args[3])
            if options is None or options.type != "composite_literal":
                return
            body = options.child_by_field_name("body")
            for element in body.named_children if body is not None else []:
                children = [c for c in element.named_children if c.type != "comment"]
                if element.type != "keyed_element" or len(children) != 2:
                    continue
                key, value = node_text(children[0]), children[1]
                if key == "Tolerance":
                    self._tolerance(node, value, method)
                elif key == "IgnoreTolerance" and node_text(value) == "true":
                    self.report(node, f"`{method}` with `IgnoreTolerance: true` accepts a signed request of any age")
                elif key == "IgnoreAPIVersionMismatch" and node_text(value) == "true":
                    self.report(
                        node,
                        f"`{method}` with `IgnoreAPIVersionMismatch: true` decodes events of another API version",
                        confidence=Confidence.MEDIUM,
                    )

    def _tolerance(self, node: Node, value: Node, method: str) -> None:
        text = node_text(value.named_children[0] if value.type == "literal_element" and value.named_children else value)
        seconds = duration_seconds(text)
        if seconds is None or seconds <= DEFAULT_TOLERANCE_SECONDS:
            return
        confidence = Confidence.HIGH if seconds > MAX_TOLERANCE_SECONDS else Confidence.MEDIUM
        self.report(
            node,
            f"`{method}` accepts signed requests up to `{one_line(text, 30)}` old, so captured webhooks can be replayed",
            confidence=confidence,
        )
