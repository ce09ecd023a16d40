"""RB201 bare-except: an `except:` clause that catches everything, interpreter exits included."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.core.findings import Severity
from reviewbot.core.rules import Bad, Family, Good


class BareExcept(PythonRule):
    code = "RB201"
    name = "bare-except"
    family = Family.EXCEPTIONS
    severity = Severity.ERROR
    summary = "A bare `except:` clause catches every exception, including KeyboardInterrupt and SystemExit."
    rationale = (
        "`except:` catches BaseException: a worker being shut down mid-capture, a Ctrl-C, a "
        "`sys.exit()` from a signal handler and every programming error all land in the same "
        "branch. Around a charge or a ledger write that branch usually marks the payment failed "
        "or retries it, so a deploy that stops a worker can charge a customer twice or leave a "
        "captured payment recorded as failed. A bare clause that only cleans up and ends in a bare "
        "`raise` keeps the error flowing, so it is reported as a warning rather than an error."
    )
    help = (
        "Catch the exceptions you expect (`stripe.error.CardError`, `httpx.TimeoutException`); "
        "if you really mean everything, write `except BaseException:` and re-raise."
    )
    references = (
        "https://docs.python.org/3/library/exceptions.html#exception-hierarchy",
        "https://docs.astral.sh/ruff/rules/bare-except/",
    )
    examples = (
        Bad(
            """\
            def capture(payment):
                try:
                    stripe.PaymentIntent.capture(payment.intent_id, idempotency_key=f"capture:{payment.id}")
                except:
                    payment.status = "capture_failed"
                payment.save()
            """,
            line=4,
        ),
        Bad(
            """\
            def parse_amount_minor(raw):
                try:
                    return int(raw)
                except:
                    return 0
            """,
            line=4,
        ),
        Bad(
            """\
            def post_ledger_entry(session, entry):
                try:
                    session.add(entry)
                    session.commit()
                except:
                    session.rollback()
                    raise
            """,
            line=5,
        ),
        Good(
            """\
            def parse_amount_minor(raw: str) -> int | None:
                try:
                    return int(raw)
                except ValueError:
                    return None
            """
        ),
        Good(
            """\
            def post_ledger_entry(session, entry):
                try:
                    session.add(entry)
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
            """
        ),
        Good(
            """\
            def refund(charge_id, amount_minor):
                try:
                    return stripe.Refund.create(charge=charge_id, amount=amount_minor)
                except stripe.error.StripeError:
                    logger.exception("refund of %s failed", charge_id)
                    raise
            """
        ),
    )
    triggers = ("except",)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.type is not None:
            return
        if _ends_in_bare_raise(node.body):
            self.report(
                node,
                "bare `except:` also catches KeyboardInterrupt and SystemExit",
                severity=Severity.WARNING,
            )
        else:
            self.report(node, "bare `except:` catches every error, KeyboardInterrupt and SystemExit included")


def _ends_in_bare_raise(body: cst.BaseSuite) -> bool:
    last: cst.CSTNode | None = body.body[-1] if body.body else None
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1] if last.body else None
    return isinstance(last, cst.Raise) and last.exc is None
