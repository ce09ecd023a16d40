"""go/db.locks: LOCKING, searched only in texts that hold one of its words; nothing it found is lost."""

from __future__ import annotations

import pytest

from reviewbot.analyzers.go.db import LOCKING, locks

LOCKED = [
    "SELECT balance FROM accounts WHERE id = $1 FOR UPDATE",
    "SELECT * FROM refunds WHERE payment_id = $1 FOR NO KEY UPDATE",
    "select 1 FROM t FOR\n\tSHARE",
    "tx.Clauses(clause.Locking{Strength: \"UPDATE\"}).First(&acct)",
    "client.Account.Query().Where(account.ID(id)).ForUpdate().Only(ctx)",
    "q.ForShare()",
    "s.mu.Lock()",
    "tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, key)",
    "SELECT pg_advisory_lock(42)",
    "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
    "db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})",
    "conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})",
    "repo.WithLock(ctx, id, fn)",
]
UNLOCKED = [
    "UPDATE accounts SET balance = balance + $1 WHERE id = $2",
    "acct.Balance = acct.Balance.Add(amount); repo.Save(ctx, acct)",
    "for _, block := range blocks { clock.Now() }",  # `lock` inside words, no LOCKING pattern
]


@pytest.mark.parametrize("text", LOCKED)
def test_every_locking_form_is_found(text):
    assert LOCKING.search(text) is not None and locks(text)


@pytest.mark.parametrize("text", UNLOCKED)
def test_texts_without_a_lock_are_not(text):
    assert LOCKING.search(text) is None and not locks(text)
