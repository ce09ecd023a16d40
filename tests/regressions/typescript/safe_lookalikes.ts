// Code that looks like a payments hazard and is not one. No TypeScript rule may report anything here.
import Stripe from "stripe";
import { createHmac, timingSafeEqual } from "node:crypto";

const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!);
const sampleKey = "sk_test_51HxQ2aLkdIwHu7ix9aPq2MnYv3kT8bW";

// Best-effort catches around things that move no money.
export function hostOf(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

export function readDraft(): string | null {
  try {
    return localStorage.getItem("invoice-draft");
  } catch {
    return null;
  }
}

export async function cachedRates(redis: Redis) {
  const cached = await redis.get("fx-rates").catch(() => null);
  try {
    await notifySlack("rates refreshed");
  } catch {
    // a lost notification costs nothing
  }
  return cached;
}

// Display rounding, progress bars, durations and scores: floats that never reach money.
export async function revenueReport(db: Database) {
  const rows = await db.select().from(payments);
  const total = rows.reduce((sum, r) => sum + Number(r.amount), 0);
  const averagePayment = rows.length ? Math.round((total / rows.length) * 100) / 100 : 0;
  return { total: Number(total.toFixed(2)), averagePayment };
}

export function progress(done: number, totalItems: number) {
  const percent = Math.round((done / totalItems) * 100);
  const totalSeconds = 5400;
  const hours = Math.round((totalSeconds / 3600) * 10) / 10;
  const amountScore = Math.round(parseFloat("0.87") * 100);
  return { percent, hours, amountScore };
}

// Minor units that are already integers, converted with the currency's own exponent.
export function toMinorUnits(amount: BigNumberInput, currency: string): number {
  const multiplier = currencyMultiplier(currency);
  return Math.round(new BigNumber(MathBN.mult(amount, multiplier)).numeric);
}

// PSP calls that Stripe's state machine or a stable key already protects.
export async function capture(intentId: string) {
  return stripe.paymentIntents.capture(intentId);
}

export async function refund(request: RefundRequest) {
  return stripe.refunds.create(
    { payment_intent: request.intentId, amount: request.amountMinor },
    { idempotencyKey: `refund:${request.id}`, stripeAccount: request.accountId },
  );
}

export async function listRecentCharges() {
  return stripe.charges.list({ limit: 10 });
}

// Status writes on things that are not payments, or to terminal states.
export async function archiveInboxItem(db: Database, id: string) {
  await db.update(inbox).set({ status: "archived" }).where(eq(inbox.id, id));
}

export async function cancelSeries(db: Database, id: string) {
  await db.update(invoiceRecurring).set({ status: "canceled" }).where(eq(invoiceRecurring.id, id));
}

export async function markCaptured(db: Database, paymentId: string) {
  await db
    .update(payments)
    .set({ status: "captured" })
    .where(and(eq(payments.id, paymentId), eq(payments.status, "authorized")));
}

// A row read under a lock, and an atomic increment.
export async function debit(tx: Transaction, accountId: string, amountMinor: number) {
  const [account] = await tx.select().from(accounts).where(eq(accounts.id, accountId)).for("update");
  await tx
    .update(accounts)
    .set({ balanceMinor: account.balanceMinor - amountMinor })
    .where(eq(accounts.id, accountId));
  await tx
    .update(ledgers)
    .set({ entries: sql`${ledgers.entries} + 1` })
    .where(eq(ledgers.accountId, accountId));
}

// Schemas: integer minor units, and a response schema that validates nothing coming in.
export const createCharge = z.object({ amountMinor: z.number().int().positive(), feeRate: z.number().max(1) });
export const chargeResponseSchema = z.object({ amount: z.number(), currency: z.string() });

// Webhook verified unconditionally; signatures compared in constant time.
app.post("/webhooks/stripe", async (c) => {
  const signature = c.req.header("stripe-signature");
  if (!signature) return c.json({ error: "missing signature" }, 400);
  const event = stripe.webhooks.constructEvent(await c.req.text(), signature, webhookSecret);
  if (event.type === "payment_intent.succeeded") {
    await markPaid(event.data.object.id);
  }
  return c.json({ received: true });
});

export function isValidSignature(body: string, header: string, secret: string): boolean {
  const expected = Buffer.from(createHmac("sha256", secret).update(body).digest("hex"));
  const received = Buffer.from(header);
  return expected.length === received.length && timingSafeEqual(expected, received);
}

// A JWT fallback that is only tried when configured: no webhook, nothing processed without it.
export async function verifyAccessToken(token: string) {
  if (HS256_SECRET) {
    try {
      return await jwtVerify(token, HS256_SECRET);
    } catch {
      return null;
    }
  }
  return null;
}

// Logging card metadata that PCI DSS allows.
logger.info({ last4: card.last4, brand: card.brand, fingerprint: card.fingerprint }, "charging card");

// A POST route that reads the client's key, and one that creates nothing.
app.post("/payments", async (c) => {
  const key = c.req.header("Idempotency-Key");
  if (!key) return c.json({ error: "Idempotency-Key required" }, 400);
  const body = await c.req.json();
  const intent = await stripe.paymentIntents.create({ amount: body.amountMinor, currency: "usd" }, { idempotencyKey: key });
  return c.json(intent, 201);
});

app.post("/payments/search", async (c) => c.json(await searchPayments(await c.req.json())));
