package payments

import (
	"net/http"
	"strconv"
)

func handleRefund(w http.ResponseWriter, r *http.Request) {
	// ruleid: strconv-parsefloat-amount
	amount, err := strconv.ParseFloat(r.FormValue("amount"), 64)
	if err != nil {
		return
	}
	// ruleid: strconv-parsefloat-amount
	v, _ := strconv.ParseFloat(req.RefundAmount, 64)
	// ok: strconv-parsefloat-amount
	feeRate, err := strconv.ParseFloat(r.FormValue("fee_rate"), 64)
	// ok: strconv-parsefloat-amount
	lat, err := strconv.ParseFloat(r.FormValue("lat"), 64)
	// ok: strconv-parsefloat-amount
	amountMinor, err := strconv.ParseInt(r.FormValue("amount_minor"), 10, 64)
	_, _, _, _, _ = amount, v, feeRate, lat, amountMinor
}
