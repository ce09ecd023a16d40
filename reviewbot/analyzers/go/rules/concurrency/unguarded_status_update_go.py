"""RB512 unguarded-status-update-go: a payment's status is overwritten without checking the status it had."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.go.db import ENT_RUNS, GORM_WRITES, SQL_METHODS, DbWrite, db_write, locks
from reviewbot.analyzers.go.rule import GoRule, bad, good
from reviewbot.analyzers.go.syntax import enclosing_function
from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Evidence, Family

Node = tree_sitter.Node

_STATUS_COLUMN = re.compile(r"^(\w+_)?(status|state)$")
# Tables whose rows are a payment's or a money movement's state (a wallet's or an account's own status is
# administrative: frozen, closed).
_STATE_TABLE = re.compile(
    r"payment|charge|refund|payout|transfer|invoice|deposit|withdrawal|settlement|capture|dispute|chargeback|"
    r"disbursement|transaction|remittance|credit_?note|creditnote",
    re.I,
)
# Tables whose status is commercial but not a payment's own state.
_ORDER_TABLE = re.compile(r"order|subscription|booking|checkout|reservation", re.I)
# Soft deletes and catalog archiving are not state transitions a concurrent payment update races with.
_ARCHIVAL = re.compile(r"archiv|deleted|inactive|StatusDeleted|StatusArchived|published|draft", re.I)
# A WHERE that pins a row version (optimistic locking).
_VERSION = re.compile(r"\bversion\b|\bupdated_at\s*=|\block_version\b|Version(EQ)?\(", re.I)


def is_guarded(where: str, column: str) -> bool:
    """Whether the WHERE pins the previous value of `column` (SQL `status = $2`, `status IN (...)`; ent
    `payment.StatusEQ(...)`, `payment.StatusIn(...)`; GORM `"status = ?"`) or a row version."""
    if _VERSION.search(where):
        return True
    camel = "".join(part.capitalize() for part in column.split("_"))
    return bool(
        re.search(rf"(?<![\w.]){re.escape(column)}\b\s*(=|<>|!=|\bIN\b|\bNOT\b|\bIS\b)", where, re.I)
        or re.search(rf"\.{camel}(EQ|NEQ|In|NotIn|IsNil|NotNil)?\(", where)
        or re.search(rf"[.\s\"`]{re.escape(column)}\b\s*(=|<>|!=|\bIN\b|\bNOT\b)", where, re.I)
    )


class UnguardedStatusUpdateGo(GoRule):
    code = "RB512"
    name = "unguarded-status-update-go"
    family = Family.CONCURRENCY
    severity = Severity.ERROR
    summary = (
        "A Go update sets a payment's, transfer's or invoice's status by id alone (SQL, GORM or ent), without "
        "the status it expects to leave in the WHERE clause."
    )
    rationale = (
        "Two workers racing on one payment both succeed: a cancel lands, then `processed` overwrites it and the "
        "canceled ACH transfer is sent anyway; a late `failed` webhook overwrites `succeeded`. A guarded update "
        "(`WHERE id = $1 AND status = 'pending'`) lets exactly one transition win and tells the loser (0 rows) "
        "to stop."
    )
    help = (
        "Put the expected previous status in the WHERE clause and check the rows affected: "
        "`UPDATE transfers SET status = $1 WHERE id = $2 AND status = $3` (ent: `.Where(payment.StatusEQ(...))`; "
        "GORM: `.Where(\"status = ?\", prev)`), or lock the row with SELECT … FOR UPDATE first."
    )
    references = (
        "https://www.postgresql.org/docs/current/transaction-iso.html#XACT-READ-COMMITTED",
        "https://entgo.io/docs/crud#update-many",
    )
    triggers = ("tatus", "tate")
    requires = (("pdate", "PDATE", "Save", "Exec"),)
    # SQL that writes (sqlx's Get/Select read), GORM writes, ent runs.
    call_names = (SQL_METHODS - {"Get", "GetContext", "Select", "SelectContext", "SendBatch", "Queue"}) | GORM_WRITES | ENT_RUNS
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the updated table or entity holds money or a payment's state (payments, charges, refunds, "
            "transfers, payouts, invoices, deposits...) and the update sets only the status and its bookkeeping",
        ),
        Evidence(Confidence.MEDIUM, "the table is an order, subscription or checkout"),
    )
    examples = (
        bad(
            """\
            package transfers

            func (r *sqlRepo) UpdateTransferStatus(transferID string, status TransferStatus) error {
                _, err := r.db.Exec(`update transfers set status = ? where transfer_id = ? and deleted_at is null`,
                    status, transferID)
                return err
            }
            """,
            line=4,
            confidence=Confidence.HIGH,
        ),
        bad(
            """\
            package orders

            func (r *Repo) MarkShipped(ctx context.Context, id string) error {
                return r.db.WithContext(ctx).Model(&Order{}).Where("id = ?", id).Update("status", "shipped").Error
            }
            """,
            line=4,
            confidence=Confidence.MEDIUM,
        ),
        good(
            """\
            package transfers

            func (r *sqlRepo) MarkProcessed(ctx context.Context, transferID string) error {
                res, err := r.db.ExecContext(ctx,
                    `UPDATE transfers SET status = 'processed' WHERE transfer_id = $1 AND status = 'pending'`, transferID)
                if err != nil {
                    return err
                }
                if n, _ := res.RowsAffected(); n == 0 {
                    return ErrTransferNotPending
                }
                return nil
            }

            func (r *Repo) ArchivePrices(ctx context.Context, ids []string) error {
                _, err := r.db.ExecContext(ctx, `UPDATE prices SET status = 'archived' WHERE id = ANY($1)`, ids)
                return err
            }
            """
        ),
    )

    def visit_call_expression(self, node: Node) -> None:
        write = db_write(self.ctx, node)
        if write is None or write.verb not in ("update", "save") or not write.set_columns or write.prepared:
            return
        status = [c for c in write.set_columns if _STATUS_COLUMN.match(c)]
        if not status or any(self.config.is_money_name(c) for c in write.set_columns) or len(write.set_columns) > 5:
            return  # not a status transition: a whole-row save or a money update (RB514's concern)
        if is_guarded(write.where, status[0]) or _ARCHIVAL.search(self._status_value(write, status[0])):
            return
        function = enclosing_function(node)
        if function is not None and locks(node_text(function)):
            return
        table = write.table
        if _STATE_TABLE.search(table):
            confidence = Confidence.HIGH
        elif _ORDER_TABLE.search(table):
            confidence = Confidence.MEDIUM
        else:
            return
        self.report(
            node,
            f"`{write.label}` sets `{status[0]}` with no previous status in its WHERE clause",
            confidence=confidence,
        )

    @staticmethod
    def _status_value(write: DbWrite, column: str) -> str:
        value = write.set_values.get(column)
        if value is not None:
            return node_text(value)
        match = re.search(rf"\b{re.escape(column)}\s*=\s*(.+?)\s*(?:,|\bWHERE\b|\bRETURNING\b|$)", write.sql, re.I | re.S)
        return match.group(1) if match else ""
