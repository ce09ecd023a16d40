# ruff: noqa
"""Status writes judged by what the rules can see; each reported line carries `# expect: RBxxx <confidence>`.

High: another actor visibly races the write (a handler, a task, code reached from one, code that talks to the
PSP). Medium: only names say payment. Silent: a copy or a new object, an address or a non-payment status, a
write under a row lock already held here or by every caller in this file.
"""

import uuid

import stripe
from celery import shared_task
from django.db import transaction
from django.dispatch import receiver
from rest_framework import viewsets
from rest_framework.decorators import action


# --- high: a concurrent writer is in sight


@receiver(periodic_task)
def expire_stale_orders(sender, **kwargs):
    for order in Order.objects.filter(status="pending"):
        expire_order(order)


def expire_order(order):
    with transaction.atomic():
        order.status = "expired"  # expect: RB502 high
        order.save(update_fields=["status"])


class PaymentViewSet(viewsets.ModelViewSet):
    @action(detail=True, methods=["POST"])
    def mark_unpaid(self, request, pk=None):
        payment = self.get_object()
        if payment.status != "paid":
            return Response(status=400)
        payment.status = "pending"  # expect: RB503 high
        payment.save()

    @action(detail=True, methods=["POST"])
    def record_manual_payment(self, request, pk=None):
        order = self.get_object()
        if order.status == "pending":
            order.payments.create(provider="manual", amount=order.pending_minor, state="created")  # expect: RB503 high


class CardProvider:
    def handle_intent(self, payment):
        intent = stripe.PaymentIntent.retrieve(payment.intent_id, api_key=self.secret_key)
        if intent.status == "requires_action":
            payment.state = "created"  # expect: RB502 high
            payment.save()

    def execute_refund(self, refund):
        with transaction.atomic():
            Payment.objects.select_for_update().get(pk=refund.payment_id)
            response = self.client.refund(refund.charge_id, refund.amount_minor, idempotency_key=f"r:{refund.id}")
        if response.status == "pending":
            refund.state = "transit"  # expect: RB502 high
            refund.save(update_fields=["state"])


@shared_task
def fail_payout(payout_id):
    payout = Payout.objects.get(pk=payout_id)
    payout.status = "failed"  # expect: RB502 high
    payout.save()


# --- medium: only the names say payment


def deny_order(order, comment=""):
    with transaction.atomic():
        if order.status != "pending":
            raise OrderError("not pending")
        order.status = "canceled"  # expect: RB503 medium
        order.save(update_fields=["status"])


def close_invoice(invoice):
    invoice.status = "closed"  # expect: RB502 medium
    invoice.save()


# --- silent: no race on these writes


def copy_order(order):
    new_order = Order.objects.get(pk=order.pk)
    new_order.pk = None
    new_order.status = "pending"
    new_order.save()
    return new_order


def open_refund(payment, amount_minor):
    refund = Refund(payment=payment, amount_minor=amount_minor, id=uuid.uuid4())
    refund.state = "created"
    refund.save()
    created = Payment.objects.create(order=payment.order, amount_minor=amount_minor)
    created.status = "pending"
    created.save()


def build_invoice(invoice, settings):
    invoice.invoice_from_state = settings.sender_state
    invoice.invoice_to_state = invoice.order.address.state
    invoice.transmission_status = "pending"
    invoice.save()


class Provider:
    @transaction.atomic
    def execute_refund(self, refund):
        Payment.objects.select_for_update().get(pk=refund.payment_id)
        try:
            self.client.refund(refund.charge_id, idempotency_key=f"refund:{refund.id}")
        except PspError:
            refund.state = "failed"
            refund.save()


def _apply_failure(refund):
    refund.state = "failed"
    refund.save()


def fail_refund(refund_id):
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.state == "transit":
            _apply_failure(refund)


def approve_free_order(order):
    if order.status != "pending":
        raise OrderError("not pending")
    order.payments.create(provider="free", amount=0, state="confirmed")
