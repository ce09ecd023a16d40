package gateway

import "strconv"

type Payout struct {
	ID          string
	AmountMinor int64
	Fee         float64
}

func parse(raw string) (int64, error) {
	amount, err := strconv.ParseFloat(raw, 64)
	if err != nil {
	}
	return int64(amount * 100), nil
}

func fee(p Payout) float64 {
	return float64(p.AmountMinor) / 100
}
