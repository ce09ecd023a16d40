"""Run one external tool: an argument list, a timeout, captured text output, never a shell."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reviewbot.analyzers import processes
from reviewbot.core.changes import FileChange
from reviewbot.errors import ToolError

# Output beyond this is not read as findings; a tool that prints more is misconfigured.
MAX_QUOTED_LINE_CHARS = 300


@dataclass(frozen=True, slots=True)
class ToolRun:
    """What one tool invocation printed and how it exited."""

    tool: str
    argv: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str
    seconds: float


def run_tool(
    tool: str,
    argv: Sequence[str],
    *,
    cwd: str | Path,
    timeout_seconds: float,
    install_hint: str,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> ToolRun:
    """Run `argv` in `cwd`; ToolError when it cannot start or runs past its timeout."""
    started = time.perf_counter()
    full_env = {**os.environ, **(env or {})}
    try:
        # An argument list built by the adapters; never a shell. Tracked, so an interrupt stops it.
        with subprocess.Popen(
            list(argv),
            cwd=str(cwd),
            env=full_env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        ) as child:
            processes.track(child)
            try:
                stdout, stderr = child.communicate(stdin, timeout=timeout_seconds)
            except subprocess.TimeoutExpired:
                child.kill()
                child.communicate()
                raise
            finally:
                processes.untrack(child)
    except FileNotFoundError as err:
        raise ToolError(f"{tool} is not installed: cannot run {argv[0]!r}", hint=install_hint) from err
    except PermissionError as err:
        raise ToolError(f"{tool} cannot be executed: {argv[0]!r} ({err.strerror})", hint=install_hint) from err
    except subprocess.TimeoutExpired as err:
        raise ToolError(
            f"{tool} did not finish within {timeout_seconds:g} seconds",
            hint="raise tool-timeout-seconds in [tool.reviewbot], or review fewer files at once",
        ) from err
    return ToolRun(
        tool=tool,
        argv=tuple(argv),
        exit_code=child.returncode,
        stdout=stdout,
        stderr=stderr,
        seconds=time.perf_counter() - started,
    )


def find_executable(name: str, configured: str = "") -> list[str] | None:
    """The command for `name`: the configured one, the one beside this Python, or PATH."""
    if configured:
        return configured.split() if " " in configured and not Path(configured).exists() else [configured]
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    on_path = shutil.which(name)
    if on_path:
        return [on_path]
    return None


def configured_executable(root: Path, command: str) -> list[str] | None:
    """A configured command (a path relative to the repository root, ~, or a name on PATH) if it exists."""
    candidate = Path(os.path.expanduser(command))
    if not candidate.is_absolute():
        candidate = root / candidate
    if candidate.is_file():
        return [str(candidate)]
    found = shutil.which(command) if os.sep not in command else None  # a bare name, on PATH
    return [found] if found else None


def quote_line(line: str) -> str:
    """One output line, trimmed to a length a message can carry."""
    text = line.strip()
    if len(text) > MAX_QUOTED_LINE_CHARS:
        return text[: MAX_QUOTED_LINE_CHARS - 1] + "…"
    return text


def relative_path(path: str, root: str | Path) -> str:
    """A tool's path (absolute, or relative to the root it ran in) in the sources' convention.

    The same convention as `sources.paths.relative`: relative to the resolved root, with `../` for a
    file outside it (`reviewbot audit ../lib`), so a tool's finding and ours on one file share a path
    and dedupe, fingerprints and baselines agree. Never an absolute path.
    """
    base = Path(root).resolve()
    candidate = Path(path)
    if not candidate.is_absolute():
        candidate = base / candidate
    resolved = candidate.resolve()
    try:
        return resolved.relative_to(base).as_posix()
    except ValueError:
        return Path(os.path.relpath(resolved, base)).as_posix()


def unsaved_texts(root: str | Path, files: Sequence[FileChange]) -> dict[str, str]:
    """Files whose reviewed text (staged, patched) differs from the working tree: path -> text.

    Tools read files from disk, so these must be shown to them another way (mypy's
    --shadow-file, ruff's stdin, a temporary copy for semgrep).
    """
    out: dict[str, str] = {}
    for change in files:
        if change.text is None:
            continue
        try:
            on_disk = (Path(root) / change.path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            on_disk = None
        if on_disk != change.text:
            out[change.path] = change.text
    return out


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on `path` (created if needed) for the block.

    Tools that share a cache across concurrent reviewbot runs (mypy's cache, tsc's build info)
    run one at a time per cache: mypy was seen to crash on a cache another run was writing.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as handle:
        if sys.platform == "win32":  # pragma: no cover - CI runs Linux; Windows gets no lock
            yield
            return
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
