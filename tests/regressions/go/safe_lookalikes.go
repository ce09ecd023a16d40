// Go code that looks like a payments hazard and is not one. No Go rule may report anything here.
package payments

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"strconv"
	"time"

	"entgo.io/ent/dialect/sql/sqlgraph"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"
	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
	"go.uber.org/zap"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ---------------------------------------------------------------- floats that never become the record of money

// API mirrors of exact decimals, PDFs and charts: floats for display only.
type UsageResponse struct {
	Amount          float64 `json:"amount"`
	TotalAmount     float64 `json:"total_amount,omitempty"`
	DisplayAmount   string  `json:"display_amount"`
	OverageFactor   float64 `json:"overage_factor"`
	CommitmentRatio float64 `json:"commitment_ratio"`
}

type ExchangeRate struct {
	Currency string  `db:"currency"`
	FxRate   float64 `db:"fx_rate"`
	Weight   float64 `db:"weight"`
}

var revenueGauge = prometheus.NewGauge(prometheus.GaugeOpts{Name: "revenue_total"})

func reportRevenue(total decimal.Decimal) {
	revenueGauge.Set(total.InexactFloat64())
}

func chartPoint(amount decimal.Decimal) map[string]float64 {
	return map[string]float64{"amount": amount.InexactFloat64()}
}

func scanUsage(rows *sql.Rows) (decimal.Decimal, error) {
	var totalFloat float64
	if err := rows.Scan(&totalFloat); err != nil {
		return decimal.Zero, err
	}
	return decimal.NewFromFloat(totalFloat), nil
}

func progressPercent(done, total int) int {
	return int(math.Round(float64(done) / float64(total) * 100))
}

func utilisation(used, limit decimal.Decimal) int64 {
	return used.Div(limit).Mul(decimal.NewFromInt(100)).IntPart()
}

func durationHours(totalSeconds float64) int64 {
	return int64(totalSeconds / 3600)
}

func samplingRate() float64 {
	rate, err := strconv.ParseFloat(os.Getenv("TRACE_SAMPLING_RATE"), 64)
	if err != nil {
		return 0.1
	}
	return rate
}

// Minor units with the currency's own exponent; cents that already are cents.
func toMinor(amount decimal.Decimal, currency string) int64 {
	return amount.Shift(int32(currencyExponent(currency))).Round(0).IntPart()
}

func majorToMinor(amount decimal.Decimal, currency string) int64 {
	if zeroDecimal[currency] {
		return amount.Round(0).IntPart()
	}
	return amount.Mul(decimal.NewFromInt(100)).Round(0).IntPart()
}

func usdCharge(ctx context.Context, sc *stripe.Client, amount decimal.Decimal, orderID string) error {
	params := &stripe.PaymentIntentCreateParams{
		Amount:   stripe.Int64(amount.Mul(decimal.NewFromInt(100)).IntPart()),
		Currency: stripe.String("usd"),
	}
	params.SetIdempotencyKey("order:" + orderID)
	_, err := sc.V1PaymentIntents.Create(ctx, params)
	return err
}

// ---------------------------------------------------------------- ignored errors that cost no money

func cleanup(ctx context.Context, cache Cache, sessions SessionStore, f *os.File, tx *sql.Tx) {
	_ = cache.Delete(ctx, "balance:merchant_1")
	_ = sessions.Delete(ctx, "session-1")
	_ = f.Close()
	defer tx.Rollback()
	_, _ = fmt.Fprintln(os.Stderr, "done")
	logger, _ := zap.NewProduction()
	_ = logger.Sync()
}

func pageParams(r *http.Request) (int, int) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	return page, limit
}

func parsedOrZero(raw string) decimal.Decimal {
	amount, _ := decimal.NewFromString(raw)
	if amount.IsZero() {
		return decimal.Zero
	}
	return amount
}

func notifyPaid(ctx context.Context, mailer Mailer, invoiceID string) error {
	if err := mailer.SendReceipt(ctx, invoiceID); err != nil {
		slog.Warn("receipt not sent", "invoice", invoiceID, "error", err)
	}
	return nil
}

func (s *WebhookService) OnInvoicePaid(ctx context.Context, inv *stripe.Invoice) error {
	if err := s.invoices.MarkInvoicePaid(ctx, inv.ID); err != nil {
		s.log.Error("mark invoice paid", zap.Error(err))
		return fmt.Errorf("mark invoice %s paid: %w", inv.ID, err)
	}
	if err := s.analytics.TrackPayment(ctx, inv.ID); err != nil {
		s.log.Warn("analytics", zap.Error(err))
	}
	return nil
}

