"""RB217 money-update-error-only-logged: a failed money update is logged and the code carries on as if it worked."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.go.rules.exceptions._stakes import (
    Stake,
    only_logs,
    outer_function,
    psp_event_path,
    stake_of,
)
from reviewbot.analyzers.go.syntax import (
    assignments_of,
    enclosing_function,
    in_nested_function,
    is_nil_check,
    statements,
    unparen,
)
from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node


class MoneyUpdateErrorOnlyLogged(GoRule):
    code = "RB217"
    name = "money-update-error-only-logged"
    family = Family.EXCEPTIONS
    severity = Severity.ERROR
    summary = (
        "The error of a money update (reconciling a payment, marking an invoice paid, a money write or a "
        "stripe-go call) is only logged, and the function goes on to report success."
    )
    rationale = (
        "On a webhook path the PSP redelivers an event only when the handler fails. Logging the failed "
        "reconciliation and returning nil (the handler then answers 200) tells Stripe the succeeded payment was "
        "recorded: the invoice stays unpaid, nothing retries, and a log line nobody reads is the only trace."
    )
    help = (
        "Return the error (wrapped) so the webhook answers 5xx and the PSP retries; make the handler idempotent "
        "on the event id so the retry is safe. If the step is truly optional, record it for a retry job."
    )
    references = (
        "https://docs.stripe.com/webhooks#retries",
        "https://docs.stripe.com/webhooks#handle-duplicate-events",
    )
    triggers = ("!= nil",)
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the function handles a PSP event (a stripe-go event, PaymentIntent, CheckoutSession or Invoice "
            "parameter, a verified webhook, a webhook handler) and the failed call updates money or a payment's "
            "state",
        ),
        Evidence(
            Confidence.MEDIUM,
            "the failed call moves money at Stripe or writes a money table, outside a visible event path",
        ),
    )
    examples = (
        bad(
            """\
            package stripehooks

            func (s *Service) HandleCheckoutCompleted(ctx context.Context, session *stripe.CheckoutSession, paymentID string) error {
                amount := decimal.NewFromInt(session.AmountTotal)
                err := s.ReconcilePaymentWithInvoice(ctx, paymentID, amount)
                if err != nil {
                    s.log.Error("failed to reconcile payment with invoice", "error", err, "payment_id", paymentID)
                }
                return nil
            }
            """,
            line=6,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            package ledger

            func (s *Store) recordFee(ctx context.Context, merchantID string, feeMinor int64) {
                if _, err := s.db.ExecContext(ctx,
                    `INSERT INTO balance_movements (merchant_id, amount_minor, reason) VALUES ($1, $2, 'fee')`,
                    merchantID, -feeMinor); err != nil {
                    log.Printf("record fee for %s: %v", merchantID, err)
                }
            }
            """,
            line=6,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            package stripehooks

            func (s *Service) HandleCheckoutCompleted(ctx context.Context, session *stripe.CheckoutSession, paymentID string) error {
                amount := decimal.NewFromInt(session.AmountTotal)
                if err := s.ReconcilePaymentWithInvoice(ctx, paymentID, amount); err != nil {
                    s.log.Error("failed to reconcile payment with invoice", "error", err, "payment_id", paymentID)
                    return fmt.Errorf("reconcile payment %s: %w", paymentID, err)
                }
                if err := s.notifier.SendReceipt(ctx, paymentID); err != nil {
                    s.log.Warn("receipt not sent", "error", err)
                }
                return nil
            }
            """
        ),
    )

    def visit_if_statement(self, node: Node) -> None:
        condition = node.child_by_field_name("condition")
        raw = condition.text if condition is not None else None
        # Most `if`s of a Go file test no error: the text says so before any node is looked at.
        if raw is None or b"nil" not in raw or (b"err" not in raw and b"Err" not in raw):
            return
        # Then the body's text: most error branches log nothing (`return err`), and that costs one search.
        body = node.child_by_field_name("consequence")
        if body is None or not _logs(body):
            return
        checked = is_nil_check(condition)
        if checked is None or not re.fullmatch(r"\w*[eE]rr\w*", checked):
            return
        if any(s.type == "return_statement" for s in statements(body)):
            return
        call = self._failing_call(node, checked)
        if call is None:
            return
        stake = stake_of(self.ctx, call)
        if stake is None or not only_logs(self.ctx, body, checked):
            return
        function = enclosing_function(node)
        if function is None or self._returned_later(function, node, checked):
            return
        outer = outer_function(node) or function
        path = psp_event_path(self.ctx, outer)
        if path is not None:
            self._report(node, stake, f"; {path}, so the PSP will not redeliver it", Confidence.HIGH)
        elif stake.confidence is Confidence.HIGH:
            self._report(node, stake, "", Confidence.MEDIUM)

    def _report(self, node: Node, stake: Stake, why: str, confidence: Confidence) -> None:
        condition = node.child_by_field_name("condition") or node
        self.report(
            condition,
            f"the failure of `{stake.label}` is only logged and execution continues as if it succeeded{why}",
            confidence=confidence,
        )

    def _failing_call(self, node: Node, name: str) -> Node | None:
        """The call whose error the `if` checks: in its initializer, or assigned just before it."""
        initializer = node.child_by_field_name("initializer")
        candidates = [initializer] if initializer is not None else []
        previous = node.prev_named_sibling
        while previous is not None and previous.type == "comment":
            previous = previous.prev_named_sibling
        if previous is not None:
            candidates.append(previous)
        for statement in candidates:
            if statement.type not in ("short_var_declaration", "assignment_statement"):
                continue
            for assignment in assignments_of(statement):
                value = unparen(assignment.value)
                if assignment.name == name and value is not None and value.type == "call_expression":
                    return value
        return None

    def _returned_later(self, function: Node, after: Node, name: str) -> bool:
        """Whether a later `return` hands the same error on (`if err != nil { log }; return err`)."""
        for statement in self.ctx.descendants(function, "return_statement"):
            if statement.start_byte < after.end_byte or in_nested_function(statement, function):
                continue
            if re.search(rf"\b{re.escape(name)}\b", node_text(statement)):
                return True
        return False


_LOG_CALL = re.compile(r"\b(log|logger|Log|Logger|zap|zerolog|slog)\b|\.(Error|Errorf|Errorw|Warn|Warnf|Warnw|Err)\(")
# Every alternative of _LOG_CALL holds one of these: a body without any is not searched.
_LOG_PARTS = (b"log", b"Log", b"zap", b".Err", b".Warn")


def _logs(body: Node) -> bool:
    raw = body.text or b""
    return any(part in raw for part in _LOG_PARTS) and _LOG_CALL.search(raw.decode("utf-8", errors="replace")) is not None
