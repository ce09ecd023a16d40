"""Running git: argument lists, captured output, errors as SourceError."""

from __future__ import annotations

import subprocess
from pathlib import Path

from reviewbot.errors import SourceError

GIT_TIMEOUT_SECONDS = 120


def git(root: Path, *args: str, check: bool = True) -> bytes:
    """Run `git args...` in `root`; return stdout bytes or raise SourceError with git's message."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=root,
            capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError as err:
        raise SourceError("git is not installed", hint="install git, or use `reviewbot diff --patch FILE`") from err
    except subprocess.TimeoutExpired as err:
        raise SourceError(f"git {' '.join(args)} took longer than {GIT_TIMEOUT_SECONDS}s") from err
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        first = message[0] if message else f"exit status {done.returncode}"
        raise SourceError(f"git {args[0]} failed: {first}")
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
