"""The job summary: append the summary Markdown to GITHUB_STEP_SUMMARY, within its 1 MiB limit."""

from __future__ import annotations

from pathlib import Path

MAX_STEP_SUMMARY_BYTES = 1024 * 1024  # GitHub drops a step summary above 1 MiB (with an error annotation)
TRUNCATED_NOTE = "\n\n… (truncated: GitHub limits a step summary to 1 MiB)\n"


def append_job_summary(path: Path, markdown: str) -> bool:
    """Append `markdown`, cut to fit what the step's file still allows; False when it could not be written."""
    try:
        used = path.stat().st_size if path.exists() else 0
    except OSError:
        used = 0
    room = MAX_STEP_SUMMARY_BYTES - used
    data = markdown.encode("utf-8")
    if len(data) > room:
        note = TRUNCATED_NOTE.encode("utf-8")
        if room <= len(note):
            return False
        data = data[: room - len(note)].decode("utf-8", errors="ignore").encode("utf-8") + note
    try:
        with path.open("ab") as handle:
            handle.write(data)
    except OSError:
        return False
    return True