func (s *WebhookService) collectErrors(ctx context.Context, ids []string) error {
	var errs []error
	for _, id := range ids {
		if err := s.invoices.MarkInvoicePaid(ctx, id); err != nil {
			s.log.Error("mark invoice paid", zap.Error(err))
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func emptyRecover() {
	defer func() {
		if r := recover(); r != nil {
			slog.Error("recovered", "panic", r)
		}
	}()
}

// ---------------------------------------------------------------- Stripe calls that are keyed or move no money

func refundKeyed(ctx context.Context, sc *stripe.Client, r Refund) (*stripe.Refund, error) {
	return sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{
		Params:        stripe.Params{IdempotencyKey: stripe.String("refund:" + r.ID)},
		PaymentIntent: stripe.String(r.PaymentIntentID),
	})
}

func refundKeyAssigned(ctx context.Context, sc *stripe.Client, r Refund) error {
	params := &stripe.RefundCreateParams{PaymentIntent: stripe.String(r.PaymentIntentID)}
	params.IdempotencyKey = stripe.String("refund:" + r.ID)
	_, err := sc.V1Refunds.Create(ctx, params)
	return err
}

func buildItemParams(customerID string, amountMinor int64) *stripe.InvoiceItemCreateParams {
	return &stripe.InvoiceItemCreateParams{Customer: stripe.String(customerID), Amount: stripe.Int64(amountMinor)}
}

func addItem(ctx context.Context, sc *stripe.Client, customerID, lineID string, amountMinor int64) error {
	params := buildItemParams(customerID, amountMinor)
	params.SetIdempotencyKey("line:" + lineID)
	_, err := sc.V1InvoiceItems.Create(ctx, params)
	return err
}

func checkout(ctx context.Context, sc *stripe.Client, priceID string) (*stripe.CheckoutSession, error) {
	return sc.V1CheckoutSessions.Create(ctx, &stripe.CheckoutSessionCreateParams{
		Mode:      stripe.String("payment"),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{Price: stripe.String(priceID), Quantity: stripe.Int64(1)}},
	})
}

func syncCustomer(ctx context.Context, sc *stripe.Client, id, email string) error {
	_, err := sc.V1Customers.Update(ctx, id, &stripe.CustomerUpdateParams{Email: stripe.String(email)})
	return err
}

func markPaidOutOfBand(ctx context.Context, sc *stripe.Client, invoiceID string) error {
	params := &stripe.InvoicePayParams{PaidOutOfBand: stripe.Bool(true)}
	_, err := sc.V1Invoices.Pay(ctx, invoiceID, params)
	return err
}

func (c *Client) CreateRefund(ctx context.Context, params *stripe.RefundCreateParams) (*stripe.Refund, error) {
	return c.sc.V1Refunds.Create(ctx, params)
}

func payoutOnce(ctx context.Context, sc *stripe.Client, store KeyStore, p Payout) error {
	key := uuid.NewString()
	if err := store.Save(ctx, p.ID, key); err != nil {
		return err
	}
	params := &stripe.PayoutCreateParams{Amount: stripe.Int64(p.AmountMinor), Currency: stripe.String(p.Currency)}
	params.SetIdempotencyKey(key)
	_, err := sc.V1Payouts.Create(ctx, params)
	return err
}

func newRequestID() string {
	return uuid.NewString()
}

// ---------------------------------------------------------------- guarded, locked or atomic updates

func completePayment(ctx context.Context, db *sql.DB, id string) error {
	res, err := db.ExecContext(ctx, `UPDATE payments SET status = 'succeeded' WHERE id = $1 AND status = 'pending'`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotPending
	}
	return nil
}

func archivePrices(ctx context.Context, db *sql.DB, ids []string) error {
	_, err := db.ExecContext(ctx, `UPDATE prices SET status = 'archived', updated_at = now() WHERE id = ANY($1)`, ids)
	return err
}

func finishJob(ctx context.Context, db *sql.DB, id string) error {
	_, err := db.ExecContext(ctx, `UPDATE jobs SET status = 'done' WHERE id = $1`, id)
	return err
}

func deletePayment(ctx context.Context, db *sql.DB, id string) error {
	_, err := db.ExecContext(ctx, `UPDATE payments SET status = 'deleted', deleted_at = now() WHERE id = $1`, id)
	return err
}

func (r *Repo) expireTransfer(ctx context.Context, id string) error {
	return r.client.Transfer.UpdateOneID(id).
		Where(transfer.StatusEQ("pending")).
		SetStatus("expired").
		Exec(ctx)
}

func creditAtomically(ctx context.Context, db *sql.DB, walletID string, amountMinor int64) error {
	_, err := db.ExecContext(ctx, `UPDATE wallets SET balance_minor = balance_minor + $1 WHERE id = $2`, amountMinor, walletID)
	return err
}

func (s *Service) debitLocked(ctx context.Context, db *gorm.DB, id string, amountMinor int64) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&w, "id = ?", id).Error; err != nil {
			return err
		}
		w.BalanceMinor -= amountMinor
		return tx.Save(&w).Error
	})
}

