"""Reading migration files for one run: the change set's text first, then the working tree, decoded once."""

from __future__ import annotations

import os
import posixpath
import subprocess
from pathlib import Path

from reviewbot.analyzers.migrations.encoding import decode_migration
from reviewbot.analyzers.migrations.model import ParseProblem
from reviewbot.core.changes import ChangeSet

GIT_TIMEOUT_SECONDS = 30


class MigrationFiles:
    """Text, decoding problems and folder listings of a change set's repository, cached per run."""

    def __init__(self, changes: ChangeSet) -> None:
        self.changes = changes
        self.root = Path(changes.root)
        self._texts: dict[str, tuple[str, ParseProblem | None] | None] = {}

    def load(self, path: str) -> tuple[str, ParseProblem | None] | None:
        """The file's text and the problem decoding it (RB901), or None when it cannot be read."""
        if path not in self._texts:
            change = self.changes.get(path)
            if change is not None and change.text is not None:
                self._texts[path] = (change.text, None)
            else:
                try:
                    raw = (self.root / path).read_bytes()
                except OSError:
                    self._texts[path] = None
                else:
                    self._texts[path] = decode_migration(path, raw)
        return self._texts[path]

    def read(self, path: str) -> str | None:
        loaded = self.load(path)
        return loaded[0] if loaded is not None else None

    def python_modules(self, directory: str) -> list[str]:
        """The `*.py` file names in a repository-relative directory."""
        try:
            return [p.name for p in (self.root / directory).iterdir() if p.suffix == ".py"]
        except OSError:
            return []

    def sql_files(self, folder: str) -> list[str]:
        """`.sql` files in `folder` and its direct subfolders, repository-relative: disk and change set."""
        found: set[str] = set()
        base = self.root / folder if folder else self.root
        try:
            entries = list(base.iterdir())
        except OSError:
            entries = []
        for entry in entries:
            if entry.is_file() and entry.suffix == ".sql":
                found.add(posixpath.join(folder, entry.name) if folder else entry.name)
            elif entry.is_dir():
                try:
                    children = [c for c in entry.iterdir() if c.suffix == ".sql" and c.is_file()]
                except OSError:
                    children = []
                for child in children:
                    found.add(posixpath.join(folder, entry.name, child.name) if folder else f"{entry.name}/{child.name}")
        prefix = f"{folder}/" if folder else ""
        for change in self.changes.files:
            rest = change.path[len(prefix):] if change.path.startswith(prefix) else None
            if rest is not None and change.path.endswith(".sql") and rest.count("/") <= 1:
                found.add(change.path)
        return sorted(found)

    def uncommitted(self) -> frozenset[str]:
        """Paths git reports as changed or untracked against HEAD (empty outside a git repository)."""
        if not _is_in_git_work_tree(self.root):
            return frozenset()  # what git answers there (status 128), without starting it (~6 ms of CPU)
        try:
            done = subprocess.run(
                ["git", "-C", str(self.root), "status", "--porcelain=v1", "-z", "--untracked-files=all"],
                capture_output=True, timeout=GIT_TIMEOUT_SECONDS, check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return frozenset()
        if done.returncode != 0:  # not a repository (128), or git failed: nothing is known to be new
            return frozenset()
        paths: set[str] = set()
        entries = done.stdout.split(b"\0")
        index = 0
        while index < len(entries):
            entry = entries[index]
            index += 1
            if len(entry) < 4:
                continue
            paths.add(os.fsdecode(entry[3:]))
            if entry[:1] in (b"R", b"C"):
                index += 1  # a rename's second field is its old path
        return frozenset(paths)


def _is_in_git_work_tree(root: Path) -> bool:
    """Whether git could find a repository for `root`: a `.git` at or above it, or GIT_DIR set.

    False only where `git status` would fail with "not a git repository".
    """
    if "GIT_DIR" in os.environ:
        return True
    # sources.gitcmd.repo_root walks up the same way, but analyzers do not import sources (same floor)
    directory = root.resolve()
    return any((candidate / ".git").exists() for candidate in (directory, *directory.parents))
