// Payments hazards in the idioms of real Go services. Each line that must be reported ends with
// `// expect: RBnnn` (several codes separated by spaces); no other line may be reported.
package payments

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/braintree-go/braintree-go"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"
	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/refund"
	"github.com/stripe/stripe-go/v82/webhook"
	"go.uber.org/zap"
	"gorm.io/gorm"
)

// ---------------------------------------------------------------- money

type LedgerRow struct {
	ID      int64   `gorm:"primaryKey"`
	Balance float64 `gorm:"column:balance"` // expect: RB112
	Memo    string  `gorm:"column:memo"`
}

func recordFee(ctx context.Context, db *sql.DB, fee decimal.Decimal, merchantID string) error {
	feeAmount := fee.InexactFloat64()
	_, err := db.ExecContext(ctx, `INSERT INTO fees (merchant_id, fee_amount) VALUES ($1, $2)`, merchantID, feeAmount) // expect: RB112
	return err
}

func topUpFromForm(ctx context.Context, tx pgx.Tx, r *http.Request, walletID string) error {
	amount, err := strconv.ParseFloat(r.FormValue("amount"), 64) // expect: RB113
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE wallets SET balance = balance + $1 WHERE id = $2`, amount, walletID)
	return err
}

func unitAmount(price decimal.Decimal) int64 {
	return int64(price.InexactFloat64() * 100) // expect: RB116
}

func payoutCents(ctx context.Context, sc *stripe.Client, payoutAmount float64, currency string) error {
	params := &stripe.PayoutCreateParams{
		Amount:   stripe.Int64(int64(math.Round(payoutAmount * 100))), // expect: RB116
		Currency: stripe.String(currency),
	}
	params.SetIdempotencyKey("payout:" + currency)
	_, err := sc.V1Payouts.Create(ctx, params)
	return err
}

func chargeInvoice(ctx context.Context, sc *stripe.Client, inv Invoice) error {
	amountDue := inv.AmountDue.Mul(decimal.NewFromInt(100)).IntPart() // expect: RB117
	params := &stripe.PaymentIntentCreateParams{
		Amount:        stripe.Int64(amountDue),
		Currency:      stripe.String(inv.Currency),
		Customer:      stripe.String(inv.StripeCustomerID),
		PaymentMethod: stripe.String(inv.PaymentMethodID),
		Confirm:       stripe.Bool(true),
	}
	params.SetIdempotencyKey("invoice:" + inv.ID)
	_, err := sc.V1PaymentIntents.Create(ctx, params)
	return err
}

// ---------------------------------------------------------------- exceptions

func creditMerchant(ctx context.Context, tx *sql.Tx, merchantID string, amountMinor int64) error {
	tx.ExecContext(ctx, `UPDATE merchant_balances SET available_minor = available_minor + $1 WHERE merchant_id = $2`, amountMinor, merchantID) // expect: RB212
	return tx.Commit()
}

func commitCapture(ctx context.Context, tx *sql.Tx, paymentID string) {
	if _, err := tx.ExecContext(ctx, `UPDATE payments SET captured_minor = amount_minor WHERE id = $1`, paymentID); err != nil { // expect: RB213
	}
	_ = tx.Commit() // expect: RB212
}

func refundQuietly(ctx context.Context, sc *stripe.Client, intentID, refundID string) {
	params := &stripe.RefundCreateParams{PaymentIntent: stripe.String(intentID)}
	params.SetIdempotencyKey("refund:" + refundID)
	_, _ = sc.V1Refunds.Create(ctx, params) // expect: RB212
}

func importPrices(rows []map[string]string) []Price {
	prices := make([]Price, 0, len(rows))
	for _, row := range rows {
		p := Price{Currency: row["currency"]}
		unitPrice, _ := decimal.NewFromString(row["unit_price"]) // expect: RB216
		p.UnitPrice = unitPrice
		prices = append(prices, p)
	}
	return prices
}

func (s *WebhookService) OnPaymentIntentSucceeded(ctx context.Context, intent *stripe.PaymentIntent) error {
	if err := s.invoices.MarkInvoicePaid(ctx, intent.Metadata["invoice_id"]); err != nil { // expect: RB217
		s.log.Error("mark invoice paid", zap.Error(err))
	}
	return nil
}

func settleLater(ctx context.Context, db *sql.DB, id string) {
	if _, err := db.ExecContext(ctx, `UPDATE payouts SET settled_amount = $1 WHERE id = $2`, 0, id); err != nil { // expect: RB217
		log.Printf("settle payout %s: %v", id, err)
	}
}

// ---------------------------------------------------------------- idempotency

func refundOrder(ctx context.Context, sc *stripe.Client, o Order) (*stripe.Refund, error) {
	return sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{ // expect: RB313
		PaymentIntent: stripe.String(o.PaymentIntentID),
	})
}

func legacyRefund(chargeID string) error {
	_, err := refund.New(&stripe.RefundParams{Charge: stripe.String(chargeID)}) // expect: RB313
	return err
}

type Biller struct{ api *stripe.Client }

func (b *Biller) addLine(ctx context.Context, customerID string, amountMinor int64) error {
	item := &stripe.InvoiceItemCreateParams{ // expect: RB313
		Customer: stripe.String(customerID),
		Amount:   stripe.Int64(amountMinor),
		Currency: stripe.String("usd"),
	}
	_, err := b.api.V1InvoiceItems.Create(ctx, item)
	return err
}

func transferWithRetry(ctx context.Context, sc *stripe.Client, t Transfer) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		params := &stripe.TransferCreateParams{Amount: stripe.Int64(t.AmountMinor), Destination: stripe.String(t.AccountID)}
		params.SetIdempotencyKey(uuid.NewString()) // expect: RB314
		if _, err = sc.V1Transfers.Create(ctx, params); err == nil {
			return nil
		}
	}
	return err
}

// ---------------------------------------------------------------- concurrency

func markRefundSucceeded(ctx context.Context, db *sql.DB, refundID string) error {
	_, err := db.ExecContext(ctx, `UPDATE refunds SET status = 'succeeded', updated_at = now() WHERE id = $1`, refundID) // expect: RB512
	return err
}

func cancelPayment(ctx context.Context, db *gorm.DB, id string) error {
	return db.WithContext(ctx).Model(&Payment{}).Where("id = ?", id).Update("status", "canceled").Error // expect: RB512
}

func (s *WalletService) Spend(ctx context.Context, walletID string, amount decimal.Decimal) error {
	w, err := s.repo.GetWallet(ctx, walletID) // expect: RB514
	if err != nil {
		return err
	}
	if w.Balance.LessThan(amount) {
		return ErrInsufficientFunds
	}
	w.Balance = w.Balance.Sub(amount)
	return s.repo.SaveWallet(ctx, w)
}

func (s *Store) captureMore(ctx context.Context, db *gorm.DB, id string, amountMinor int64) error {
	var p Payment
	if err := db.First(&p, "id = ?", id).Error; err != nil { // expect: RB514
		return err
	}
	p.CapturedAmount += amountMinor
	return db.Save(&p).Error
}

func (s *RefundService) Create(ctx context.Context, paymentID string, amount decimal.Decimal) error {
	already, err := s.repo.TotalRefundedForPayment(ctx, paymentID) // expect: RB515
	if err != nil {
		return err
	}
	p, err := s.payments.Get(ctx, paymentID)
	if err != nil {
		return err
	}
	if already.Add(amount).GreaterThan(p.Amount) {
		return ErrRefundTooLarge
	}
	return s.repo.CreateRefund(ctx, Refund{PaymentID: paymentID, Amount: amount})
}

// ---------------------------------------------------------------- security

func (h *Hooks) HandleStripeWebhook(c *gin.Context) { // expect: RB720
	var event stripe.Event
	if err := c.ShouldBindJSON(&event); err != nil {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	if event.Type == "invoice.paid" {
		h.invoices.MarkPaid(c.Request.Context(), event.GetObjectValue("id"))
	}
	c.Status(http.StatusOK)
}

func (h *Hooks) PaddleWebhook(c echo.Context) error {
	body, _ := io.ReadAll(c.Request().Body)
	signature := c.Request().Header.Get("Paddle-Signature")
	if len(signature) > 0 { // expect: RB721
		if err := h.paddle.VerifySignature(body, signature); err != nil {
			return c.NoContent(http.StatusUnauthorized)
		}
	}
	return h.process(c.Request().Context(), body)
}

func parseEvent(body []byte, header, secret string) (stripe.Event, error) {
	return webhook.ConstructEventIgnoringTolerance(body, header, secret) // expect: RB722
}

func validHMAC(r *http.Request, body []byte, expectedMAC []byte) bool {
	received := []byte(r.Header.Get("X-Hub-Signature-256"))
	return bytes.Equal(received, expectedMAC) // expect: RB723
}

func logCard(logger zerolog.Logger, card CardInput) {
	logger.Info().Str("pan", card.PAN).Msg("tokenizing") // expect: RB724
	slog.Info("card received", "card_number", card.Number) // expect: RB724
}

const fallbackKey = "sk_live_51HxQ2aLkdIwHu7ix9aPq2MnYv3kT8bW" // expect: RB725

var _ = json.Marshal
var _ = fmt.Sprintf
var _ = time.Now

func braintreeSale(ctx context.Context, gw *braintree.Braintree, req SaleRequest) error {
	_, err := gw.Transaction().Create(ctx, &braintree.TransactionRequest{
		Type:   "sale",
		Amount: braintree.NewDecimal(int64(req.TotalAmount*100), 2), // expect: RB116
	})
	return err
}

type SaleRequest struct {
	TotalAmount float64
	Nonce       string
}

func verifyLongWindow(body []byte, header, secret string) (stripe.Event, error) {
	return webhook.ConstructEventWithTolerance(body, header, secret, time.Hour*10000) // expect: RB722
}

func refundThenNote(ctx context.Context, sc *stripe.Client, r Refund) error {
	params := &stripe.RefundCreateParams{PaymentIntent: stripe.String(r.PaymentIntentID)} // expect: RB313
	if _, err := sc.V1Refunds.Create(ctx, params); err != nil {
		return err
	}
	note := &stripe.CreditNoteCreateParams{Invoice: stripe.String(r.InvoiceID)}
	note.SetIdempotencyKey("credit-note:" + r.ID)
	_, err := sc.V1CreditNotes.Create(ctx, note)
	return err
}

func addSeat(ctx context.Context, sc *stripe.Client, subscriptionID, priceID string) error {
	params := &stripe.SubscriptionItemCreateParams{Subscription: stripe.String(subscriptionID), Price: stripe.String(priceID)}
	params.SetIdempotencyKey(subscriptionID + ":" + uuid.New().String()) // expect: RB314
	_, err := sc.V1SubscriptionItems.Create(ctx, params)
	return err
}
