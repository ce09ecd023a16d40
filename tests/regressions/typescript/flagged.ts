// Hazards every TypeScript rule family must report; each line carries its expected codes.
import Stripe from "stripe";

const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!);

export const numericMoney = customType<{ data: number; driverData: string }>({ // expect: RB111
  dataType: () => "numeric(12, 2)",
  fromDriver: (value: string) => Number.parseFloat(value),
});

export const ledgerEntries = pgTable("ledger_entries", {
  id: uuid("id").primaryKey(),
  amount: numericMoney("amount").notNull(),
  fee: doublePrecision("fee"), // expect: RB111
});

export const refundInput = z.object({ amountCents: z.number().positive() }); // expect: RB114

export function toStripeAmount(amount: number): number {
  return Math.round(amount * 100); // expect: RB110
}

app.post("/charges", async (c) => { // expect: RB312
  const body = await c.req.json();
  const amount = parseFloat(body.amount); // expect: RB110
  const charge = await stripe.charges.create({ amount: amount * 100, currency: body.currency }); // expect: RB310 RB115
  return c.json(charge, 201);
});

export async function refundLater(intentId: string, accountId: string) {
  try {
    await stripe.refunds.create({ payment_intent: intentId }, { stripeAccount: accountId }); // expect: RB310
  } catch (err) { // expect: RB210
  }
  await stripe.payouts.create({ amount: 100, currency: "eur" }, { idempotencyKey: crypto.randomUUID() }); // expect: RB311
  const transfer = await stripe.transfers.create({ amount: 5, currency: "eur", destination: accountId }, { idempotencyKey: `t:${intentId}` }).catch(() => null); // expect: RB211
  return transfer;
}

export async function intentFor(order: Order) {
  try {
    return await stripe.paymentIntents.retrieve(order.intentId);
  } catch (err) { // expect: RB214
    logger.warn({ err }, "lookup failed");
  }
  return stripe.paymentIntents.create({ amount: order.amountMinor, currency: "usd" }, { idempotencyKey: `order:${order.id}` });
}

export async function settle(db: Database, accountId: string, amountMinor: number) {
  const [account] = await db.select().from(accounts).where(eq(accounts.id, accountId)); // expect: RB510
  await db.update(accounts).set({ balance: account.balance - amountMinor }).where(eq(accounts.id, accountId));
  await db.update(payments).set({ status: "refunded" }).where(eq(payments.id, accountId)); // expect: RB511
}

export class Refunds {
  async create(payment: Payment, amount: number) { // expect: RB513
    const refunded = payment.refunds.reduce((sum, r) => sum + r.amount, 0);
    if (refunded + amount > payment.captured) throw new Error("over-refund");
    return this.refundRepository.create({ paymentId: payment.id, amount });
  }
}

app.post("/webhooks/psp", async (c) => { // expect: RB710
  const event = await c.req.json();
  if (event.type === "payment_intent.succeeded") await markPaid(event.data.object.id);
  return c.json({ received: true });
});

app.post("/webhooks/stripe", async (c) => {
  const body = await c.req.text();
  const signature = c.req.header("stripe-signature");
  let event = JSON.parse(body);
  if (signature) { // expect: RB711
    event = stripe.webhooks.constructEvent(body, signature, webhookSecret, 60 * 60 * 24 * 30); // expect: RB712
  }
  try {
    await db.update(invoices).set({ status: "paid", paidAt: new Date() }).where(and(eq(invoices.intentId, event.data.object.id), eq(invoices.status, "open")));
  } catch (err) { // expect: RB215
    logger.error({ err }, "webhook failed");
  }
  return c.json({ received: true });
});

export function verify(body: string, header: string) {
  const digest = createHmac("sha256", webhookSecret).update(body).digest("hex");
  return digest === header; // expect: RB713
}

logger.info({ cardNumber: input.cardNumber }, "charging"); // expect: RB714
export const liveKey = "sk_live_51HxQ2aLkdIwHu7ix9aPq2MnYv3kT8bW"; // expect: RB715
