"""Unified diffs (git diff, a PR's .diff) -> FileChanges with changed line ranges, via unidiff."""

from __future__ import annotations

from pathlib import Path

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

from reviewbot.core.changes import ChangeSet, FileChange, FileStatus, Hunk, Mode, SkippedFile, SkipReason
from reviewbot.errors import SourceError


def _strip_prefix(name: str | None) -> str | None:
    if name is None or name == "/dev/null":
        return None
    for prefix in ("a/", "b/"):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def parse_diff(text: str) -> tuple[list[FileChange], list[SkippedFile]]:
    """Parse a unified diff; deleted, binary and mode-only files are skipped and counted."""
    # unidiff reads lines; CRLF line ends in the patch itself would leak into paths and text.
    normalised = text.replace("\r\n", "\n")
    try:
        patch = PatchSet(normalised)
    except UnidiffParseError as err:
        raise SourceError(f"malformed patch: {err}", hint="pass the output of `git diff` or a PR's .diff") from err
    files: list[FileChange] = []
    skipped: list[SkippedFile] = []
    for patched in patch:
        path = _strip_prefix(patched.target_file) or _strip_prefix(patched.source_file) or patched.path
        if patched.is_removed_file:
            skipped.append(SkippedFile(_strip_prefix(patched.source_file) or path, SkipReason.DELETED))
            continue
        if patched.is_binary_file:
            skipped.append(SkippedFile(path, SkipReason.BINARY))
            continue
        old_path = _strip_prefix(patched.source_file)
        renamed = bool(getattr(patched, "is_rename", False)) or (old_path is not None and old_path != path)
        hunks = tuple(
            Hunk(
                new_start=h.target_start,
                new_end=h.target_start + max(h.target_length, 1) - 1,
                added=tuple(line.target_line_no for line in h if line.is_added and line.target_line_no),
            )
            for h in patched
        )
        if patched.is_added_file:
            status = FileStatus.ADDED
        elif renamed:
            status = FileStatus.RENAMED
        elif not hunks:
            skipped.append(SkippedFile(path, SkipReason.MODE_ONLY))
            continue
        else:
            status = FileStatus.MODIFIED
        files.append(FileChange(path, status, old_path if renamed else None, hunks))
    if not files and not skipped and normalised.strip():
        raise SourceError(
            "malformed patch: no file changes found",
            hint="pass a unified diff (lines starting with ---, +++ and @@), e.g. from `git diff`",
        )
    return files, skipped


def read_patch_file(path: Path) -> str:
    if path.is_dir():
        raise SourceError(f"{path} is a directory, not a patch file", hint="pass a file made by `git diff > change.patch`")
    if not path.exists():
        raise SourceError(f"patch file {path} does not exist")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise SourceError(f"cannot read patch file {path}: {err.strerror or err}") from err
    # A patch may carry files in any encoding; the diff structure is ASCII, so decode leniently.
    return data.decode("utf-8", errors="replace")


def collect_patch(patch_path: Path, root: Path) -> ChangeSet:
    """A patch already applied to the working tree at `root`: review its new side."""
    files, skipped = parse_diff(read_patch_file(patch_path))
    for change in files:
        if not (root / change.path).is_file():
            raise SourceError(
                f"{change.path} from the patch is not in the working tree at {root}",
                hint="check out the patch's head commit (or apply the patch) before running reviewbot",
            )
    return ChangeSet(
        root=str(root),
        files=tuple(sorted(files, key=lambda f: f.path)),
        mode=Mode.DIFF,
        skipped=tuple(skipped),
    )
