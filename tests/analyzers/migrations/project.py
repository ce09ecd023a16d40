"""A small project on disk, audited by the migrations analyzer as `reviewbot audit` would."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reviewbot.analyzers.base import AnalyzerResult, NullProgress
from reviewbot.analyzers.migrations.engine import MigrationAnalyzer
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet, FileChange, FileStatus, Mode
from reviewbot.sources.paths import collect_audit


@dataclass
class Project:
    root: Path

    def write(self, files: dict[str, str | bytes]) -> Project:
        for rel, text in files.items():
            target = self.root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                target.write_bytes(text)
            else:
                target.write_text(text, encoding="utf-8")
        return self

    def audit(self, config: Config | None = None) -> AnalyzerResult:
        """The migrations analyzer over every file of the project (audit mode)."""
        config = config or Config(root=str(self.root))
        changes = collect_audit([self.root], self.root, config)
        return MigrationAnalyzer().analyze(changes, config, NullProgress())

    def diff(self, *paths: str, config: Config | None = None) -> AnalyzerResult:
        """The analyzer on `paths` added by a change (diff mode); the rest of the project is history."""
        files = tuple(FileChange(p, FileStatus.ADDED) for p in paths)
        changes = ChangeSet(root=str(self.root), files=files, mode=Mode.DIFF)
        return MigrationAnalyzer().analyze(changes, config or Config(root=str(self.root)), NullProgress())


def found(result: AnalyzerResult) -> list[tuple[str, str, int]]:
    """(path, rule, line) of every finding, sorted."""
    return sorted((f.path, f.rule, f.line) for f in result.findings)


def rules_on(result: AnalyzerResult, path: str) -> list[str]:
    return sorted(f.rule for f in result.findings if f.path == path)
