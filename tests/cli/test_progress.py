"""Progress goes to stderr, and only once a run has taken more than a second."""

from __future__ import annotations

import io

from reviewbot.cli import StderrProgress


def test_progress_is_silent_during_the_first_second_then_reports_counts():
    now = [100.0]
    stream = io.StringIO()
    progress = StderrProgress(enabled=True, clock=lambda: now[0], stream=stream)
    progress.advance("python", 10, 800)
    assert stream.getvalue() == ""
    now[0] += 1.5
    progress.advance("python", 400, 800)
    now[0] += 0.1
    progress.advance("python", 410, 800)  # rate-limited: under half a second since the last line
    now[0] += 0.1
    progress.advance("python", 800, 800)  # the last file is always reported
    assert stream.getvalue().splitlines() == ["reviewbot: python 400/800 files", "reviewbot: python 800/800 files"]


def test_quiet_disables_progress():
    now = [0.0]
    stream = io.StringIO()
    progress = StderrProgress(enabled=False, clock=lambda: now[0], stream=stream)
    now[0] = 5.0
    progress.advance("python", 1, 2)
    assert stream.getvalue() == ""
