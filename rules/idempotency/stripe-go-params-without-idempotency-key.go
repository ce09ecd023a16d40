package payments

import (
	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/paymentintent"
	"github.com/stripe/stripe-go/v82/refund"
)

func Refund(intentID, refundID string) (*stripe.Refund, error) {
	// ruleid: stripe-go-params-without-idempotency-key
	params := &stripe.RefundParams{PaymentIntent: stripe.String(intentID)}
	return refund.New(params)
}

func Charge(order Order) (*stripe.PaymentIntent, error) {
	// ruleid: stripe-go-params-without-idempotency-key
	params := &stripe.PaymentIntentParams{
		Amount:   stripe.Int64(order.AmountMinor),
		Currency: stripe.String(string(stripe.CurrencyUSD)),
	}
	return paymentintent.New(params)
}

func RefundKeyed(intentID, refundID string) (*stripe.Refund, error) {
	// ok: stripe-go-params-without-idempotency-key
	params := &stripe.RefundParams{PaymentIntent: stripe.String(intentID)}
	params.SetIdempotencyKey("refund:" + refundID)
	return refund.New(params)
}

func CaptureKeyed(intentID string) (*stripe.PaymentIntent, error) {
	// ok: stripe-go-params-without-idempotency-key
	params := &stripe.PaymentIntentCaptureParams{
		Params: stripe.Params{IdempotencyKey: stripe.String("capture:" + intentID)},
	}
	return paymentintent.Capture(intentID, params)
}

func Lookup(intentID string) (*stripe.PaymentIntent, error) {
	// ok: stripe-go-params-without-idempotency-key
	params := &stripe.PaymentIntentListParams{}
	_ = params
	return paymentintent.Get(intentID, nil)
}
