"""RB212 discarded-mutation-error: the error of a PSP call or a money write is thrown away in Go."""

from __future__ import annotations

import tree_sitter

from reviewbot.analyzers.go.db import ENT_RUNS, GORM_WRITES, SQL_METHODS
from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.go.rules.exceptions._stakes import stake_of
from reviewbot.analyzers.go.stripe import CLIENT_METHODS, PACKAGE_METHODS
from reviewbot.analyzers.go.syntax import callee_name, unparen
from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

# Names of calls that move money or write it: the database and stripe-go methods, and the verbs a
# repository method's name starts with (`UpdatePayment`, `RecordRefund`).
_MUTATION_PREFIXES = (
    "Create", "Update", "Save", "Insert", "Upsert", "Delete", "Record", "Mark", "Apply", "Reconcile", "Capture",
    "Refund", "Charge", "Settle", "Post", "Credit", "Debit", "Complete", "Finalize", "Void", "Cancel", "Add",
    "TopUp", "Topup", "Deduct", "Allocate", "Reverse", "Book", "Pay", "Collect", "Attach", "Sync", "Process",
)
# Calls whose last result is an error: SQL, ORM writes, Commit, stripe-go's money-moving methods.
_RETURNS_ERROR = (
    SQL_METHODS | GORM_WRITES | ENT_RUNS | {"Commit"} | {method for _, method in (*CLIENT_METHODS, *PACKAGE_METHODS)}
)


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
    call_names = _RETURNS_ERROR
    call_prefixes = _MUTATION_PREFIXES
    # It reports only at calls named so (the call filter above): a file without any of these names is
    # not parsed for it (91 of flexprice's 961 parsed Go files were parsed for this rule alone).
    triggers = tuple(sorted(_RETURNS_ERROR | set(_MUTATION_PREFIXES)))
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

    def visit_call_expression(self, node: Node) -> None:
        statement = node.parent
        if statement is not None and statement.type == "expression_statement":
            self._dropped(node)
            return
        if statement is not None and statement.type == "expression_list":
            statement = statement.parent
        if statement is not None and statement.type in ("assignment_statement", "short_var_declaration"):
            self._assigned(statement, node)

    def _dropped(self, call: Node) -> None:
        if callee_name(call) not in _RETURNS_ERROR:
            return
        stake = stake_of(self.ctx, call)
        if stake is None or stake.confidence is not Confidence.HIGH:
            return  # a name alone does not say the call returns an error
        self.report(call, f"the error of `{stake.label}` is not checked")

    def _assigned(self, node: Node, call: Node) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None or len(right.named_children) != 1 or unparen(right.named_children[0]) != call:
            return
        targets = left.named_children
        if not targets or node_text(targets[-1]) != "_":
            return
        stake = stake_of(self.ctx, call)
        if stake is None:
            return
        self.report(call, f"the error of `{stake.label}` is assigned to `_`", confidence=stake.confidence)
