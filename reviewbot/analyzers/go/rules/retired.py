"""The Go rules of the retired semgrep pack that no Go rule runs yet: their codes keep their meaning.

A Go rule that catches the same hazard takes the code back (and leaves this list); a code is never
given another meaning (DESIGN.md, "Rule families and codes").
"""

from __future__ import annotations

from reviewbot.core.findings import Severity
from reviewbot.core.rules import Bad, Family, Good, RuleInfo

_PATH = "internal/payments/example.go"
_WHY = (
    "This rule ran in the semgrep pack, which was retired when reviewbot gained its in-process Go "
    "analyzer. The code stays reserved for the same hazard."
)


def _retired(code: str, name: str, family: Family, summary: str, bad: str, good: str) -> RuleInfo:
    return RuleInfo(
        code=code,
        name=name,
        family=family,
        severity=Severity.ERROR,
        summary=summary,
        rationale=_WHY,
        help="Nothing to do: the rule does not run.",
        examples=(Bad(bad, path=_PATH), Good(good, path=_PATH)),
        language="go",
        retired=True,
    )


RETIRED: tuple[RuleInfo, ...] = (
    _retired(
        "RB112", "float64-money-field", Family.MONEY,
        "A Go struct field, variable or parameter that holds money is a float64.",
        "type Charge struct {\n\tAmount float64\n}\n", "type Charge struct {\n\tAmountMinor int64\n}\n",
    ),
    _retired(
        "RB113", "strconv-parsefloat-amount", Family.MONEY,
        "A Go amount is parsed with strconv.ParseFloat.",
        'amount, _ := strconv.ParseFloat(r.FormValue("amount"), 64)\n',
        'amount, err := decimal.NewFromString(r.FormValue("amount"))\n',
    ),
    _retired(
        "RB212", "discarded-mutation-error", Family.EXCEPTIONS,
        "The error of a ledger, PSP or database mutation is assigned to `_` in Go.",
        "_ = ledger.Post(ctx, entry)\n", "if err := ledger.Post(ctx, entry); err != nil {\n\treturn err\n}\n",
    ),
    _retired(
        "RB313", "stripe-go-params-without-idempotency-key", Family.IDEMPOTENCY,
        "stripe-go params for a money-moving call never get an idempotency key.",
        "params := &stripe.RefundParams{PaymentIntent: stripe.String(id)}\nrefund.New(params)\n",
        'params := &stripe.RefundParams{PaymentIntent: stripe.String(id)}\nparams.SetIdempotencyKey("refund:" + refundID)\n',
    ),
    _retired(
        "RB314", "uuid-idempotency-key-per-attempt", Family.IDEMPOTENCY,
        "A Go idempotency key is made with uuid.NewString() or the clock at the call that uses it.",
        "params.SetIdempotencyKey(uuid.NewString())\n", 'params.SetIdempotencyKey("payout:" + payout.ID)\n',
    ),
    _retired(
        "RB512", "unguarded-status-update-go", Family.CONCURRENCY,
        "A Go SQL string sets `status` without the expected previous status in the WHERE clause.",
        "db.ExecContext(ctx, `UPDATE payments SET status = 'captured' WHERE id = $1`, id)\n",
        "db.ExecContext(ctx, `UPDATE payments SET status = 'captured' WHERE id = $1 AND status = 'authorized'`, id)\n",
    ),
)
