"""Reading the text of reviewed files once for the gate (suppressions, fingerprints)."""

from __future__ import annotations

from pathlib import Path

from reviewbot.core.changes import ChangeSet


class FileTexts:
    """Lines of files by repository-relative path, from the ChangeSet or the working tree."""

    def __init__(self, changes: ChangeSet) -> None:
        self._changes = changes
        self._lines: dict[str, list[str]] = {}

    def lines(self, path: str) -> list[str]:
        cached = self._lines.get(path)
        if cached is not None:
            return cached
        change = self._changes.get(path)
        text: str | None = change.text if change is not None else None
        if text is None:
            try:
                data = (Path(self._changes.root) / path).read_bytes()
            except OSError:
                data = b""
            text = data.decode("utf-8", errors="replace")
        lines = text.splitlines()
        self._lines[path] = lines
        return lines

    def line(self, path: str, number: int) -> str:
        lines = self.lines(path)
        return lines[number - 1] if 0 < number <= len(lines) else ""
