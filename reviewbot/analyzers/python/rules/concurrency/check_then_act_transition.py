"""RB503 check-then-act-transition: acting on a payment status checked on a row that is not locked."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.names import string_value
from reviewbot.analyzers.python.rules.concurrency._chains import (
    Read,
    ReadKind,
    is_payment_status,
    is_status_name,
    mentions_status,
)
from reviewbot.analyzers.python.rules.concurrency._facts import (
    AttrWrite,
    Bind,
    Commit,
    FlowRule,
    MoneyCall,
    Save,
    Scope,
    Sql,
    flush_durable,
    is_copy_marker,
    with_lock_state,
)
from reviewbot.analyzers.python.rules.concurrency._module import facts_for, looks_like_orm
from reviewbot.analyzers.python.rules.concurrency._sql import identifiers
from reviewbot.analyzers.python.rules.concurrency._updates import QueryUpdate
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good


class CheckThenActTransition(FlowRule):
    code = "RB503"
    name = "check-then-act-transition"
    family = Family.CONCURRENCY
    severity = Severity.ERROR
    summary = "A PSP call or status change is guarded by a status check on a row that is not locked."
    rationale = (
        "`if payment.status == \"authorized\": capture()` is safe only if nobody else can change the "
        "status between the check and the act. Two workers, a retried job or a user double-click "
        "both see `authorized` and both capture or refund; a late webhook sees a stale status and "
        "moves money on it. Without a row lock, or a conditional update whose rows-affected count "
        "decides who acts, the check proves nothing."
    )
    help = (
        "Read the row with select_for_update()/with_for_update() inside the transaction, or claim "
        "the transition first with a conditional update (`filter(pk=..., status=\"authorized\")"
        ".update(status=\"capturing\")`, `UPDATE ... AND status = 'authorized'`) and act only when "
        "it affected one row."
    )
    references = (
        "https://docs.djangoproject.com/en/5.0/ref/models/querysets/#select-for-update",
        "https://docs.sqlalchemy.org/en/20/orm/queryguide/query.html#sqlalchemy.orm.Query.with_for_update",
    )
    evidence = (
        Evidence(
            Confidence.HIGH,
            "a PSP call that moves money runs after a status check on a row that is not locked; or a status "
            "write or payment-row insert follows such a check in code another actor races (a request handler, "
            "task or webhook receiver, a same-module function they call, or code that calls the PSP)",
        ),
        Evidence(
            Confidence.MEDIUM,
            "a status write or payment-row insert follows an unlocked check, but nothing in the file shows a "
            "concurrent writer",
        ),
    )
    triggers = ("status", "state")
    examples = (
        Bad(
            """\
def capture_payment(payment_id: str) -> None:
    payment = Payment.objects.get(pk=payment_id)
    if payment.status == "authorized":
        stripe.PaymentIntent.capture(payment.psp_reference, idempotency_key=f"capture:{payment.id}")
        payment.status = "captured"
        payment.save()
""",
            line=4,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
def refund(payment: Payment, amount_minor: int) -> None:
    if payment.status != "captured":
        raise InvalidTransition(payment.status, "refunded")
    gateway.refund(payment.psp_reference, amount_minor, idempotency_key=f"refund:{payment.id}")
""",
            line=4,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
async def void_payment(session: AsyncSession, payment_id: str) -> None:
    payment = await session.get(Payment, payment_id)
    if payment.status == PaymentStatus.AUTHORIZED:
        payment.status = PaymentStatus.VOIDED
        await session.commit()
