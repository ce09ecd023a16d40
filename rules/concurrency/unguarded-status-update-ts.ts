import { and, eq } from "drizzle-orm";

export async function capture(paymentId: string) {
  // ruleid: unguarded-status-update-ts
  await db.update(payments).set({ status: "captured" }).where(eq(payments.id, paymentId));
  // ruleid: unguarded-status-update-ts
  await pool.query("UPDATE payments SET status = 'refunded', updated_at = now() WHERE id = $1", [paymentId]);
  await pool.query(
    // ruleid: unguarded-status-update-ts
    `UPDATE payouts
        SET status = 'paid'
      WHERE id = $1`,
    [paymentId],
  );
  // ok: unguarded-status-update-ts
  const rows = await db
    .update(payments)
    .set({ status: "captured" })
    .where(and(eq(payments.id, paymentId), eq(payments.status, "authorized")))
    .returning();
  // ok: unguarded-status-update-ts
  await pool.query("UPDATE payments SET status = 'refunded' WHERE id = $1 AND status = 'captured'", [paymentId]);
  // ok: unguarded-status-update-ts
  await db.update(payments).set({ note: "manual review" }).where(eq(payments.id, paymentId));
  // ok: unguarded-status-update-ts
  await pool.query("UPDATE payments SET note = $2 WHERE id = $1", [paymentId, "manual"]);
  return rows;
}
