import { and, eq, gte, sql } from "drizzle-orm";

export async function debit(accountId: string, amountMinor: number) {
  await db.transaction(async (tx) => {
    // ruleid: drizzle-read-modify-write-without-lock
    const [account] = await tx.select().from(accounts).where(eq(accounts.id, accountId));
    if (account.balance < amountMinor) throw new Error("insufficient funds");
    await tx.update(accounts).set({ balance: account.balance - amountMinor }).where(eq(accounts.id, accountId));
  });
}

export async function credit(walletId: string, amountMinor: number) {
  // ruleid: drizzle-read-modify-write-without-lock
  const wallet = await db.query.wallets.findFirst({ where: eq(wallets.id, walletId) });
  await db.update(wallets).set({ balanceMinor: wallet!.balanceMinor + amountMinor }).where(eq(wallets.id, walletId));
}

export async function debitLocked(accountId: string, amountMinor: number) {
  await db.transaction(async (tx) => {
    // ok: drizzle-read-modify-write-without-lock
    const [account] = await tx.select().from(accounts).where(eq(accounts.id, accountId)).for("update");
    await tx.update(accounts).set({ balance: account.balance - amountMinor }).where(eq(accounts.id, accountId));
  });
}

export async function debitAtomic(accountId: string, amountMinor: number) {
  // ok: drizzle-read-modify-write-without-lock
  const [account] = await db.select().from(accounts).where(eq(accounts.id, accountId));
  const updated = await db
    .update(accounts)
    .set({ balance: sql`${accounts.balance} - ${amountMinor}` })
    .where(and(eq(accounts.id, accountId), gte(accounts.balance, amountMinor)))
    .returning();
  return { account, updated };
}
