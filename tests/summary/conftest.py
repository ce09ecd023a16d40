"""Fixtures for the LLM summary: a fake Messages API, a client aimed at it, and small change sets."""

from __future__ import annotations

import os

import pytest

from reviewbot.clients.anthropic import AnthropicClient, client_from_env
from reviewbot.core.changes import ChangeSet, FileChange, FileStatus, Hunk, Mode
from reviewbot.core.findings import Finding, Severity, Span
from tests.fakes.anthropic import FakeAnthropic
from tests.review.conftest import github, scenario  # noqa: F401  (fixtures for test_llm_review.py)

FAKE_KEY = "sk-ant-api03-fake-key-for-tests-only-0000"
# Fake keys, split so that secret scanners do not flag this file.
STRIPE_LIVE = "sk_" + "live_51HqLyjWDarjtT1zdp7dcXYZab"
STRIPE_TEST = "sk_" + "test_4eC39HqLyjWDarjtT1zdp7dc"
STRIPE_RESTRICTED = "rk_" + "live_51HqLyjWDarjtT1zdp7dc"
STRIPE_PUBLISHABLE = "pk_" + "live_51HqLyjWDarjtT1zdp7dc"
WEBHOOK_SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

REFUNDS = """\
import stripe


def refund_charge(charge_id: str, amount_cents: int) -> str:
    refund = stripe.Refund.create(charge=charge_id, amount=amount_cents)
    record_ledger_entry(charge_id, -amount_cents)
    return refund.id


def record_ledger_entry(charge_id: str, delta_cents: int) -> None:
    LEDGER.append((charge_id, delta_cents))
"""
# Lines 4-7 are the hunk; 5 and 6 are added.
REFUNDS_HUNK = Hunk(4, 7, (5, 6))


def changeset(*files: FileChange, skipped=()) -> ChangeSet:
    return ChangeSet(root="/nonexistent", files=tuple(files), mode=Mode.DIFF, skipped=tuple(skipped))


def modified(path: str, text: str, *hunks: Hunk) -> FileChange:
    return FileChange(path, FileStatus.MODIFIED, hunks=tuple(hunks), text=text)


def added(path: str, text: str) -> FileChange:
    count = len(text.splitlines())
    return FileChange(path, FileStatus.ADDED, hunks=(Hunk(1, count, tuple(range(1, count + 1))),), text=text)


def refunds_changes(*extra: FileChange) -> ChangeSet:
    return changeset(modified("payments/refunds.py", REFUNDS, REFUNDS_HUNK), *extra)


def gate_finding(path="payments/refunds.py", line=5, rule="RB301", family="idempotency", blocking=True):
    return Finding(rule, family, Severity.ERROR, path, Span(line),
                   "stripe.Refund.create called without an idempotency key", blocking=blocking)


@pytest.fixture
def fake_anthropic():
    fake = FakeAnthropic().start()
    yield fake
    fake.stop()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(fake_anthropic, sleeps, monkeypatch) -> AnthropicClient:
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.base_url)
    made = client_from_env(os.environ, timeout_seconds=5, max_retries=2, sleep=sleeps.append)
    assert made is not None
    return made
