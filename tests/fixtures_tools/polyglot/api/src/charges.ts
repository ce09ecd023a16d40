import Stripe from "stripe";

const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!);

export async function chargeOrder(order: { id: string; amount: string }) {
  const amountCents = Math.round(parseFloat(order.amount) * 100);
  const intent = await stripe.paymentIntents.create({ amount: amountCents, currency: "usd" });
  return intent;
}

export async function captureOrder(intentId: string) {
  return stripe.paymentIntents.capture(intentId, {}, { idempotencyKey: `capture:${intentId}` });
}
console.log("charging", 1);
