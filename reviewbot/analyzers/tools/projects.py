"""Which project owns a changed file: the nearest configuration above it (mypy, tsconfig, go.mod)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from reviewbot.core.changes import ChangeSet, Mode
from reviewbot.core.findings import Finding


@dataclass(frozen=True, slots=True)
class Project:
    """Files checked together: run from `directory`, configured by `config` (None: the tool's defaults)."""

    directory: Path
    config: Path | None
    files: tuple[str, ...]  # repository-relative posix paths


def ancestors(root: Path, path: str) -> list[Path]:
    """The directories from a repository-relative file's own up to the repository root, nearest first."""
    parts = PurePosixPath(path).parent.parts
    return [root.joinpath(*parts[:depth]) for depth in range(len(parts), -1, -1)]


def group_by_nearest(
    root: Path, paths: Iterable[str], find: Callable[[Path], Path | None]
) -> tuple[list[Project], list[str]]:
    """Group files by the nearest directory where `find(directory)` returns a config file.

    Returns the projects and the files no directory up to the root claimed. Each directory is
    asked once, however many files sit below it.
    """
    answers: dict[Path, Path | None] = {}
    groups: dict[Path, list[str]] = {}
    orphans: list[str] = []
    for path in paths:
        owner: Path | None = None
        for directory in ancestors(root, path):
            if directory not in answers:
                answers[directory] = find(directory)
            owner = answers[directory]
            if owner is not None:
                break
        if owner is None:
            orphans.append(path)
        else:
            groups.setdefault(owner, []).append(path)
    projects = [Project(config.parent, config, tuple(files)) for config, files in sorted(groups.items())]
    return projects, orphans


def relative_to_project(path: str, root: Path, project: Path) -> str:
    """A repository-relative path as the tool sees it when run from the project directory."""
    return Path(os.path.relpath(root / path, project)).as_posix()


def display(root: Path, directory: Path) -> str:
    """A project directory for messages: repository-relative, `.` for the root."""
    rel = Path(os.path.relpath(directory, root)).as_posix()
    return rel if rel != "." else "the repository root"


def user_cache_dir() -> Path:
    """reviewbot's cache outside every project: $XDG_CACHE_HOME/reviewbot, else ~/.cache/reviewbot."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "reviewbot"


def cache_key(*parts: object) -> str:
    """A short stable name for a cache entry built from what makes it differ."""
    return hashlib.sha256("\0".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:16]


def reviewed_only(findings: list[Finding], changes: ChangeSet, source_suffixes: Sequence[str]) -> list[Finding]:
    """Audit mode: a type checker's diagnostics in source files outside the audited paths are not
    what was asked for. Diff modes keep them (the gate counts them outside the diff); a finding on
    a project file (tsconfig.json, go.mod, mypy.ini) is always kept: nothing in its project was checked.
    """
    if changes.mode is not Mode.AUDIT:
        return findings
    suffixes = tuple(source_suffixes)
    return [f for f in findings if changes.get(f.path) is not None or not f.path.endswith(suffixes)]


def count_files(paths: Sequence[str], kind: str) -> str:
    """`3 TypeScript files`, `1 Go file`."""
    return f"{len(paths)} {kind} file{'s' if len(paths) != 1 else ''}"


def some_names(paths: Sequence[str], limit: int = 3) -> str:
    """The first few paths, and how many more."""
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")