""",
            line=4,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
from rest_framework import viewsets
from rest_framework.decorators import action


class RefundViewSet(viewsets.ModelViewSet):
    @action(detail=True, methods=["POST"])
    def cancel(self, request, pk=None):
        refund = self.get_object()
        if refund.status != "pending":
            return Response(status=400)
        refund.status = "canceled"
        refund.save()
        return Response(status=204)
""",
            line=11,
            confidence=Confidence.HIGH,
        ),
        Good(
            """\
from django.db import transaction


def capture_payment(payment_id: str) -> None:
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status == "authorized":
            psp.capture(payment.psp_reference, idempotency_key=f"capture:{payment.id}")
            payment.status = "captured"
            payment.save()
"""
        ),
        Good(
            """\
def capture_payment(payment_id: str) -> None:
    payment = Payment.objects.get(pk=payment_id)
    if payment.status != "authorized":
        return
    claimed = Payment.objects.filter(pk=payment.pk, status="authorized").update(status="capturing")
    if claimed == 1:
        psp.capture(payment.psp_reference, idempotency_key=f"capture:{payment.id}")
"""
        ),
        Good(
            """\
def approve_free_order(order: Order) -> None:
    if order.status != "pending":
        raise InvalidTransition(order.status, "paid")
    order.payments.create(provider="free", amount=0, state="created")
"""
        ),
        Good(
            """\
def capture_if_ready(intent_id: str) -> None:
    intent = stripe.PaymentIntent.retrieve(intent_id)
    if intent.status == "requires_capture":
        stripe.PaymentIntent.capture(intent_id, idempotency_key=f"capture:{intent_id}")
"""
        ),
        Good(
            """\
def send_payout(payout: Payout) -> None:
    with redis_client.lock(f"payout:{payout.id}", timeout=30):
        payout.refresh_from_db()
        if payout.status == "pending":
            psp.payout(payout.destination, payout.amount_minor, idempotency_key=f"payout:{payout.id}")
"""
        ),
    )

    def check(self, scope: Scope) -> None:
        if scope.explicit_lock or _claims_with_conditional_update(scope):
            return
        facts = facts_for(self.ctx)
        racer = facts.racer(scope.node)
        reads: dict[str, Read] = {}
        fresh: set[str] = set()
        pending: dict[str, list[AttrWrite]] = {}

        def report(write: AttrWrite) -> None:
            self._report_write(write, racer)

        for event, held in with_lock_state(scope, id(scope.node) in facts.locked):
            if isinstance(event, Bind):
                reads.pop(event.var, None)
                fresh.discard(event.var)
                if event.read is not None:
                    reads[event.var] = event.read
                elif event.fresh:
                    fresh.add(event.var)
            elif isinstance(event, MoneyCall):
                if held or self._moves_no_money(event.node):
                    continue
                unlocked = sorted(
                    obj for obj in event.guards if obj not in fresh and _is_unlocked(obj, reads, scope)
                )
                if unlocked:
                    self._report_call(event, unlocked[0], racer)
            elif isinstance(event, AttrWrite):
                if is_copy_marker(event):
                    fresh.add(event.obj)
                elif (
                    not held
                    and not event.augmented
                    and event.obj not in fresh
                    and is_payment_status(event.attr)
                    and event.obj in event.guards
                    and _is_unlocked(event.obj, reads, scope)
                ):
                    read = reads.get(event.obj)
                    if read is not None and read.kind is ReadKind.SQLALCHEMY:
                        report(event)
                    else:
                        pending.setdefault(event.obj, []).append(event)
            elif isinstance(event, (Save, Commit)):
                flush_durable(event, pending, report)

    def _moves_no_money(self, call: cst.Call) -> bool:
        """`order.payments.create(amount=0, ...)`: a zero-amount row moves no money."""
        return any(
            arg.keyword is not None and self.config.is_money_name(arg.keyword.value) and is_zero(arg.value)
            for arg in call.args
        )

    def _report_call(self, event: MoneyCall, obj: str, racer: str) -> None:
        what = f"`{event.name}` runs after checking `{obj}`'s status on a row that is not locked"
        if not looks_like_orm(event.node):
            self.report(event.node, f"{what}: the PSP moves money on a status another request may have changed")
        elif racer:
            self.report(event.node, f"{what}, in {racer}")
        else:
            self.report(event.node, f"{what}; no handler, task or PSP call shows a concurrent writer",
                        confidence=Confidence.MEDIUM)

    def _report_write(self, write: AttrWrite, racer: str) -> None:
        what = f"`{write.obj}.{write.attr}` is changed after a check on a row that is not locked"
        if racer:
            self.report(write.node, f"{what}, in {racer}")
        else:
            self.report(write.node, f"{what}; no handler, task or PSP call shows a concurrent writer",
                        confidence=Confidence.MEDIUM)


def is_zero(node: cst.BaseExpression) -> bool:
    """`0`, `0.00`, `"0"`, `Decimal("0.00")`."""
    if isinstance(node, cst.Call) and len(node.args) == 1:
        node = node.args[0].value
    if isinstance(node, (cst.Integer, cst.Float)):
        return float(node.value.replace("_", "")) == 0
    text = string_value(node)
    return text is not None and text.strip().replace(".", "").strip("0") == "" and text.strip() != ""


def _is_unlocked(obj: str, reads: dict[str, Read], scope: Scope) -> bool:
    read = reads.get(obj)
    if read is not None:
        return not read.locked
    return obj in scope.params


def _claims_with_conditional_update(scope: Scope) -> bool:
    """A status-guarded update whose rows-affected count is looked at decides who acts."""
    for event in scope.events:
        if isinstance(event, QueryUpdate):
            if any(mentions_status(c) for c in event.conditions) and (event.result_used or scope.reads_rowcount):
                return True
        elif isinstance(event, Sql) and event.update is not None:
            guarded = any(is_status_name(name) for name in identifiers(event.update.where))
            if guarded and (scope.reads_rowcount or event.update.returning):
                return True
    return False
