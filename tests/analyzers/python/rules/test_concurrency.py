"""RB5xx concurrency rules: regression suites of safe look-alikes and races, plus edge cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reviewbot.analyzers.python.rules.concurrency import CONCURRENCY_RULES
from reviewbot.config import Config
from reviewbot.core.findings import Finding
from tests.analyzers.python.rules.family import marked, run_family

REGRESSIONS = Path(__file__).parents[3] / "regressions" / "concurrency"
CODES = tuple(rule.code for rule in CONCURRENCY_RULES)


def findings_for(code: str, path: str = "payments/ledger.py", config: Config | None = None) -> list[Finding]:
    return run_family(CONCURRENCY_RULES, code, path, config)


def codes_and_lines(code: str) -> list[tuple[str, int]]:
    return sorted((f.rule, f.line) for f in findings_for(code))


class TestRB5xxConcurrency:
    def test_the_family_registers_three_rules_sorted_by_code(self):
        assert CODES == ("RB501", "RB502", "RB503")


    def test_safe_lookalikes_produce_no_finding(self):
        source = (REGRESSIONS / "safe_lookalikes.py").read_text()
        assert [(f.rule, f.line, f.message) for f in findings_for(source)] == []


    def test_each_marked_race_is_reported_with_its_code_and_nothing_else(self):
        source = (REGRESSIONS / "races.py").read_text()
        expected = marked(source)
        assert len(expected) >= 18
        assert codes_and_lines(source) == expected


    def test_lost_update_message_names_the_object_and_field(self):
        findings = findings_for(
            """\
            def debit(wallet_id, amount_minor):
                wallet = Wallet.objects.get(pk=wallet_id)
                wallet.balance -= amount_minor
                wallet.save()
            """
        )
        assert [f.message for f in findings] == ["`wallet.balance` is written back from a value read without a row lock"]


    def test_a_django_write_that_is_never_saved_is_not_a_lost_update(self):
        assert codes_and_lines(
            """\
            def preview(wallet_id, amount_minor):
                wallet = Wallet.objects.get(pk=wallet_id)
                wallet.balance -= amount_minor
                return wallet
            """
        ) == []


    def test_a_reread_with_select_for_update_replaces_the_unlocked_read(self):
        assert codes_and_lines(
            """\
            def debit(wallet_id, amount_minor):
                wallet = Wallet.objects.get(pk=wallet_id)
                with transaction.atomic():
                    wallet = Wallet.objects.select_for_update().get(pk=wallet.pk)
                    wallet.balance -= amount_minor
                    wallet.save()
            """
        ) == []


    def test_a_locked_sqlalchemy_statement_variable_counts_as_a_lock(self):
        assert codes_and_lines(
            """\
            async def credit(session, account_id, amount_minor):
                stmt = select(Account).where(Account.id == account_id).with_for_update()
                account = (await session.execute(stmt)).scalar_one()
                account.balance += amount_minor
                await session.commit()
            """
        ) == []


    def test_a_sql_update_without_a_prior_select_is_not_judged_a_lost_update(self):
        assert codes_and_lines(
            """\
            def set_balance(cur, account_id, balance_minor):
                cur.execute("UPDATE accounts SET balance = %s WHERE id = %s", (balance_minor, account_id))
            """
        ) == []


    def test_an_unguarded_status_write_inside_a_status_check_is_check_then_act_not_unguarded(self):
        findings = findings_for(
            """\
            def capture(payment_id):
                payment = Payment.objects.get(pk=payment_id)
                if payment.status == "authorized":
                    payment.status = "captured"
                    payment.save()
            """
        )
        assert [(f.rule, f.line) for f in findings] == [("RB503", 4)]


    def test_an_update_that_guards_on_the_column_it_sets_is_guarded(self):
        assert codes_and_lines(
            """\
            def capture(cur, payment_id):
                cur.execute(
                    "UPDATE payments SET status = 'captured', captured_at = now() WHERE id = %s AND captured_at IS NULL",
                    (payment_id,),
                )
            """
        ) == []


    def test_a_status_update_on_a_non_payment_table_is_not_reported(self):
        assert codes_and_lines(
            """\
            def activate(cur, user_id):
                cur.execute("UPDATE users SET status = 'active' WHERE id = %s", (user_id,))
            """
        ) == []


    @pytest.mark.parametrize(
        "receiver",
        ["stripe.PaymentIntent", "self.psp", "gateway", "client.v1.refunds", "adyen.checkout.payments_api"],
    )
    def test_money_moving_calls_after_an_unlocked_check_are_reported_for_each_psp_receiver(self, receiver):
        findings = findings_for(
            f"""\
            def settle(payment):
                if payment.status == "authorized":
                    {receiver}.capture(payment.psp_reference)
            """
        )
        assert [(f.rule, f.line) for f in findings] == [("RB503", 3)]


    def test_django_manager_create_is_not_a_psp_call(self):
        assert codes_and_lines(
            """\
            def record(payment):
                if payment.status == "captured":
                    LedgerEntry.objects.create(payment=payment, amount_minor=payment.amount_minor)
            """
        ) == []


    def test_concurrency_rules_do_not_run_on_test_files_under_the_relaxed_policy(self):
        code = """\
        def test_debit(self, wallet_id):
            wallet = Wallet.objects.get(pk=wallet_id)
            wallet.balance -= 100
            wallet.save()
        """
        relaxed = findings_for(code, path="tests/test_wallet.py", config=Config(select=CODES))
        assert relaxed == []


EVIDENCE_MARK = re.compile(r"#\s*expect:\s*(RB5\d\d) (high|medium)")


def test_status_writes_are_reported_at_the_confidence_their_evidence_earns_and_safe_ones_not_at_all():
    source = (REGRESSIONS / "evidence.py").read_text()
    expected = sorted(
        (match.group(1), number, match.group(2))
        for number, line in enumerate(source.splitlines(), start=1)
        if (match := EVIDENCE_MARK.search(line))
    )
    assert len(expected) >= 8
    found = sorted((f.rule, f.line, f.confidence.value) for f in findings_for(source, path="payments/orders.py"))
    assert found == expected


def test_the_message_names_the_concurrent_writer_it_saw():
    [finding] = findings_for(
        """\
        @shared_task
        def fail_payout(payout_id):
            payout = Payout.objects.get(pk=payout_id)
            payout.status = "failed"
            payout.save()
        """
    )
    assert finding.message == "`payout.status` is overwritten and saved without checking its current value in task `fail_payout`"


def test_a_lock_taken_inside_an_atomic_block_no_longer_covers_writes_after_the_block():
    source = """\
        def settle(refund):
            with transaction.atomic():
                Payment.objects.select_for_update().get(pk=refund.payment_id)
                refund.state = "transit"
                refund.save()
            refund.state = "done"
            refund.save()
        """
    assert [(f.rule, f.line) for f in findings_for(source)] == [("RB502", 6)]


def test_a_function_called_both_with_and_without_the_callers_lock_is_not_covered():
    source = """\
        def _fail(refund):
            refund.state = "failed"
            refund.save()

        def fail_locked(refund_id):
            with transaction.atomic():
                refund = Refund.objects.select_for_update().get(pk=refund_id)
                _fail(refund)

        def fail_unlocked(refund):
            _fail(refund)
        """
    assert [(f.rule, f.line) for f in findings_for(source)] == [("RB502", 2)]


@pytest.mark.parametrize(
    ("header", "confidence"),
    [
        ('@router.post("/payments/{payment_id}/fail")\ndef fail(payment_id):', "high"),
        ("@dramatiq.actor\ndef fail(payment_id):", "high"),
        ("def stripe_webhook(payment_id):", "high"),
        ("def fail(request, payment_id):", "high"),
        ("class FailView(APIView):\n    def post(self, payment_id):", "high"),
        ("class PaymentService(LoggingMixin):\n    def update(self, payment_id):", "medium"),
        ("def fail(payment_id):", "medium"),
    ],
    ids=["route", "actor", "webhook", "function-view", "class-view", "service-method", "plain-function"],
)
def test_a_status_write_blocks_only_where_a_handler_task_or_webhook_runs_it(header, confidence):
    indent = "        " if header.startswith("class") else "    "
    body = "\n".join(
        indent + line
        for line in ('payment = Payment.objects.get(pk=payment_id)', 'payment.status = "failed"', "payment.save()")
    )
    [finding] = findings_for(f"{header}\n{body}\n")
    assert (finding.rule, finding.confidence.value) == ("RB502", confidence)
