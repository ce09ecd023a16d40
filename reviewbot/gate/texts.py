"""Reading the text of reviewed files once for the gate (suppressions, fingerprints)."""

from __future__ import annotations

import os

from reviewbot.core.changes import ChangeSet


class FileTexts:
    """Lines of files by repository-relative path, from the ChangeSet or the working tree."""

    def __init__(self, changes: ChangeSet) -> None:
        self._changes = changes
        self._texts: dict[str, str] = {}
        self._lines: dict[str, list[str]] = {}
        self._without: dict[str, set[str]] = {}  # mark -> paths known not to hold it

    def text(self, path: str) -> str:
        """The whole text (undecodable bytes replaced; empty when the file cannot be read)."""
        cached = self._texts.get(path)
        if cached is None:
            change = self._changes.get(path)
            cached = change.text if change is not None else None
            if cached is None:
                cached = self._read(path).decode("utf-8", errors="replace")
            self._texts[path] = cached
        return cached

    def holds(self, path: str, mark: str) -> bool:
        """`mark in self.text(path)` for an ASCII mark, without decoding a file that does not hold it."""
        if path in self._texts:
            return mark in self._texts[path]
        change = self._changes.get(path)
        if change is not None and change.text is not None:
            return mark in change.text
        without = self._without.setdefault(mark, set())
        if path in without:
            return False
        data = self._read(path)
        if mark.encode("ascii") not in data:  # ASCII bytes decode to themselves, whatever surrounds them
            without.add(path)
            return False
        self._texts[path] = data.decode("utf-8", errors="replace")
        return True

    def read_ahead(self, mark: str) -> None:
        """Ask `holds(path, mark)` of every file of the change set now, so that the gate later reads only
        the files that hold it (the pipeline calls this while the analyzers run: its thread only waits)."""
        for change in self._changes.files:
            self.holds(change.path, mark)

    def _read(self, path: str) -> bytes:
        # Unbuffered, by a string path: the gate reads every reviewed file, and a Path and a buffered
        # reader per file were a third of that time.
        try:
            with open(os.path.join(self._changes.root, path), "rb", buffering=0) as handle:
                return handle.readall()
        except OSError:
            return b""

    def lines(self, path: str) -> list[str]:
        cached = self._lines.get(path)
        if cached is None:
            cached = self._lines[path] = self.text(path).splitlines()
        return cached

    def line(self, path: str, number: int) -> str:
        lines = self.lines(path)
        return lines[number - 1] if 0 < number <= len(lines) else ""
