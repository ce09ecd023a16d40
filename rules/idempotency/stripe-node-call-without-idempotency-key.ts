import Stripe from "stripe";

const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!);

export async function chargeOrder(order: Order) {
  // ruleid: stripe-node-call-without-idempotency-key
  const intent = await stripe.paymentIntents.create({ amount: order.amountMinor, currency: "usd" });
  // ruleid: stripe-node-call-without-idempotency-key
  await stripe.paymentIntents.capture(intent.id);
  // ruleid: stripe-node-call-without-idempotency-key
  await this.stripeClient.refunds.create({ payment_intent: intent.id, amount: order.refundMinor });
  // ok: stripe-node-call-without-idempotency-key
  const keyed = await stripe.paymentIntents.create(
    { amount: order.amountMinor, currency: "usd" },
    { idempotencyKey: `order:${order.id}:intent` },
  );
  // ok: stripe-node-call-without-idempotency-key
  await stripe.paymentIntents.capture(keyed.id, {}, { idempotencyKey: `capture:${keyed.id}` });
  const idempotencyKey = `refund:${order.id}`;
  // ok: stripe-node-call-without-idempotency-key
  await stripe.refunds.create({ payment_intent: keyed.id }, { idempotencyKey });
  // ok: stripe-node-call-without-idempotency-key
  await stripe.transfers.create(transferParams, requestOptions);
  // ok: stripe-node-call-without-idempotency-key
  await stripe.paymentIntents.retrieve(keyed.id);
  // ok: stripe-node-call-without-idempotency-key
  await db.charges.create({ data: { id: keyed.id } });
}
