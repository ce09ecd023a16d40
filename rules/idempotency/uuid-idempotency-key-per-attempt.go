package payments

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v82"
)

func keys(params *stripe.PayoutParams, req *http.Request, payout Payout) {
	// ruleid: uuid-idempotency-key-per-attempt
	params.SetIdempotencyKey(uuid.NewString())
	// ruleid: uuid-idempotency-key-per-attempt
	req.Header.Set("Idempotency-Key", "payout-"+uuid.New().String())
	// ruleid: uuid-idempotency-key-per-attempt
	key := fmt.Sprintf("capture-%d", time.Now().UnixNano())
	params.SetIdempotencyKey(key)
	// ok: uuid-idempotency-key-per-attempt
	params.SetIdempotencyKey("payout:" + payout.ID)
	// ok: uuid-idempotency-key-per-attempt
	req.Header.Set("Idempotency-Key", payout.IdempotencyKey)
	// ok: uuid-idempotency-key-per-attempt
	requestID := uuid.NewString()
	_ = requestID
}
