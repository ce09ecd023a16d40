"""RB202 swallowed-broad-exception: `except Exception` whose body leaves no trace of the error."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.exceptions.effects import block_effect
from reviewbot.analyzers.python.rules.exceptions.handlers import (
    BodyKind,
    broad_name,
    caught_names,
    describe_body,
    is_benign_try_body,
    judge_body,
)
from reviewbot.analyzers.python.rules.exceptions.money_calls import first_money_call
from reviewbot.analyzers.python.rules.exceptions.money_values import (
    is_webhook_acknowledgement,
    money_value_in,
)
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good


class SwallowedBroadException(PythonRule):
    code = "RB202"
    name = "swallowed-broad-exception"
    family = Family.EXCEPTIONS
    severity = Severity.ERROR
    summary = (
        "A handler for Exception or BaseException neither re-raises, logs nor returns an error: "
        "its body is only pass, `...`, continue, break or a constant return."
    )
    rationale = (
        "A broad handler that does nothing turns a declined card, a PSP timeout, a broken ledger "
        "write and a plain bug into the same silent success. The caller goes on as if the money "
        "moved (or did not), and nobody learns why the books disagree. Only bodies made of `pass`, "
        "`...`, `continue`, `break`, a bare `return` or a return of a constant that says nothing "
        'about the failure (`None`, `False`, `0`, `{}`, `{"ok": False}`, `Decimal("0")`, an '
        "UPPER_CASE default, a 2xx response) are reported. Logging at any level (logging, "
        "structlog, loguru, `print`, `traceback.print_exc`, Sentry's capture_exception/"
        "capture_message) counts as handling here, because the error leaves a trace; whether a "
        "log is enough around a money movement is RB205's question. Any other statement "
        "(recording a status, a metric, a call) is taken as deliberate. Best-effort clean-up "
        "(a try body of only `close()`/`unlink()`/`rollback()`-style calls that move no money), "
        "optional imports and `__del__` are exempt."
    )
    help = (
        "Catch the narrowest exception you expect, or log it with `logger.exception(...)` and re-raise "
        "or return an explicit error result."
    )
    references = (
        "https://docs.astral.sh/ruff/rules/try-except-pass/",
        "https://docs.astral.sh/ruff/rules/blind-except/",
        "https://docs.python.org/3/tutorial/errors.html#handling-exceptions",
    )
    evidence = (
        Evidence(
            Confidence.HIGH,
            "the try body moves money or writes payment state (a PSP call, `payment.save()`, "
            "`order.payments.create(...)`, an UPDATE of a payments table; also one or two calls deep in this "
            "module), or a webhook endpoint answers 2xx for the failure so the PSP never redelivers the event",
        ),
        Evidence(
            Confidence.MEDIUM,
            "the try body computes or returns a money value (`ledger.balance_of(...)` in `available_balance_minor`) "
            "without moving or storing it",
        ),
        Evidence(Confidence.LOW, "nothing in the try body touches money (templates, files, parsing, metrics)"),
    )
    examples = (
        Bad(
            """\
            def sync_payout_status(payout):
                try:
                    remote = stripe.Payout.retrieve(payout.provider_id)
                    payout.status = remote.status
                    payout.save()
                except Exception:
                    pass
            """,
            line=6,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            def available_balance_minor(account_id: str) -> int:
                try:
                    return ledger.balance_of(account_id)
                except Exception:
                    return 0
            """,
            line=4,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
            def settle_batch(transfers):
                for transfer in transfers:
                    try:
                        post_to_ledger(transfer)
                    except (LedgerConflict, Exception):
                        continue
            """,
            line=5,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            @csrf_exempt
            def stripe_webhook(request):
                try:
                    handle_event(request.body, request.headers["Stripe-Signature"])
                except BaseException:
                    return HttpResponse(status=200)
                return HttpResponse(status=200)
            """,
            line=5,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
            def thumbnail(image_path):
                try:
                    return render_thumbnail(image_path, size=(120, 120))
                except Exception:
                    return None
            """,
            line=4,
            confidence=Confidence.LOW,
        ),
        Good(
            """\
            def sync_payout_status(payout):
                try:
                    remote = stripe.Payout.retrieve(payout.provider_id)
                except Exception:
                    logger.warning("payout %s: status sync failed", payout.id, exc_info=True)
                    return
                payout.status = remote.status
                payout.save()
            """
        ),
        Good(
            """\
            def available_balance_minor(account_id: str) -> int:
                try:
                    return ledger.balance_of(account_id)
                except Exception as err:
                    raise BalanceUnavailable(account_id) from err
            """
        ),
        Good(
            """\
            @csrf_exempt
            def stripe_webhook(request):
                try:
                    handle_event(request.body, request.headers["Stripe-Signature"])
                except Exception:
                    sentry_sdk.capture_exception()
                    return HttpResponse(status=500)
                return HttpResponse(status=200)
            """
        ),
        Good(
            """\
            def close_psp_session(session):
                try:
                    session.close()
                except Exception:
                    pass
            """
        ),
        Good(
            """\
            def quote(order):
                try:
                    return fx.convert(order.amount_minor, order.currency)
                except Exception:
                    return {"error": "fx_unavailable"}
            """
        ),
    )
    triggers = ("except",)

    def visit_Try(self, node: cst.Try) -> None:
        self._check(node.body, node.handlers)

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self._check(node.body, node.handlers)

    def _check(
        self, body: cst.BaseSuite, handlers: Sequence[cst.ExceptHandler | cst.ExceptStarHandler]
    ) -> None:
        for handler in handlers:
            if handler.type is None:
                continue  # RB201's case
            broad = broad_name(caught_names(handler, self.ctx.imports))
            if broad is None or judge_body(handler.body) is not BodyKind.SILENT:
                continue
            if self._in_finalizer() or (
                is_benign_try_body(body) and first_money_call(body, self.ctx.imports, self.config) is None
            ):
                continue
            level, why = self._evidence(body, handler)
            self.report(
                handler.type,
                f"`except {broad}` swallows the error: the handler only does "
                f"`{describe_body(handler.body, self.ctx.module)}`{why}",
                confidence=level,
            )

    def _evidence(
        self, body: cst.BaseSuite, handler: cst.ExceptHandler | cst.ExceptStarHandler
    ) -> tuple[Confidence, str]:
        owner = self.ctx.enclosing(cst.ClassDef)
        effect = block_effect(body, self.ctx, enclosing=owner if isinstance(owner, cst.ClassDef) else None)
        if effect is not None:
            return Confidence.HIGH, f", around code that {effect.describe()}"
        function = self.ctx.enclosing_function()
        if function is not None and is_webhook_acknowledgement(function, handler.body):
            return Confidence.HIGH, f", answering success from webhook `{function.name.value}`: the PSP never redelivers"
        money = money_value_in(body, self.config, self.ctx.enclosing_function())
        if money is not None:
            return Confidence.MEDIUM, f", around money value `{money}`"
        return Confidence.LOW, ""

    def _in_finalizer(self) -> bool:
        function = self.ctx.enclosing_function()
        return function is not None and function.name.value == "__del__"
