"""Unified diffs (git diff, a PR's .diff) -> FileChanges with changed line ranges, via unidiff."""

from __future__ import annotations

import re
from pathlib import Path

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchedFile, PatchSet

from reviewbot.core.changes import ChangeSet, FileChange, FileStatus, Hunk, Mode, SkippedFile, SkipReason
from reviewbot.errors import SourceError

# git quotes a path holding non-ASCII bytes (unless core.quotepath is off), a quote, a backslash or a
# control character, C-style: "b/caf\303\251.py".
_C_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
_OCTAL_RE = re.compile(r"[0-3][0-7]{2}")
# A gitlink's mode, in `new file mode 160000`, `deleted file mode 160000` or `index abc..def 160000`.
_GITLINK_MODE_RE = re.compile(r"^(?:new file mode|deleted file mode|old mode|new mode|index \S+) 160000$", re.M)
_SUBPROJECT_LINE_RE = re.compile(r"Subproject commit [0-9a-f]{7,64}(-dirty)?")


def unquote_path(name: str) -> str:
    """A path as git printed it, unquoted: `"caf\303\251.py"` -> `café.py` (bytes that are not UTF-8
    stay as lone surrogates, like os.fsdecode)."""
    if len(name) < 2 or not (name.startswith('"') and name.endswith('"')):
        return name
    body, out, i = name[1:-1], bytearray(), 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in _C_ESCAPES:
                out.append(_C_ESCAPES[nxt])
                i += 2
                continue
            if _OCTAL_RE.match(body, i + 1):
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
        out.extend(char.encode("utf-8", "surrogateescape"))
        i += 1
    return out.decode("utf-8", "surrogateescape")


def _strip_prefix(name: str | None) -> str | None:
    if name is None:
        return None
    name = unquote_path(name)
    if name == "/dev/null":
        return None
    for prefix in ("a/", "b/"):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _is_gitlink(patched: PatchedFile) -> bool:
    """A submodule's commit pointer: git marks its mode 160000; the PR files API only shows its lines."""
    info = "".join(str(line) for line in patched.patch_info or ())
    if _GITLINK_MODE_RE.search(info):
        return True
    lines = [line for hunk in patched for line in hunk if line.is_added or line.is_removed]
    return bool(lines) and all(_SUBPROJECT_LINE_RE.fullmatch(line.value.rstrip("\n")) for line in lines)


def parse_diff(text: str) -> tuple[list[FileChange], list[SkippedFile]]:
    """Parse a unified diff; deleted, binary, mode-only and submodule entries are skipped and counted."""
    # unidiff reads lines; CRLF line ends in the patch itself would leak into paths and text.
    normalised = text.replace("\r\n", "\n")
    try:
        patch = PatchSet(normalised)
    except UnidiffParseError as err:
        raise SourceError(f"malformed patch: {err}", hint="pass the output of `git diff` or a PR's .diff") from err
    files: list[FileChange] = []
    skipped: list[SkippedFile] = []
    for patched in patch:
        path = _strip_prefix(patched.target_file) or _strip_prefix(patched.source_file) or unquote_path(patched.path)
        if _is_gitlink(patched):
            skipped.append(SkippedFile(path, SkipReason.SUBMODULE))
            continue
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
        raise SourceError(f"patch file {path} does not exist", hint="check the path, e.g. `git diff > change.patch` first")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise SourceError(
            f"cannot read patch file {path}: {err.strerror or err}", hint="check the file's permissions"
        ) from err
    # A patch may carry files in any encoding; the diff structure is ASCII, so decode leniently.
    return data.decode("utf-8", errors="surrogateescape")


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
