"""RB501 unlocked-balance-update: a balance read, changed in Python and written back without a row lock."""

from __future__ import annotations

from reviewbot.analyzers.python.rules.concurrency._chains import (
    ReadKind,
    attribute_refs,
    mentions_any,
    name_refs,
)
from reviewbot.analyzers.python.rules.concurrency._facts import (
    AttrWrite,
    Bind,
    FlowRule,
    Save,
    Scope,
    Sql,
    flush_durable,
)
from reviewbot.analyzers.python.rules.concurrency._sql import SqlSelect
from reviewbot.analyzers.python.rules.concurrency._updates import QueryUpdate
from reviewbot.core.findings import Confidence, Severity
from reviewbot.core.rules import Bad, Evidence, Family, Good

_OPTIMISTIC_COLUMNS = frozenset({"version", "version_id", "row_version", "lock_version", "revision"})


class UnlockedBalanceUpdate(FlowRule):
    code = "RB501"
    name = "unlocked-balance-update"
    family = Family.CONCURRENCY
    severity = Severity.ERROR
    summary = "A balance or amount is read, changed in Python and written back without a row lock."
    rationale = (
        "Two requests that read the same balance both compute from the old value and the last "
        "write wins: one debit is lost, or an account is overdrawn. Flexcoin (2014) lost 896 BTC "
        "this way to thousands of concurrent transfers and closed. A transaction alone does not "
        "lock the row at READ COMMITTED; only a row lock between the read and the write, or an "
        "update the database computes itself, serialises them."
    )
    help = (
        "Let the database compute the new value (`F(\"balance\") - amount`, "
        "`SET balance = balance - %s`), or read the row with select_for_update()/with_for_update() "
        "inside the transaction, or update conditionally on a version and check the rows affected."
    )
    options = ("money-names",)
    references = (
        "https://docs.djangoproject.com/en/5.0/ref/models/expressions/#avoiding-race-conditions-using-f",
        "https://docs.djangoproject.com/en/5.0/ref/models/querysets/#select-for-update",
        "https://vladmihalcea.com/race-condition/",
    )
    evidence = (
        Evidence(
            Confidence.HIGH,
            "a money column (`money-names`) of a row read without a row lock is written back from a value "
            "computed from it in Python and saved, committed or sent as an UPDATE (ORM attribute, bulk "
            "`update()`/`values()`, or SQL after a SELECT without FOR UPDATE), with no version check",
        ),
    )
    triggers = ("objects", "session", "execute(", "query(", "get_object_or_404", "db.get")
    examples = (
        Bad(
            """\
from django.db import transaction


def debit_wallet(wallet_id: int, amount_minor: int) -> None:
    with transaction.atomic():
        wallet = Wallet.objects.get(pk=wallet_id)
        wallet.balance -= amount_minor
        wallet.save(update_fields=["balance"])
""",
            line=7,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
def credit_account(session: Session, account_id: int, amount_minor: int) -> None:
    account = session.get(Account, account_id)
    account.balance = account.balance + amount_minor
    session.commit()
""",
            line=3,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
def withdraw(conn, account_id: int, amount_minor: int) -> None:
    with conn.cursor() as cur:
        cur.execute("SELECT balance FROM accounts WHERE id = %s", (account_id,))
        (balance,) = cur.fetchone()
        if balance < amount_minor:
            raise InsufficientFunds(account_id)
        cur.execute(
            "UPDATE accounts SET balance = %s WHERE id = %s",
            (balance - amount_minor, account_id),
        )
""",
            line=8,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
def refund_to_balance(customer_id: int, refund_minor: int) -> None:
    customer = Customer.objects.filter(pk=customer_id).first()
    new_balance = customer.balance + refund_minor
    Customer.objects.filter(pk=customer_id).update(balance=new_balance)
""",
            line=4,
            confidence=Confidence.HIGH,
        ),
        Bad(
            """\
async def settle_fee(session: AsyncSession, merchant_id: int, fee_minor: int) -> None:
    stmt = select(Merchant).where(Merchant.id == merchant_id)
    merchant = (await session.execute(stmt)).scalar_one()
    merchant.pending_balance -= fee_minor
    await session.commit()
""",
            line=4,
            confidence=Confidence.HIGH,
        ),
        Good(
            """\
from django.db.models import F


def debit_wallet(wallet_id: int, amount_minor: int) -> None:
    Wallet.objects.filter(pk=wallet_id).update(balance=F("balance") - amount_minor)
"""
        ),
        Good(
            """\
from django.db import transaction


def debit_wallet(wallet_id: int, amount_minor: int) -> None:
    with transaction.atomic():
        wallet = Wallet.objects.select_for_update().get(pk=wallet_id)
        wallet.balance -= amount_minor
        wallet.save(update_fields=["balance"])
"""
        ),
        Good(
            """\
def withdraw(conn, account_id: int, amount_minor: int) -> None:
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE accounts SET balance = balance - %s WHERE id = %s AND balance >= %s",
            (amount_minor, account_id, amount_minor),
        )
        if cur.rowcount == 0:
            raise InsufficientFunds(account_id)
"""
        ),
        Good(
            """\
def credit_account(session: Session, account_id: int, amount_minor: int) -> None:
    stmt = select(Account).where(Account.id == account_id).with_for_update()
    account = session.execute(stmt).scalar_one()
    account.balance += amount_minor
    session.commit()
"""
        ),
        Good(
            """\
def debit_wallet(wallet_id: int, amount_minor: int) -> None:
    wallet = Wallet.objects.get(pk=wallet_id)
    updated = Wallet.objects.filter(pk=wallet_id, version=wallet.version).update(
        balance=wallet.balance - amount_minor, version=wallet.version + 1
    )
    if updated == 0:
        raise ConcurrentUpdate(wallet_id)
"""
        ),
    )

    def check(self, scope: Scope) -> None:
        if scope.explicit_lock:
            return
        unlocked: set[str] = set()  # variables holding a row read without a lock
        derived: dict[str, set[str]] = {}  # local -> unlocked rows whose money field it came from
        pending: dict[str, list[AttrWrite]] = {}  # Django writes waiting for obj.save()
        kinds: dict[str, ReadKind] = {}
        selects: list[SqlSelect] = []
        for event in scope.events:
            if isinstance(event, Bind):
                unlocked.discard(event.var)
                derived.pop(event.var, None)
                read = event.read
                if read is not None and read.kind is not ReadKind.OTHER:
                    kinds[event.var] = read.kind
                    if not read.locked:
                        unlocked.add(event.var)
                    continue
                sources = self._sources(event.attrs, event.names, unlocked, derived) if unlocked else set()
                if sources:
                    derived[event.var] = sources
            elif isinstance(event, AttrWrite):
                if event.obj not in unlocked or not self.config.is_money_name(event.attr):
                    continue
                from_itself = event.augmented or event.obj in self._sources(
                    event.attrs, event.names, unlocked, derived
                )
                if not from_itself:
                    continue
                if kinds.get(event.obj) is ReadKind.SQLALCHEMY:
                    self._report_write(event)
                else:
                    pending.setdefault(event.obj, []).append(event)
            elif isinstance(event, Save):
                flush_durable(event, pending, self._report_write)
            elif isinstance(event, QueryUpdate):
                self._check_query_update(event, unlocked, derived)
            elif isinstance(event, Sql):
                if event.select is not None and not event.select.for_update:
                    selects.append(event.select)
                if event.update is not None:
                    self._check_sql_update(event, selects)

    def _sources(
        self,
        attrs: frozenset[tuple[str, str]] | set[tuple[str, str]],
        names: frozenset[str] | set[str],
        unlocked: set[str],
        derived: dict[str, set[str]],
    ) -> set[str]:
        sources = {obj for obj, attr in attrs if obj in unlocked and self.config.is_money_name(attr)}
        for name in names:
            sources.update(derived.get(name, ()))
        return sources

    def _report_write(self, write: AttrWrite) -> None:
        self.report(write.node, f"`{write.obj}.{write.attr}` is written back from a value read without a row lock")

    def _check_query_update(self, update: QueryUpdate, unlocked: set[str], derived: dict[str, set[str]]) -> None:
        for column, value in update.values:
            if not self.config.is_money_name(column):
                continue
            sources = self._sources(attribute_refs(value), name_refs(value), unlocked, derived)
            if not sources:
                continue
            guarded = {column, *_OPTIMISTIC_COLUMNS}
            if any(mentions_any(condition, guarded) for condition in update.conditions):
                continue
            source = sorted(sources)[0]
            target = f"{update.entity}.{column}" if update.entity else column
            self.report(update.node, f"`{target}` is set from `{source}` read without a row lock")
            return

    def _check_sql_update(self, event: Sql, selects: list[SqlSelect]) -> None:
        update = event.update
        assert update is not None  # checked by the caller
        for column, _ in update.assignments:
            if not self.config.is_money_name(column) or not update.sets_from_placeholder(column):
                continue
            if update.where_mentions(column) or any(update.where_mentions(c) for c in _OPTIMISTIC_COLUMNS):
                continue
            if any(s.table == update.table and column in s.columns for s in selects):
                self.report(
                    event.node,
                    f"`{update.table}.{column}` is set to a value computed from a SELECT without FOR UPDATE",
                )
                return

