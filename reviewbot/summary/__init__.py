"""The summary stage: a deterministic Markdown summary, plus an optional advisory LLM section."""

from __future__ import annotations

from reviewbot.summary.deterministic import SummaryInput, ToolTiming, render_summary

__all__ = ["SummaryInput", "ToolTiming", "render_summary"]
