"""ChangeSet: the files under review, their text, and which of their lines changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class FileStatus(StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    RENAMED = "renamed"
    WHOLE = "whole"  # audit mode: the whole file is under review


@dataclass(frozen=True, slots=True)
class Hunk:
    """New-file line range of one diff hunk (inclusive), and the lines it adds."""

    new_start: int
    new_end: int
    added: tuple[int, ...] = ()

    def contains(self, line: int) -> bool:
        return self.new_start <= line <= self.new_end


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file to review. `text` None means: read `path` from the working tree."""

    path: str
    status: FileStatus = FileStatus.WHOLE
    old_path: str | None = None
    hunks: tuple[Hunk, ...] = ()
    text: str | None = None

    @property
    def is_whole(self) -> bool:
        """Every line counts as changed: audit mode, or a file added whole."""
        return self.status in (FileStatus.WHOLE, FileStatus.ADDED)

    @property
    def added_lines(self) -> frozenset[int]:
        return frozenset(line for h in self.hunks for line in h.added)

    def is_line_added(self, line: int) -> bool:
        if self.is_whole:
            return True
        return any(line in h.added for h in self.hunks)

    def is_line_in_hunk(self, line: int) -> bool:
        if self.is_whole:
            return True
        return any(h.contains(line) for h in self.hunks)

    def hunk_of(self, line: int) -> Hunk | None:
        for h in self.hunks:
            if h.contains(line):
                return h
        return None


class SkipReason(StrEnum):
    BINARY = "binary"
    DELETED = "deleted"
    MODE_ONLY = "mode-only"
    UNREADABLE = "unreadable"
    TOO_LARGE = "too-large"
    SUBMODULE = "submodule"  # a gitlink: its commit changed, its files belong to another repository


@dataclass(frozen=True, slots=True)
class SkippedFile:
    path: str
    reason: SkipReason


class Mode(StrEnum):
    AUDIT = "audit"
    DIFF = "diff"


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """What every analyzer receives: the root, the files, and what was skipped."""

    root: str
    files: tuple[FileChange, ...]
    mode: Mode = Mode.AUDIT
    skipped: tuple[SkippedFile, ...] = ()
    base_ref: str | None = None
    head_ref: str | None = None
    by_path: dict[str, FileChange] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_path.update({f.path: f for f in self.files})

    def get(self, path: str) -> FileChange | None:
        return self.by_path.get(path)

    def with_suffix(self, suffixes: Iterable[str]) -> tuple[FileChange, ...]:
        wanted = tuple(suffixes)
        return tuple(f for f in self.files if f.path.endswith(wanted))
