package payments

import (
	"context"
	"database/sql"
)

func capture(ctx context.Context, db *sql.DB, id string) error {
	// ruleid: unguarded-status-update-go
	_, err := db.ExecContext(ctx, `UPDATE payments SET status = 'captured' WHERE id = $1`, id)
	if err != nil {
		return err
	}
	// ruleid: unguarded-status-update-go
	_, err = db.ExecContext(ctx, "UPDATE refunds SET status = $2, updated_at = now() WHERE id = $1", id, "succeeded")
	// ok: unguarded-status-update-go
	res, err := db.ExecContext(ctx, `UPDATE payments SET status = 'captured' WHERE id = $1 AND status = 'authorized'`, id)
	// ok: unguarded-status-update-go
	_, err = db.ExecContext(ctx, "UPDATE payments SET note = $2 WHERE id = $1", id, "manual")
	_ = res
	return err
}
