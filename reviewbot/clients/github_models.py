"""Typed views of the GitHub REST objects reviewbot reads and writes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PullRequest:
    number: int
    title: str
    head_sha: str
    base_sha: str
    head_repo: str | None  # None when the fork was deleted
    base_repo: str
    changed_files: int

    @property
    def is_fork(self) -> bool:
        return self.head_repo != self.base_repo


@dataclass(frozen=True, slots=True)
class PullFile:
    filename: str
    status: str
    patch: str | None  # None for binary files and diffs too large for GitHub to show
    previous_filename: str | None = None


@dataclass(frozen=True, slots=True)
class ReviewComment:
    id: int
    body: str
    path: str
    line: int | None
    in_reply_to_id: int | None


@dataclass(frozen=True, slots=True)
class IssueComment:
    id: int
    body: str


@dataclass(frozen=True, slots=True)
class Review:
    id: int
    body: str
    commit_id: str


@dataclass(frozen=True, slots=True)
class CheckRun:
    id: int
    name: str
    head_sha: str
    external_id: str
    conclusion: str | None


@dataclass(frozen=True, slots=True)
class ReviewCommentDraft:
    """An inline comment on a new-file (RIGHT side) line range."""

    path: str
    body: str
    line: int
    start_line: int | None = None


@dataclass(frozen=True, slots=True)
class Annotation:
    path: str
    start_line: int
    end_line: int
    level: str  # notice | warning | failure
    message: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class CheckOutput:
    title: str
    summary: str
    text: str = ""
