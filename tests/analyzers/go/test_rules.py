"""Go rules on the idioms of real services: where they report, at which confidence, and what they leave alone."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from reviewbot.analyzers.go.engine import analyze_source
from reviewbot.config import Config

GATEWAY = Path(__file__).resolve().parents[3] / "fixtures" / "platform" / "gateway"


def run(code: str, path: str = "internal/billing/service.go", config: Config | None = None):
    return analyze_source(path, textwrap.dedent(code).encode(), config or Config(test_policy="strict"))


BUILDER = """\
    package billing

    func buildItem(customerID string, amountMinor int64) *stripe.InvoiceItemCreateParams {
        return &stripe.InvoiceItemCreateParams{Customer: stripe.String(customerID), Amount: stripe.Int64(amountMinor)}
    }

    func (s *Sync) addLine(ctx context.Context, customerID string, amountMinor int64) error {
        params := buildItem(customerID, amountMinor)
        _, err := s.sc.V1InvoiceItems.Create(ctx, params)
        return err
    }
    """


def test_the_reference_gateway_is_clean_under_every_go_rule():
    for policy in ("relaxed", "strict"):
        for path in sorted(GATEWAY.rglob("*.go")):
            rel = str(path.relative_to(GATEWAY.parents[1]))
            findings = analyze_source(rel, path.read_bytes(), Config(test_policy=policy))
            assert findings == [], f"{rel} ({policy}): {[(f.line, f.rule, f.message) for f in findings]}"


def test_params_built_in_a_helper_are_reported_where_built_naming_the_call_that_sends_them():
    (finding,) = [f for f in run(BUILDER) if f.rule == "RB313"]
    assert finding.line == 4 and finding.confidence.value == "high"
    assert "built by `buildItem`" in finding.message and "s.sc.V1InvoiceItems.Create` on line 9" in finding.message


def test_a_key_set_by_the_caller_of_a_builder_is_seen():
    keyed = BUILDER.replace("        _, err := s.sc", '        params.SetIdempotencyKey("line:" + customerID)\n        _, err := s.sc')
    assert [f for f in run(keyed) if f.rule == "RB313"] == []


def test_a_builder_whose_callers_are_elsewhere_is_a_warning_not_a_block():
    alone = BUILDER.split("    func (s *Sync)")[0]
    (finding,) = [f for f in run(alone) if f.rule == "RB313"]
    assert finding.confidence.value == "medium" and "no caller in this file" in finding.message


def test_a_draft_payment_intent_is_medium_and_a_confirmed_one_high():
    draft = """\
        package billing

        func intent(ctx context.Context, sc *stripe.Client, amountMinor int64) error {
            params := &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(amountMinor), Currency: stripe.String("eur")}
            _, err := sc.V1PaymentIntents.Create(ctx, params)
            return err
        }
        """
    assert [f.confidence.value for f in run(draft) if f.rule == "RB313"] == ["medium"]
    confirmed = draft.replace('stripe.String("eur")}', 'stripe.String("eur")}\n            params.Confirm = stripe.Bool(true)')
    assert [f.confidence.value for f in run(confirmed) if f.rule == "RB313"] == ["high"]


def test_a_status_update_through_a_prepared_statement_is_reported_once_at_the_prepare():
    code = """\
        package transfers

        func (r *repo) markProcessed(tx *sql.Tx, ids []string) error {
            stmt, err := tx.Prepare(`update transfers set status = ?, processed_at = ? where transfer_id = ?`)
            if err != nil {
                return err
            }
            defer stmt.Close()
            for _, id := range ids {
                if _, err := stmt.Exec("processed", time.Now(), id); err != nil {
                    return err
                }
            }
            return nil
        }
        """
    assert [(f.line, f.rule) for f in run(code)] == [(4, "RB512")]


def test_go_test_code_follows_the_test_policy():
    code = """\
        package billing

        func refundAll(ctx context.Context, sc *stripe.Client, ids []string) {
            for _, id := range ids {
                _, _ = sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{PaymentIntent: stripe.String(id)})
            }
        }
        """
    for path in ("internal/billing/refund_test.go", "internal/testutil/stripe_fake.go"):
        assert run(code, path, Config()) == []
        assert {f.rule for f in run(code, path, Config(test_policy="strict"))} == {"RB212", "RB313"}


def test_the_swallowed_reconciliation_names_the_event_it_will_never_see_again():
    code = """\
        package stripehooks

        func (s *Service) onCheckoutCompleted(ctx context.Context, session *stripe.CheckoutSession) error {
            err := s.ReconcilePaymentWithInvoice(ctx, session.ClientReferenceID)
            if err != nil {
                s.logger.Error(ctx, "failed to reconcile payment with invoice", "error", err)
                // the webhook must not fail
            }
            return nil
        }
        """
    (finding,) = run(code)
    assert (finding.rule, finding.line, finding.confidence.value) == ("RB217", 5, "high")
    assert "*stripe.CheckoutSession" in finding.message and "will not redeliver" in finding.message


def test_a_medium_go_finding_warns_while_a_high_one_fails_the_gate(cli, repo):
    repo.write("internal/billing/refund.go", textwrap.dedent(
        """\
        package billing

        func refund(ctx context.Context, sc *stripe.Client, intentID string) error {
            _, err := sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{PaymentIntent: stripe.String(intentID)})
            return err
        }

        func capture(ctx context.Context, sc *stripe.Client, intentID string) error {
            _, err := sc.V1PaymentIntents.Capture(ctx, intentID, nil)
            return err
        }
        """
    ))
    result = cli(["audit", "internal", "--tools", "none", "--format", "json", "-q"], repo.path)
    report = json.loads(result.stdout)
    found = {(f["line"], f["rule"], f["severity"], f["confidence"]) for f in report["findings"]}
    assert found == {(4, "RB313", "error", "high"), (9, "RB313", "warning", "medium")}
    assert result.exit_code == 1 and report["verdict"] == "fail"
