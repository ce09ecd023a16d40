"""RB212 discarded-mutation-error: the error of a PSP call or a money write is thrown away in Go."""

from __future__ import annotations

import tree_sitter

from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.go.rules.exceptions._stakes import stake_of
from reviewbot.analyzers.go.syntax import unparen
from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node


class DiscardedMutationError(GoRule):
    code = "RB212"
    name = "discarded-mutation-error"
    family = Family.EXCEPTIONS
    severity = Severity.ERROR
    summary = (
        "The error of a money-moving stripe-go call, a write to a money table or its transaction's Commit is "
        "assigned to `_` or dropped."
    )
    rationale = (
        "A refund that Stripe rejected, a balance UPDATE that hit a constraint or a Commit that failed looks "
        "like success to the next line: the customer is told the money moved, the ledger disagrees with the "
        "PSP, and nothing retries. Ignored errors elsewhere (closing a file, a cache write) are not reported."
    )
    help = "Check the error and return it wrapped (`return fmt.Errorf(\"record refund %s: %w\", id, err)`)."
    references = ("https://go.dev/doc/effective_go#errors", "https://github.com/kisielk/errcheck")
    triggers = ("_ =", "_ :=", "_, _", ", _", "Exec", "Commit", "Save", "Create", "New(", "Update")
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the call moves money at Stripe, writes a money table or column (SQL, GORM, ent), or commits a "
            "transaction that did",
        ),
        Evidence(
            Confidence.MEDIUM,
            "the error is assigned to `_` and only the call's name says it changes a payment, invoice, refund, "
            "wallet or balance",
        ),
    )
    examples = (
        bad(
            """\
            package ledger

            func (s *Store) Credit(ctx context.Context, merchantID string, amountMinor int64) {
                _, _ = s.db.ExecContext(ctx,
                    `UPDATE merchant_balances SET available_minor = available_minor + $1 WHERE merchant_id = $2`,
                    amountMinor, merchantID)
            }
            """,
            line=4,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            package billing

            func (s *Service) settle(ctx context.Context, inv *Invoice) {
                _ = s.invoices.MarkInvoicePaid(ctx, inv.ID)
            }
            """,
            line=4,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            package ledger

            func (s *Store) Credit(ctx context.Context, merchantID string, amountMinor int64) error {
                if _, err := s.db.ExecContext(ctx,
                    `UPDATE merchant_balances SET available_minor = available_minor + $1 WHERE merchant_id = $2`,
                    amountMinor, merchantID); err != nil {
                    return fmt.Errorf("credit %s: %w", merchantID, err)
                }
                _ = s.cache.Delete(ctx, "balance:"+merchantID)
                _ = s.sessions.Upsert(ctx, merchantID)
                return nil
            }
            """
        ),
    )

    def visit_assignment_statement(self, node: Node) -> None:
        self._assigned(node)

    def visit_short_var_declaration(self, node: Node) -> None:
        self._assigned(node)

    def visit_expression_statement(self, node: Node) -> None:
        call = unparen(node.named_children[0]) if node.named_children else None
        if call is None or call.type != "call_expression":
            return
        stake = stake_of(self.ctx, call)
        if stake is None or stake.confidence is not Confidence.HIGH:
            return  # a name alone does not say the call returns an error
        self.report(call, f"the error of `{stake.label}` is not checked")

    def _assigned(self, node: Node) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None or len(right.named_children) != 1:
            return
        targets = left.named_children
        if not targets or node_text(targets[-1]) != "_":
            return
        call = unparen(right.named_children[0])
        if call is None or call.type != "call_expression":
            return
        stake = stake_of(self.ctx, call)
        if stake is None:
            return
        self.report(call, f"the error of `{stake.label}` is assigned to `_`", confidence=stake.confidence)