func (s *Service) reconcileForUpdate(ctx context.Context, id string, amount decimal.Decimal) error {
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		inv, err := s.invoices.GetForUpdate(ctx, id)
		if err != nil {
			return err
		}
		inv.AmountPaid = inv.AmountPaid.Add(amount)
		return s.invoices.Update(ctx, inv)
	})
}

func (s *Service) withVersion(ctx context.Context, id string, amount decimal.Decimal) error {
	inv, err := s.invoices.Get(ctx, id)
	if err != nil {
		return err
	}
	inv.AmountPaid = inv.AmountPaid.Add(amount)
	return s.invoices.UpdateIfVersion(ctx, inv, inv.Version)
}

func summarise(ctx context.Context, repo InvoiceRepo, ids []string) (decimal.Decimal, error) {
	total := decimal.Zero
	for _, id := range ids {
		inv, err := repo.Get(ctx, id)
		if err != nil {
			return total, err
		}
		total = total.Add(inv.AmountPaid)
	}
	return total, nil
}

func refundLocked(ctx context.Context, tx *sql.Tx, paymentID string, amountMinor int64) error {
	var refunded, captured int64
	if err := tx.QueryRowContext(ctx,
		`SELECT refunded_minor, captured_minor FROM payments WHERE id = $1 FOR UPDATE`, paymentID,
	).Scan(&refunded, &captured); err != nil {
		return err
	}
	if refunded+amountMinor > captured {
		return ErrTooMuch
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO refunds (payment_id, amount_minor) VALUES ($1, $2)`, paymentID, amountMinor)
	return err
}

// ---------------------------------------------------------------- verified webhooks and safe comparisons

func (h *Hooks) StripeWebhook(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	event, err := webhook.ConstructEvent(body, c.GetHeader("Stripe-Signature"), h.secret)
	if err != nil {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	h.handle(c.Request.Context(), event)
	c.Status(http.StatusOK)
}

func (h *Hooks) HandleRazorpayWebhook(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body)
	signature := c.GetHeader("X-Razorpay-Signature")
	if signature == "" {
		c.AbortWithStatus(http.StatusUnauthorized)
		return
	}
	if err := h.razorpay.HandleWebhook(c.Request.Context(), body, signature); err != nil {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	c.Status(http.StatusOK)
}

func (h *Admin) ListWebhookEndpoints(c *gin.Context) {
	var filter EndpointFilter
	_ = c.ShouldBindJSON(&filter)
	c.JSON(http.StatusOK, h.store.List(filter))
}

func (h *Admin) RetryOutboundWebhook(c *gin.Context) {
	var req RetryRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	h.outbound.Retry(c.Request.Context(), req.ID)
}

func verifyHMAC(r *http.Request, body []byte, secret string) bool {
	signature := r.Header.Get("X-Signature")
	if signature == "" || len(signature) != 64 {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	expected := hex.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(signature), []byte(expected))
}

func verifyToken(provided, configured string) bool {
	return subtle.ConstantTimeCompare([]byte(provided), []byte(configured)) == 1
}

func sameSignatureScheme(sigVersion string) bool {
	return sigVersion == "v1"
}

func parseWithDefaultTolerance(body []byte, header, secret string) (stripe.Event, error) {
	return webhook.ConstructEventWithTolerance(body, header, secret, 5*time.Minute)
}

// ---------------------------------------------------------------- logging and keys that are safe

func logCardMeta(logger zerolog.Logger, card Card) {
	logger.Info().Str("card_last4", card.Last4).Str("card_brand", card.Brand).Msg("charging")
	slog.Info("cards on file", "count", len(card.Numbers))
	logger.Info().Str("card_fingerprint", card.Fingerprint).Msg("dedupe")
}

const testKey = "sk_test_51HxQ2aLkdIwHu7ix9aPq2MnYv3kT8bW"
const placeholderKey = "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"

var _ = sqlgraph.NewStep

const WebhookSecretKey = "stripe_webhook_secret"

func (i AppSecrets) validKeyName() bool {
	return i.WebhookSecret.Key == WebhookSecretKey
}
