"""Diff sources from git: a base..head range, the working tree against a base, or the index."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reviewbot.core.changes import ChangeSet, FileChange, Mode
from reviewbot.errors import SourceError
from reviewbot.sources.gitcmd import git, read_blobs, verify_ref
from reviewbot.sources.patch import parse_diff

DIFF_ARGS = ("diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M", "--unified=3")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Non-UTF-8 source (e.g. latin-1 with a coding cookie): keep every byte as a character.
        return data.decode("latin-1")


def _decode_diff(data: bytes) -> str:
    """A diff's text: its structure is ASCII; a path or line that is not UTF-8 keeps its bytes as lone
    surrogates, so the path still names the file on disk (os.fsdecode does the same)."""
    return data.decode("utf-8", "surrogateescape")


def _require_repo(root: Path) -> None:
    if not (root / ".git").exists():
        raise SourceError(
            f"{root} is not inside a git repository",
            hint="run from a git checkout, or use `reviewbot diff --patch FILE` / `reviewbot audit`",
        )


def collect_range(root: Path, base: str, head: str | None) -> ChangeSet:
    """Changes of `head` (default: the working tree) since its merge base with `base`."""
    _require_repo(root)
    base_sha = verify_ref(root, base)
    head_sha = verify_ref(root, head) if head else verify_ref(root, "HEAD")
    merge_base = git(root, "merge-base", base_sha, head_sha, check=False).decode().strip() or base_sha
    if head:
        diff = git(root, *DIFF_ARGS, merge_base, head_sha)
    else:
        diff = git(root, *DIFF_ARGS, merge_base)
    files, skipped = parse_diff(_decode_diff(diff))
    if head:
        blobs = read_blobs(root, head_sha, [f.path for f in files])
        files = [replace(f, text=_decode(blobs[f.path])) for f in files]
    return ChangeSet(
        root=str(root),
        files=tuple(sorted(files, key=lambda f: f.path)),
        mode=Mode.DIFF,
        skipped=tuple(skipped),
        base_ref=base_sha,
        head_ref=head_sha if head else None,
    )


def collect_staged(root: Path) -> ChangeSet:
    """What `git commit` would record: the index against HEAD, with the index's text."""
    _require_repo(root)
    has_head = git(root, "rev-parse", "--verify", "--quiet", "HEAD", check=False).strip() != b""
    against = "HEAD" if has_head else "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's empty tree
    diff = git(root, *DIFF_ARGS, "--cached", against)
    files, skipped = parse_diff(_decode_diff(diff))
    blobs = read_blobs(root, "", [f.path for f in files])
    staged: list[FileChange] = [replace(f, text=_decode(blobs[f.path])) for f in files]
    return ChangeSet(
        root=str(root),
        files=tuple(sorted(staged, key=lambda f: f.path)),
        mode=Mode.DIFF,
        skipped=tuple(skipped),
    )
