package payments

import (
	"context"
	"database/sql"
	"fmt"
)

func settle(ctx context.Context, db *sql.DB, tx *sql.Tx, entry Entry) error {
	// ruleid: discarded-mutation-error
	_ = ledger.Post(ctx, entry)
	// ruleid: discarded-mutation-error
	_ = tx.Commit()
	// ruleid: discarded-mutation-error
	res, _ := db.ExecContext(ctx, "UPDATE balances SET amount_minor = amount_minor - $1 WHERE id = $2", entry.AmountMinor, entry.AccountID)
	// ruleid: discarded-mutation-error
	_ = psp.CaptureCharge(ctx, entry.ChargeID)
	// ok: discarded-mutation-error
	defer tx.Rollback()
	// ok: discarded-mutation-error
	_ = tx.Rollback()
	// ok: discarded-mutation-error
	_ = resp.Body.Close()
	// ok: discarded-mutation-error
	n, _ := fmt.Println("settled")
	// ok: discarded-mutation-error
	if err := ledger.Post(ctx, entry); err != nil {
		return fmt.Errorf("post ledger entry: %w", err)
	}
	_, _ = res, n
	return nil
}
