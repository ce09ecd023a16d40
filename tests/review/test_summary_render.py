"""The deterministic summary and the job summary file."""

from __future__ import annotations

from typing import Any

from reviewbot.core.findings import Finding, Fix, Severity, Span
from reviewbot.core.verdict import Outcome, Verdict
from reviewbot.reporters.job_summary import MAX_STEP_SUMMARY_BYTES, append_job_summary
from reviewbot.summary import SummaryInput, ToolTiming, render_summary

BLOCKING = Finding("RB101", "money", Severity.ERROR, "pay.py", Span(3), "money parameter `amount` is annotated as float",
                   help="Keep amounts in integer minor units.", fingerprint="ab", in_diff=True, blocking=True,
                   fix=Fix("amount_cents: int", Span(3, 12, 3, 25), safe=False))
OLD = Finding("RB201", "exceptions", Severity.ERROR, "old.py", Span(9), "bare `except:`", fingerprint="cd", in_diff=False)


def data(**changes):
    base: dict[str, Any] = dict(findings=(BLOCKING, OLD), verdict=Verdict(Outcome.FAIL, "1 blocking finding at error or above", 1),
                files_reviewed=2, seconds=1.5, timings=(ToolTiming("reviewbot", 0.25, 2, 2),), notes=("mypy skipped",))
    base.update(changes)
    return SummaryInput(**base)


def test_summary_states_verdict_fix_counts_outside_diff_notes_and_timings():
    text = render_summary(data())

    assert text.startswith("## ❌ reviewbot: gate failed")
    assert "**Fix:** Keep amounts in integer minor units." in text
    assert "**Suggested change** (review before applying): `amount_cents: int`" in text
    assert "| money | 1 | 1 | 0 |" in text and "| exceptions | 0 | 0 | 1 |" in text
    assert "Outside the diff (1)" in text
    assert "- mypy skipped" in text
    assert "| reviewbot | 0.25 | 2 | 2 |" in text


def test_llm_section_is_shown_as_advisory_and_timings_can_be_left_out():
    text = render_summary(data(), llm_section="Consider a lock on the balance row.", include_timings=False)

    assert "### Advisory notes (LLM)" in text
    assert "never change the verdict" in text
    assert "Consider a lock on the balance row." in text
    assert "Timings" not in text


def test_summary_is_deterministic():
    assert render_summary(data()) == render_summary(data())


def test_job_summary_appends_and_stays_within_one_mebibyte(tmp_path):
    target = tmp_path / "summary.md"
    target.write_text("earlier step\n", encoding="utf-8")

    assert append_job_summary(target, "# reviewbot\n")
    assert append_job_summary(target, "x" * (2 * MAX_STEP_SUMMARY_BYTES))

    text = target.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n# reviewbot\n")
    assert len(text.encode("utf-8")) <= MAX_STEP_SUMMARY_BYTES
    assert "truncated" in text
