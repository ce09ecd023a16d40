package payments

type Charge struct {
	ID string
	// ruleid: float64-money-field
	Amount float64 `json:"amount"`
	// ruleid: float64-money-field
	FeeTotal float32
	// ok: float64-money-field
	FeeRate float64
	// ok: float64-money-field
	AmountMinor int64 `json:"amount_minor"`
	// ok: float64-money-field
	RiskScore float64
}

// ruleid: float64-money-field
func Refund(chargeID string, amount float64) error {
	// ruleid: float64-money-field
	var balance float64
	// ok: float64-money-field
	var ratio float64
	_, _ = balance, ratio
	return nil
}

// ok: float64-money-field
func Capture(chargeID string, amountMinor int64) error {
	return nil
}
