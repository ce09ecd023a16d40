package payments

import (
	"context"
	"fmt"
)

func capture(ctx context.Context, chargeID string) error {
	err := psp.Capture(ctx, chargeID)
	// ruleid: empty-error-branch
	if err != nil {
		// TODO: retry later
	}
	// ruleid: empty-error-branch
	if err := ledger.Post(ctx, chargeID); err != nil {
	}
	// ok: empty-error-branch
	if err := ledger.Post(ctx, chargeID); err != nil {
		return fmt.Errorf("post ledger entry: %w", err)
	}
	// ok: empty-error-branch
	if err != nil {
		log.Printf("capture %s failed: %v", chargeID, err)
	}
	return nil
}
