"""The documented safe recipes, as real migration files, produce no findings."""

from __future__ import annotations

from pathlib import Path

from reviewbot.analyzers.base import NullProgress
from reviewbot.analyzers.migrations.engine import MigrationAnalyzer
from reviewbot.analyzers.migrations.layout import RUNNER_CHOICES
from reviewbot.config import MIGRATION_RUNNERS, Config
from reviewbot.core.changes import ChangeSet, FileChange

TREE = Path(__file__).parent / "safe_recipes"


def test_safe_recipe_tree_passes_the_gate_cleanly():
    files = tuple(FileChange(str(p.relative_to(TREE))) for p in sorted(TREE.rglob("*.sql")))
    result = MigrationAnalyzer().analyze(ChangeSet(root=str(TREE), files=files), Config(), NullProgress())
    assert result.files == len(files) == 5
    assert result.findings == ()


def test_config_accepts_exactly_the_runners_the_layout_knows():
    assert set(MIGRATION_RUNNERS) == set(RUNNER_CHOICES)
