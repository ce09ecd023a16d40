"""The repository's migration sets (one per directory and runner), each in the order its runner applies it."""

from __future__ import annotations

import fnmatch
import json
import os
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from reviewbot.analyzers.migrations.layout import Layout, Reader, detect_layout
from reviewbot.analyzers.migrations.model import Framework, Runner
from reviewbot.config import Config

_NUMBER = re.compile(r"\d+")
_FLYWAY_VERSION = re.compile(r"^V([\d._]+)__")
_REVISION = re.compile(r"""^revision\s*(?::\s*str\s*)?=\s*['"]([^'"]+)['"]""", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class MigrationFile:
    path: str
    layout: Layout


@dataclass(frozen=True, slots=True)
class MigrationSet:
    """Migrations one runner applies from one place, in its order (`home`: the set's directory)."""

    home: str
    runner: Runner
    framework: Framework
    files: tuple[MigrationFile, ...]

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(f.path for f in self.files)


def set_home(path: str, layout: Layout) -> str:
    """The directory that identifies a migration's set."""
    directory = posixpath.dirname(path)
    if layout.runner in (Runner.DIESEL, Runner.PRISMA) or layout.framework is Framework.ALEMBIC:
        # diesel and Prisma: one folder per migration; Alembic: versions/ under its script_location
        return posixpath.dirname(directory)
    return directory


def _natural(name: str) -> tuple[object, ...]:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def _journal_order(home: str, read: Reader) -> dict[str, int]:
    text = read(posixpath.join(home, "meta/_journal.json"))
    if text is None:
        return {}
    try:
        entries = json.loads(text).get("entries", [])
    except (ValueError, AttributeError):
        return {}
    return {str(e.get("tag")): i for i, e in enumerate(entries) if isinstance(e, dict)}


def _order_key(path: str, runner: Runner, journal: dict[str, int]) -> tuple[object, ...]:
    name = posixpath.basename(path)
    folder = posixpath.basename(posixpath.dirname(path))
    if runner is Runner.DRIZZLE:
        tag = name.removesuffix(".sql")
        return (0, journal[tag]) if tag in journal else (1, _natural(name))
    if runner is Runner.GOLANG_MIGRATE:
        match = _NUMBER.match(name)
        return (int(match.group()) if match else 0, name)
    if runner is Runner.FLYWAY:
        version = _FLYWAY_VERSION.match(name)
        if version is None:  # repeatable migrations run after every versioned one
            return (1, (), name)
        return (0, tuple(int(p) for p in re.split(r"[._]", version.group(1)) if p), name)
    if runner in (Runner.DIESEL, Runner.PRISMA):
        return _natural(folder)
    return _natural(name)


def order_files(files: Iterable[MigrationFile], runner: Runner, home: str, read: Reader) -> tuple[MigrationFile, ...]:
    journal = _journal_order(home, read) if runner is Runner.DRIZZLE else {}
    return tuple(sorted(files, key=lambda f: _order_key(f.path, runner, journal)))


def alembic_revision(text: str) -> str | None:
    match = _REVISION.search(text)
    return match.group(1) if match else None


def _excluded(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns if "/" not in p)


def walk_candidates(root: Path, config: Config) -> list[str]:
    """Repository-relative .sql and .py files, skipping excluded directories (virtualenvs, node_modules…)."""
    patterns = (*config.exclude, *config.extend_exclude)
    found: list[str] = []
    for directory, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not _excluded(d, patterns) and not d.startswith("."))
        rel = Path(directory).relative_to(root).as_posix()
        for name in sorted(names):
            if name.endswith((".sql", ".py")):
                found.append(name if rel == "." else f"{rel}/{name}")
    return found


def discover_sets(paths: Iterable[str], config: Config, read: Reader) -> list[MigrationSet]:
    """Group every migration among `paths` into sets, each in runner order."""
    groups: dict[tuple[str, Runner], list[MigrationFile]] = {}
    frameworks: dict[tuple[str, Runner], Framework] = {}
    for path in paths:
        if path.endswith(".py") and "/migrations/" not in f"/{path}" and "/versions/" not in f"/{path}":
            continue  # the Python migration layouts live under these directories
        text = read(path)
        if text is None:
            continue
        layout = detect_layout(path, text, config.migrations, read)
        if layout is None:
            continue
        key = (set_home(path, layout), layout.runner)
        groups.setdefault(key, []).append(MigrationFile(path, layout))
        frameworks[key] = layout.framework
    sets = [
        MigrationSet(home, runner, frameworks[(home, runner)], order_files(files, runner, home, read))
        for (home, runner), files in groups.items()
    ]
    return sorted(sets, key=lambda s: (s.home, s.runner.value))


def file_reader(root: Path, changed: Callable[[str], str | None]) -> Reader:
    """Changed text first, then the working tree."""

    def read(path: str) -> str | None:
        text = changed(path)
        if text is not None:
            return text
        try:
            return (root / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    return read
