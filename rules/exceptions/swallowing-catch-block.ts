import Stripe from "stripe";

const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!);

export async function refund(intentId: string, key: string) {
  // ruleid: swallowing-catch-block
  try {
    await stripe.refunds.create({ payment_intent: intentId }, { idempotencyKey: key });
  } catch (err) {
    // ignore: the dashboard shows it
  }
}

export async function capture(intentId: string) {
  // ruleid: swallowing-catch-block
  try {
    return await stripe.paymentIntents.capture(intentId, {}, { idempotencyKey: `capture:${intentId}` });
  } catch {
    return null;
  }
}

export async function loadCharge(id: string) {
  // ruleid: swallowing-catch-block
  try {
    return await db.query.charges.findFirst({ where: eq(charges.id, id) });
  } catch (e) {
    return undefined;
  }
}

export async function captureLogged(intentId: string) {
  // ok: swallowing-catch-block
  try {
    return await stripe.paymentIntents.capture(intentId, {}, { idempotencyKey: `capture:${intentId}` });
  } catch (err) {
    logger.error({ err, intentId }, "capture failed");
    throw err;
  }
}

export function parseMetadata(raw: string) {
  // ok: swallowing-catch-block
  try {
    return JSON.parse(raw);
  } catch (err) {
    return { error: "invalid metadata" };
  }
}
