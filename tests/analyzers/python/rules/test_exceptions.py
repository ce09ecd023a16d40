"""RB2xx exceptions rules: regression suites of safe look-alikes and tricky bad cases, plus edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewbot.analyzers.python.rules.exceptions import EXCEPTIONS_RULES
from reviewbot.config import Config, IdempotencyConfig, PspCall
from reviewbot.core.findings import Confidence, Finding, Severity
from tests.analyzers.python.rules.family import marked, run_family

REGRESSIONS = Path(__file__).parents[3] / "regressions" / "exceptions"
CODES = tuple(rule.code for rule in EXCEPTIONS_RULES)


def findings_for(code: str, path: str = "payments/service.py", config: Config | None = None) -> list[Finding]:
    return run_family(EXCEPTIONS_RULES, code, path, config)


def codes_and_lines(
    code: str, path: str = "payments/service.py", config: Config | None = None
) -> list[tuple[str, int]]:
    return sorted((f.rule, f.line) for f in findings_for(code, path, config))


class TestRB2xxFamily:
    def test_the_family_registers_five_rules_sorted_by_code(self):
        assert CODES == ("RB201", "RB202", "RB203", "RB204", "RB205")

    def test_safe_lookalikes_produce_no_finding(self):
        source = (REGRESSIONS / "safe_lookalikes.py").read_text()
        findings = findings_for(source)
        assert [(f.rule, f.line, f.message) for f in findings] == []

    def test_each_marked_bad_case_is_reported_with_its_code_and_nothing_else(self):
        source = (REGRESSIONS / "swallowed.py").read_text()
        expected = marked(source)
        assert len(expected) >= 20
        assert codes_and_lines(source) == expected


class TestRB201BareExcept:
    def test_bare_except_that_reraises_is_only_a_warning(self):
        findings = findings_for(
            """\
            def post(session, entry):
                try:
                    session.commit()
                except:
                    session.rollback()
                    raise
            """
        )
        assert [(f.rule, f.severity) for f in findings] == [("RB201", Severity.WARNING)]

    def test_bare_except_is_not_also_reported_as_a_swallowed_broad_exception(self):
        assert codes_and_lines(
            """\
            try:
                charge()
            except:
                pass
            """
        ) == [("RB201", 3)]


class TestRB202SwallowedBroadException:
    def test_swallowed_broad_exception_message_names_the_class_and_the_body(self):
        (finding,) = findings_for(
            """\
            def balance(account):
                try:
                    return ledger.balance_of(account)
                except BaseException:
                    return None
            """
        )
        assert finding.rule == "RB202"
        assert finding.message == (
            "`except BaseException` swallows the error: the handler only does `return None`, "
            "around money value `balance()`"
        )
        assert finding.confidence is Confidence.MEDIUM
        assert (finding.line, finding.span.column) == (4, 12)

    def test_print_and_traceback_count_as_leaving_a_trace_for_broad_handlers(self):
        assert (
            codes_and_lines(
                """\
            import sys
            import traceback

            def a(order):
                try:
                    sync(order)
                except Exception:
                    print("sync failed", file=sys.stderr)

            def b(order):
                try:
                    sync(order)
                except Exception:
                    traceback.print_exc()
            """
            )
            == []
        )

    @pytest.mark.parametrize(("receiver", "expected"), [("logger", [("RB205", 5)]), ("catalog", [])])
    def test_only_a_logger_receiver_makes_a_call_count_as_logging(self, receiver, expected):
        source = f"""\
    def refund_all(refunds):
        for refund in refunds:
            try:
                stripe.Refund.create(charge=refund.charge_id, idempotency_key=refund.key)
            except stripe.error.StripeError:
                {receiver}.error("refund failed")
                continue
    """
        assert codes_and_lines(source) == expected


class TestRB203SuppressedBroadException:
    def test_suppress_broad_is_reported_in_every_import_form(self):
        source = """\
            import contextlib
            import contextlib as cl
            from contextlib import suppress
            from contextlib import suppress as ignoring

            def a():
                with contextlib.suppress(Exception):
                    notify()

            def b():
                with cl.suppress(ValueError, BaseException):
                    notify()

            def c():
                with suppress(Exception):
                    notify()

            def d(stack):
                stack.enter_context(ignoring(Exception))
            """
        assert codes_and_lines(source) == [("RB203", 7), ("RB203", 11), ("RB203", 15), ("RB203", 19)]

    def test_a_local_function_named_suppress_is_not_contextlib(self):
        assert (
            codes_and_lines(
                """\
            def suppress(*errors):
                return Guard(errors)

            def a():
                with suppress(Exception):
                    notify()
            """
            )
            == []
        )

    def test_narrow_suppress_is_reported_only_around_a_money_movement(self):
        source = """\
            from contextlib import suppress

            def refund(charge_id):
                with suppress(KeyError):
                    stripe.Refund.create(charge=charge_id, idempotency_key=f"refund:{charge_id}")

            def receipt(path):
                with suppress(FileNotFoundError):
                    os.remove(path)
            """
        (finding,) = findings_for(source)
        assert finding.rule == "RB203"
        assert finding.line == 4
        assert "`stripe.Refund.create`" in finding.message

    def test_configured_psp_calls_count_as_money_movements(self):
        config = Config(
            select=CODES,
            test_policy="strict",
            idempotency=IdempotencyConfig(psp_calls=(PspCall(call="acme_pay.Client.submit"),)),
        )
        source = """\
            from contextlib import suppress

            def submit(order):
                with suppress(ValueError):
                    acme_pay.Client.submit(order.total_minor)
            """
        assert codes_and_lines(source) == []
        assert codes_and_lines(source, config=config) == [("RB203", 4)]

    def test_orm_writes_named_like_payments_are_not_money_movements(self):
        assert (
            codes_and_lines(
                """\
            from contextlib import suppress

            def record(payment):
                with suppress(IntegrityError):
                    Refund.objects.create(payment=payment, amount_minor=payment.amount_minor)
            """
            )
            == []
        )


class TestRB204JumpInFinally:
    def test_return_in_finally_message_and_position(self):
        (finding,) = findings_for(
            """\
            def refund(payment):
                try:
                    gateway.refund(payment.charge_id)
                finally:
                    return payment.status
            """
        )
        assert (finding.rule, finding.line, finding.span.column) == ("RB204", 5, 9)
        assert finding.message == (
            "`return` in `finally` discards any exception being raised, from a block that moves money with "
            "`gateway.refund`"
        )
        assert finding.confidence is Confidence.HIGH

    def test_jump_in_nested_finally_is_reported_once(self):
        assert codes_and_lines(
            """\
            def settle(batch):
                try:
                    ledger.open()
                finally:
                    try:
                        ledger.post_all(batch)
                    finally:
                        return None
            """
        ) == [("RB204", 8)]

    def test_continue_in_finally_of_a_try_inside_a_loop_is_reported(self):
        assert codes_and_lines(
            """\
            def payouts(jobs):
                for job in jobs:
                    try:
                        send(job)
                    finally:
                        continue
            """
        ) == [("RB204", 6)]

    def test_jump_in_a_class_defined_in_finally_is_not_reported(self):
        assert (
            codes_and_lines(
                """\
            def settle(batch):
                try:
                    ledger.post_all(batch)
                finally:
                    class Report:
                        def size(self):
                            return len(batch)
                    emit(Report())
            """
            )
            == []
        )


class TestRB205SwallowedPspError:
    def test_psp_handler_that_only_logs_is_a_warning_and_a_silent_one_an_error(self):
        findings = findings_for(
            """\
            def charge(order):
                try:
                    stripe.Charge.create(amount=order.total_minor, currency="usd", source=order.token)
                except stripe.error.CardError:
                    logger.info("card declined for %s", order.id)
                    return None
                except stripe.error.APIConnectionError:
                    return None
            """
        )
        assert [(f.rule, f.line, f.severity) for f in findings] == [
            ("RB205", 4, Severity.WARNING),
            ("RB205", 7, Severity.ERROR),
        ]
        assert findings[1].message == (
            "`except stripe.error.APIConnectionError` around `stripe.Charge.create` swallows the failure: "
            "the handler only does `return None`"
        )

    def test_psp_error_imported_by_name_is_resolved_through_imports(self):
        assert codes_and_lines(
            """\
            from stripe import StripeError as ProviderFailure

            def capture(intent):
                try:
                    intent.capture(idempotency_key=f"capture:{intent.id}")
                except ProviderFailure:
                    pass
            """
        ) == [("RB205", 6)]

    def test_psp_handler_around_a_call_in_a_nested_function_is_not_reported(self):
        assert (
            codes_and_lines(
                """\
            def schedule(order):
                try:
                    def job():
                        stripe.Charge.create(amount=order.total_minor, currency="usd")
                    queue.put(job)
                except stripe.error.StripeError:
                    pass
            """
            )
            == []
        )

    @pytest.mark.parametrize(
        "body",
        ["raise", "raise PaymentFailed(order.id) from err", "order.status = 'failed'", "return decline(err)"],
    )
    def test_psp_handler_that_reraises_returns_or_records_is_fine(self, body):
        source = f"""\
    def charge(order):
        try:
            stripe.PaymentIntent.create(amount=order.total_minor, currency="eur", idempotency_key=order.key)
        except stripe.error.CardError as err:
            {body}
    """
        assert codes_and_lines(source) == []


class TestRB2xxTestPolicy:
    def test_exception_rules_stay_silent_on_test_code_under_the_relaxed_policy(self):
        source = """\
            def test_charge_tolerates_outage(self):
                try:
                    stripe.Charge.create(amount=100, currency="usd")
                except:
                    pass
            """
        relaxed = Config(select=CODES)
        assert findings_for(source, path="tests/test_charges.py", config=relaxed) == []
        assert codes_and_lines(source, path="tests/test_charges.py") == [("RB201", 4)]


# The confidence follows what the guarded block does with money, not which class is caught.
EXCEPTION_CONFIDENCE = {
    "bare except that re-raises as another type": (
        """\
        def parse_voucher(code):
            try:
                return Voucher.decode(code)
            except:
                raise ValidationError("invalid voucher")
        """,
        "RB201", 4, "low",
    ),
    "bare except around a thumbnail, logged": (
        """\
        def thumbnail(path):
            try:
                return render_thumbnail(path, (64, 64))
            except:
                logger.exception("thumbnail failed")
                return DEFAULT_IMAGE
        """,
        "RB201", 4, "low",
    ),
    "bare except that makes up an amount later stored": (
        """\
        def import_rows(rows, job):
            for row in rows:
                try:
                    amount = Decimal(row["amount"])
                except:
                    logger.exception("bad amount")
                    amount = Decimal("0.00")
                StatementLine(job=job, amount=amount).save()
        """,
        "RB201", 5, "high",
    ),
    "bare except next to a handler for a PSP error": (
        """\
        def run(job):
            try:
                dispatch(job)
            except GatewayError:
                job.retry()
            except:
                job.mark_failed()
        """,
        "RB201", 6, "high",
    ),
    "broad pass around a method of this class that marks a payment": (
        """\
        class Processor:
            def process(self, event):
                try:
                    self._apply(event)
                except Exception:
                    pass

            def _apply(self, event):
                self._payments.mark_succeeded(event.payment_id)
        """,
        "RB202", 5, "high",
    ),
    "broad pass around rendering export details": (
        """\
        def export_row(obj):
            details = ""
            try:
                details = obj.provider.render_short(obj)
            except Exception:
                pass
            return [obj.id, details]
        """,
        "RB202", 5, "low",
    ),
    "project payment exception around the provider, silent": (
        """\
        from shop.payments import PaymentException

        def retry(provider, payment):
            try:
                provider.execute_payment(payment)
            except PaymentException:
                pass
        """,
        "RB205", 6, "medium",
    ),
    "return in finally around a template render": (
        """\
        def render_box(template, ctx):
            try:
                ctx["card"] = load_card(ctx)
            finally:
                return template.render(ctx)
        """,
        "RB204", 5, "low",
    ),
}


@pytest.mark.parametrize(("source", "rule", "line", "level"), EXCEPTION_CONFIDENCE.values(), ids=EXCEPTION_CONFIDENCE.keys())
def test_confidence_follows_what_the_guarded_block_does(source, rule, line, level):
    found = [(f.rule, f.line, f.confidence.value) for f in findings_for(source)]
    assert (rule, line, level) in found, found


def test_a_weak_provider_call_under_a_psp_handler_is_medium():
    (finding,) = findings_for(
        """\
        def register_domain(domain):
            try:
                stripe.ApplePayDomain.create(domain_name=domain)
            except stripe.error.StripeError:
                logger.warning("could not register %s", domain)
        """
    )
    assert (finding.rule, finding.severity, finding.confidence) == ("RB205", Severity.WARNING, Confidence.MEDIUM)
