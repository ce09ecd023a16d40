"""RB502 unguarded-status-transition: a payment status written without checking the status it replaces."""

from __future__ import annotations

import libcst as cst

from reviewbot.analyzers.python.rules.concurrency._chains import (
    Read,
    ReadKind,
    is_payment_name,
    is_payment_status,
    is_status_name,
    mentions_any,
    mentions_status,
)
from reviewbot.analyzers.python.rules.concurrency._facts import (
    AttrWrite,
    Bind,
    Commit,
    FlowRule,
    Save,
    Scope,
    Sql,
    StatusCheck,
    flush_durable,
    is_copy_marker,
    with_lock_state,
)
from reviewbot.analyzers.python.rules.concurrency._module import facts_for
from reviewbot.analyzers.python.rules.concurrency._sql import identifiers, is_key_only
from reviewbot.analyzers.python.rules.concurrency._updates import QueryUpdate
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good


class UnguardedStatusTransition(FlowRule):
    code = "RB502"
    name = "unguarded-status-transition"
    family = Family.CONCURRENCY
    severity = Severity.ERROR
    summary = "A payment's status is overwritten without a condition on the status it replaces."
    rationale = (
        "A transition such as authorized -> captured is only valid from one state. An update keyed "
        "on the id alone also succeeds on a payment another request has just refunded, voided or "
        "captured: a refunded payment flips back to captured, a webhook arriving late undoes a "
        "newer state, and both sides of a race believe they won. The guard belongs in the write "
        "itself (`WHERE id = %s AND status = 'authorized'`) or under a row lock."
    )
    help = (
        "Put the expected current status in the update's condition (`AND status = 'authorized'`, "
        "`.filter(pk=..., status=...)`, `.where(Payment.status == ...)`) and check the rows affected, "
        "or read the row with select_for_update() and check its status before writing."
    )
    references = (
        "https://docs.djangoproject.com/en/5.0/ref/models/querysets/#update",
        "https://vladmihalcea.com/race-condition/",
    )
    evidence = (
        Evidence(
            Confidence.HIGH,
            "a payment table's status column is written with no condition on its current value (SQL "
            "`UPDATE payments SET status`, a bulk `update()` of a payment model), or a payment object's status "
            "is saved unchecked in code another actor races: a request handler, task or webhook receiver, a "
            "same-module function they call, or code that calls the PSP",
        ),
        Evidence(
            Confidence.MEDIUM,
            "an object named like a payment, order or refund has its status saved unchecked, but nothing in the "
            "file shows a concurrent writer",
        ),
    )
    triggers = ("status", "state")
    examples = (
        Bad(
            """\
def mark_captured(cur, payment_id: str) -> None:
    cur.execute("UPDATE payments SET status = 'captured' WHERE id = %s", (payment_id,))
""",
            line=2,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
from sqlalchemy import update


def mark_refunded(session: Session, payment_id: str) -> None:
    session.execute(
        update(Payment).where(Payment.id == payment_id).values(status=PaymentStatus.REFUNDED)
    )
    session.commit()
""",
            line=6,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
def fail_payment(payment_id: str) -> None:
    Payment.objects.filter(id=payment_id).update(status="failed")
""",
            line=2,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
def refund_payment(payment_id: str) -> None:
    payment = Payment.objects.get(pk=payment_id)
    payment.status = "refunded"
    payment.save(update_fields=["status"])
""",
            line=3,
            confidence=Confidence.MEDIUM,
        ),
        Bad(
            """\
from celery import shared_task


@shared_task
def expire_payment(payment_id: str) -> None:
    payment = Payment.objects.get(pk=payment_id)
    payment.status = "expired"
    payment.save(update_fields=["status"])
""",
            line=7,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
import stripe


def sync_from_intent(payment: Payment) -> None:
    intent = stripe.PaymentIntent.retrieve(payment.intent_id)
    if intent.status == "processing":
        payment.state = "pending"
        payment.save()
""",
            line=7,
            confidence=Confidence.HIGH,
        ),
        Good(
            """\
def mark_captured(cur, payment_id: str) -> None:
    cur.execute(
        "UPDATE payments SET status = 'captured' WHERE id = %s AND status = 'authorized'",
        (payment_id,),
    )
    if cur.rowcount != 1:
        raise InvalidTransition(payment_id, "captured")
"""
        ),
        Good(
            """\
def capture(payment_id: str) -> None:
    updated = Payment.objects.filter(id=payment_id, status="authorized").update(status="capturing")
    if not updated:
        raise InvalidTransition(payment_id, "capturing")
"""
        ),
        Good(
            """\
from django.db import transaction


def refund_payment(payment_id: str) -> None:
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != "captured":
            raise InvalidTransition(payment.status, "refunded")
        payment.status = "refunded"
        payment.save(update_fields=["status"])
"""
        ),
        Good(
            """\
from sqlalchemy import update


def mark_refunded(session: Session, payment_id: str) -> None:
    result = session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status == PaymentStatus.CAPTURED)
        .values(status=PaymentStatus.REFUNDED)
    )
    if result.rowcount != 1:
        raise InvalidTransition(payment_id, "refunded")
"""
        ),
        Good(
            """\
from django.db import transaction


@transaction.atomic
def fail_refund(refund: Refund) -> None:
    Payment.objects.select_for_update().get(pk=refund.payment_id)
    refund.status = "failed"
    refund.save()
"""
        ),
        Good(
            """\
from django.db import transaction


def _mark_failed(refund: Refund) -> None:
    refund.status = "failed"
    refund.save()


def fail_refund(refund_id: int) -> None:
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        _mark_failed(refund)
"""
        ),
        Good(
            """\
def split_order(order: Order) -> Order:
    new_order = Order.objects.get(pk=order.pk)
    new_order.pk = None
    new_order.status = "pending"
    new_order.save()
    return new_order
"""
        ),
        Good(
            """\
def start_refund(payment: Payment, amount_minor: int) -> Refund:
    refund = Refund(payment=payment, amount_minor=amount_minor)
    refund.status = "created"
    refund.save()
    return refund
"""
        ),
        Good(
            """\
def fill_sender(invoice: Invoice, settings: Settings) -> None:
    invoice.invoice_from_state = settings.address_state
    invoice.transmission_status = "pending"
    invoice.save()
"""
        ),
        Good(
            """\
def activate_user(user_id: int) -> None:
    User.objects.filter(pk=user_id).update(status="active")
"""
        ),
    )

    def check(self, scope: Scope) -> None:
        if scope.explicit_lock:
            return
        facts = facts_for(self.ctx)
        racer = facts.racer(scope.node)
        reads: dict[str, Read] = {}
        checked: set[str] = set()
        fresh: set[str] = set()
        pending: dict[str, list[AttrWrite]] = {}

        def report(write: AttrWrite) -> None:
            self._report_write(write, racer)

        for event, held in with_lock_state(scope, id(scope.node) in facts.locked):
            if isinstance(event, Bind):
                reads.pop(event.var, None)
                checked.discard(event.var)
                fresh.discard(event.var)
                if event.read is not None:
                    reads[event.var] = event.read
                elif event.fresh:
                    fresh.add(event.var)
            elif isinstance(event, StatusCheck):
                checked.add(event.obj)
            elif isinstance(event, AttrWrite):
                if is_copy_marker(event):
                    fresh.add(event.obj)
                elif not held and event.obj not in fresh and self._is_unguarded_write(event, reads, checked, scope):
                    read = reads.get(event.obj)
                    if read is not None and read.kind is ReadKind.SQLALCHEMY:
                        report(event)
                    else:
                        pending.setdefault(event.obj, []).append(event)
            elif isinstance(event, (Save, Commit)):
                flush_durable(event, pending, report)
            elif isinstance(event, QueryUpdate):
                if not held:
                    self._check_query_update(event, scope)
            elif isinstance(event, Sql):
                if not held:
                    self._check_sql(event)

    def _is_unguarded_write(
        self, write: AttrWrite, reads: dict[str, Read], checked: set[str], scope: Scope
    ) -> bool:
        if write.augmented or not is_payment_status(write.attr):
            return False
        read = reads.get(write.obj)
        if read is None and write.obj not in scope.params:
            return False
        if read is not None and read.locked:
            return False
        if write.obj in checked or write.obj in write.guards:
            return False
        return is_payment_name(write.obj) or (read is not None and is_payment_name(read.model))

    def _report_write(self, write: AttrWrite, racer: str) -> None:
        where = f"`{write.obj}.{write.attr}` is overwritten and saved without checking its current value"
        if racer:
            self.report(write.node, f"{where} in {racer}")
        else:
            self.report(write.node, f"{where}; no handler, task or PSP call shows a concurrent writer",
                        confidence=Confidence.MEDIUM)

    def _check_query_update(self, update: QueryUpdate, scope: Scope) -> None:
        if scope.row_lock_taken or not is_payment_name(update.entity):
            return
        columns = {column for column, _ in update.values}
        status = sorted(c for c in columns if is_payment_status(c))
        if not status:
            return
        for condition in update.conditions:
            if mentions_status(condition) or mentions_any(condition, columns):
                return
        self.report(update.node, f"`{update.entity}.{status[0]}` is updated without a condition on its current value")

    def _check_sql(self, event: Sql) -> None:
        update = event.update
        if update is None or not is_payment_name(update.table):
            return
        status = [column for column, _ in update.assignments if is_payment_status(column)]
        if not status:
            return
        where = identifiers(update.where)
        assigned = {column for column, _ in update.assignments}
        if any(is_status_name(name) for name in where) or where & assigned or not is_key_only(update.where):
            return
        node: cst.CSTNode = event.node
        self.report(node, f"`UPDATE {update.table}` sets `{status[0]}` without checking its current value in WHERE")
