"""The pre-commit source: the files pre-commit passes, checked the way its mode asks.

pre-commit passes file names in every mode; what the names are says which mode it runs in:

- `--from-ref A --to-ref B` (and the pre-push stage) set PRE_COMMIT_FROM_REF / PRE_COMMIT_TO_REF: the
  changed lines of the range A...B in the files given, read from B;
- a `git commit` (or a bare `pre-commit run`) passes the staged files: when every name is staged, the
  staged lines of those files, read from the index — a commit gates a legacy file on what it changes;
- otherwise (`--all-files`, `--files X`): the whole files given, like `reviewbot audit FILE...`.

The baseline applies in every mode, and so do `exclude`/`extend-exclude` (like ruff's --force-exclude:
pre-commit passes every file it has, excluded or not).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet, SkipReason
from reviewbot.errors import UsageError
from reviewbot.sources.git import collect_range, collect_staged
from reviewbot.sources.paths import collect_audit, is_excluded, relative

FROM_REF_ENV = "PRE_COMMIT_FROM_REF"
TO_REF_ENV = "PRE_COMMIT_TO_REF"


class HookMode(StrEnum):
    RANGE = "range"  # --from-ref/--to-ref, pre-push
    STAGED = "staged"  # git commit
    FILES = "files"  # --all-files, --files


@dataclass(frozen=True, slots=True)
class HookChanges:
    changes: ChangeSet
    mode: HookMode
    excluded: tuple[str, ...]  # names pre-commit passed that exclude/extend-exclude leave out


def collect_hook(root: Path, names: Sequence[str], config: Config, environ: Mapping[str, str]) -> HookChanges:
    """The change set for the files pre-commit passed, in the mode its arguments imply."""
    wanted = {relative(root, Path(name)) for name in names}
    excludes = (*config.exclude, *config.extend_exclude)
    excluded = tuple(sorted(p for p in wanted if is_excluded(p, excludes)))
    wanted -= set(excluded)
    from_ref, to_ref = environ.get(FROM_REF_ENV, "").strip(), environ.get(TO_REF_ENV, "").strip()
    if bool(from_ref) != bool(to_ref):
        raise UsageError(f"{FROM_REF_ENV} and {TO_REF_ENV} must be set together",
                         hint="run `pre-commit run --from-ref A --to-ref B`")
    if from_ref:
        changes, mode = collect_range(root, from_ref, to_ref), HookMode.RANGE
    else:
        staged = collect_staged(root)
        staged_names = {f.path for f in staged.files}
        staged_names |= {s.path for s in staged.skipped if s.reason is not SkipReason.DELETED}
        if wanted and wanted <= staged_names:
            changes, mode = staged, HookMode.STAGED
        else:
            paths = [root / p for p in sorted(wanted)]
            return HookChanges(collect_audit(paths, root, config) if paths else _empty(root), HookMode.FILES, excluded)
    kept = tuple(f for f in changes.files if f.path in wanted)
    skipped = tuple(s for s in changes.skipped if s.path in wanted)
    return HookChanges(replace(changes, files=kept, skipped=skipped, by_path={}), mode, excluded)


def _empty(root: Path) -> ChangeSet:
    return ChangeSet(root=str(root), files=())
