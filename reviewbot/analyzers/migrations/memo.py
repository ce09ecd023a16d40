"""The migration gate's entry in the results cache: a whole run, remembered with every input it read.

A migration's findings depend on other files (its folder's history, Django's earlier migrations, the
runner's config files, git's list of uncommitted files for the historical note), so they cannot be
cached per file. Instead a run records each input as it reads it, through `RecordingFiles`: the text
of every file, every folder listing, git's answer, whether a baseline exists. The next run with the
same settings and the same candidate files re-reads exactly those inputs (no parse) and reuses the
findings and notes only if every one is unchanged.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from reviewbot.analyzers.base import AnalyzerResult
from reviewbot.analyzers.cache import (
    CACHE_FORMAT,
    cache_directory,
    finding_from_json,
    finding_json,
    prepare_directory,
    settings_digest,
    write_atomic,
)
from reviewbot.analyzers.migrations.files import MigrationFiles
from reviewbot.analyzers.migrations.model import ParseProblem
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet

# The parsers behind the readers (Django and Alembic through libcst, SQL through pglast).
MIGRATION_LIBRARIES = ("pglast", "libcst")


def _digest(parts: object) -> str:
    return hashlib.blake2b(json.dumps(parts, sort_keys=True).encode(), digest_size=20).hexdigest()


def _loaded_digest(loaded: tuple[str, ParseProblem | None] | None) -> str | None:
    if loaded is None:
        return None
    text, problem = loaded
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20)
    digest.update(repr(problem).encode("utf-8", "backslashreplace"))
    return digest.hexdigest()


@dataclass(slots=True)
class Inputs:
    """What one run read, as JSON-able values."""

    loads: dict[str, str | None] = field(default_factory=dict)
    modules: dict[str, list[str]] = field(default_factory=dict)
    sql: dict[str, list[str]] = field(default_factory=dict)
    uncommitted: list[str] | None = None


class RecordingFiles(MigrationFiles):
    """MigrationFiles that notes every answer it gives, for the memo."""

    def __init__(self, changes: ChangeSet) -> None:
        super().__init__(changes)
        self.inputs = Inputs()

    def load(self, path: str) -> tuple[str, ParseProblem | None] | None:
        loaded = super().load(path)
        if path not in self.inputs.loads:
            self.inputs.loads[path] = _loaded_digest(loaded)
        return loaded

    def python_modules(self, directory: str) -> list[str]:
        found = super().python_modules(directory)
        self.inputs.modules[directory] = sorted(found)
        return found

    def sql_files(self, folder: str) -> list[str]:
        found = super().sql_files(folder)
        self.inputs.sql[folder] = list(found)
        return found

    def uncommitted(self) -> frozenset[str]:
        found = super().uncommitted()
        self.inputs.uncommitted = sorted(found)
        return found


def _still_true(inputs: dict[str, object], changes: ChangeSet) -> bool:
    """Whether every input the remembered run read gives the same answer now."""
    files = MigrationFiles(changes)
    loads, modules, sql = inputs.get("loads"), inputs.get("modules"), inputs.get("sql")
    if not isinstance(loads, dict) or not isinstance(modules, dict) or not isinstance(sql, dict):
        return False
    for path, digest in loads.items():
        if _loaded_digest(files.load(path)) != digest:
            return False
    if any(sorted(files.python_modules(directory)) != names for directory, names in modules.items()):
        return False
    if any(files.sql_files(folder) != names for folder, names in sql.items()):
        return False
    uncommitted = inputs.get("uncommitted")
    return uncommitted is None or sorted(files.uncommitted()) == uncommitted


@dataclass(slots=True)
class RunMemo:
    """The memo of the migration gate for one change set's candidate files under one configuration."""

    path: Path
    key: str
    baseline_exists: bool

    @classmethod
    def open(cls, changes: ChangeSet, config: Config) -> RunMemo | None:
        if not config.cache:
            return None
        candidates = sorted(f.path for f in changes.files if f.path.endswith((".sql", ".py")))
        baseline = (Path(changes.root) / config.baseline).is_file() if config.baseline else False
        key = _digest([settings_digest(config, "migrations", MIGRATION_LIBRARIES), changes.mode.value, candidates])
        return cls(cache_directory(changes.root, config) / f"migrations-{key[:32]}.json", key, baseline)

    def lookup(self, changes: ChangeSet, name: str) -> AnalyzerResult | None:
        """The remembered result when every input it read is unchanged; None otherwise (or unreadable)."""
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        try:
            if document["format"] != CACHE_FORMAT or document["key"] != self.key:
                return None
            if document["baseline"] != self.baseline_exists or not _still_true(document["inputs"], changes):
                return None
            return AnalyzerResult(
                name=name,
                findings=tuple(finding_from_json(item) for item in document["findings"]),
                seconds=0.0,
                files=int(document["files"]),
                notes=tuple(str(note) for note in document["notes"]),
                read=tuple(str(path) for path in document["read"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None  # a damaged memo is a miss; this run rewrites it

    def store(self, inputs: Inputs, result: AnalyzerResult) -> None:
        document = {
            "format": CACHE_FORMAT,
            "key": self.key,
            "baseline": self.baseline_exists,
            "inputs": {
                "loads": inputs.loads, "modules": inputs.modules, "sql": inputs.sql, "uncommitted": inputs.uncommitted,
            },
            "findings": [finding_json(f) for f in result.findings],
            "notes": list(result.notes),
            "files": result.files,
            "read": list(result.read),
        }
        try:
            prepare_directory(self.path.parent)
            write_atomic(self.path, json.dumps(document, separators=(",", ":")))
        except OSError:
            return  # only a slower next run
