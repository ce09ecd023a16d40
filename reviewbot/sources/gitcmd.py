"""Running git: argument lists, captured output, errors as SourceError."""

from __future__ import annotations

import subprocess
from pathlib import Path

from reviewbot.errors import SourceError

GIT_TIMEOUT_SECONDS = 120
# Paths in git's output as their own bytes (`café.py`), not C-quoted octal (`"caf\303\251.py"`); names with
# quotes or control characters are still quoted, and sources/patch.py unquotes those.
GIT_OPTIONS = ("-c", "core.quotepath=off")


def git(root: Path, *args: str, check: bool = True) -> bytes:
    """Run `git args...` in `root`; return stdout bytes or raise SourceError with git's message."""
    try:
        done = subprocess.run(
            ["git", *GIT_OPTIONS, *args],
            cwd=root,
            capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError as err:
        raise SourceError("git is not installed", hint="install git, or use `reviewbot diff --patch FILE`") from err
    except subprocess.TimeoutExpired as err:
        raise SourceError(
            f"git {' '.join(args)} took longer than {GIT_TIMEOUT_SECONDS}s",
            hint="check that the repository is not locked by another git process, or review a smaller range",
        ) from err
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        first = message[0] if message else f"exit status {done.returncode}"
        raise SourceError(f"git {args[0]} failed: {first}", hint="run the same git command yourself to see why")
    return done.stdout


def repo_root(start: Path) -> Path | None:
    """The top of the git work tree containing `start`, or None outside a repository."""
    current = start.resolve()
    if current.is_file():
        current = current.parent
    for candidate in (current, *current.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def verify_ref(root: Path, ref: str) -> str:
    """The commit sha of `ref`, or a SourceError naming it."""
    try:
        out = git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except SourceError as err:
        raise SourceError(
            f"unknown git revision {ref!r}",
            hint="fetch it first (`git fetch origin main`) or pass an existing branch, tag or sha",
        ) from err
    return out.decode().strip()


def read_blobs(root: Path, revision: str, paths: list[str]) -> dict[str, bytes]:
    """The contents of `paths` at `revision` ("" = the index) in one `git cat-file --batch` process.

    One process instead of one `git show` per file: on a 20-file change that is most of the time
    the source stage takes. Requests are NUL-terminated (`-z`), so a path may hold a newline; a path
    that is not UTF-8 goes back to git as its own bytes.
    """
    if not paths:
        return {}
    request = b"".join(f"{revision}:{path}".encode("utf-8", "surrogateescape") + b"\0" for path in paths)
    try:
        done = subprocess.run(
            ["git", *GIT_OPTIONS, "cat-file", "--batch", "-z"], cwd=root, input=request, capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS, check=False,
        )
    except FileNotFoundError as err:
        raise SourceError("git is not installed", hint="install git, or use `reviewbot diff --patch FILE`") from err
    except subprocess.TimeoutExpired as err:
        raise SourceError(
            f"git cat-file took longer than {GIT_TIMEOUT_SECONDS}s",
            hint="check that the repository is not locked by another git process, or review a smaller range",
        ) from err
    if done.returncode != 0:
        raise SourceError(
            f"git cat-file failed: {done.stderr.decode('utf-8', 'replace').strip()}",
            hint="check that the repository is readable (`git fsck`)",
        )
    out, blobs, pos = done.stdout, {}, 0
    for path in paths:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3 or header[1] != b"blob":
            raise SourceError(
                f"git has no file {path!r} at {revision or 'the index'}",
                hint="fetch the commits under review (`git fetch`), or report the path if it exists",
            )
        size = int(header[2])
        blobs[path] = out[pos:pos + size]
        pos += size + 1  # the content is followed by a newline
    return blobs
