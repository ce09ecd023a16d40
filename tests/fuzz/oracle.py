"""Running reviewbot on generated input, and what must hold whatever the input (DESIGN.md's promises).

The oracles here are independent of reviewbot: whether libcst, pglast or CPython can parse a file is
asked of those libraries directly, in a separate process (a crash there must not take the test down).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from reviewbot.cli import main_group
from reviewbot.core.meta import MAX_MESSAGE_CHARS

REVIEWBOT = str(Path(sys.executable).parent / "reviewbot")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Fuzz",
    "GIT_AUTHOR_EMAIL": "fuzz@example.com",
    "GIT_COMMITTER_NAME": "Fuzz",
    "GIT_COMMITTER_EMAIL": "fuzz@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}
# A file every batch carries: if its finding is missing, one bad file stopped the others being checked.
CANARY_PATH = "payments/canary.py"
CANARY_SOURCE = "def refund_total(order) -> float:\n    amount: float = order.total\n    return amount\n"
CANARY_RULE = "RB101"


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    data: dict[str, object] | None = None
    findings: list[dict[str, object]] = field(default_factory=list)

    def rules_on(self, path: str) -> set[str]:
        return {str(f["rule"]) for f in self.findings if f["path"] == path}


@contextlib.contextmanager
def chdir(path: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def run_cli(args: Sequence[str], cwd: Path) -> Run:
    """reviewbot's CLI in this process (as the tests' `cli` fixture does); JSON parsed when printed."""
    with chdir(cwd):
        result = CliRunner().invoke(main_group, list(args), catch_exceptions=False)
    return _parsed(result.exit_code, result.stdout, result.stderr)


def run_process(args: Sequence[str], cwd: Path, timeout: float = 600) -> Run:
    """The installed `reviewbot` command in a subprocess."""
    done = subprocess.run([REVIEWBOT, *args], cwd=cwd, capture_output=True, timeout=timeout, check=False)
    return _parsed(done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"))


def _parsed(code: int, stdout: str, stderr: str) -> Run:
    run = Run(code, stdout, stderr)
    if stdout.lstrip().startswith("{"):
        try:
            data = json.loads(stdout)
        except json.JSONDecodeError:
            return run
        run.data = data
        findings = data.get("findings")
        run.findings = findings if isinstance(findings, list) else []
    return run


def contract_violations(run: Run, what: str, *, gate_exit_codes: Sequence[int] = (0, 1)) -> list[str]:
    """What DESIGN.md promises of any run: the gate's exit codes, no traceback, valid JSON, bounded messages."""
    problems: list[str] = []
    if run.exit_code not in gate_exit_codes:
        problems.append(f"{what}: exit {run.exit_code}, stderr: {run.stderr.strip()[-300:]!r}")
    for marker in ("Traceback", "internal error"):
        if marker in run.stderr:
            problems.append(f"{what}: {marker!r} on stderr: {run.stderr.strip()[-300:]!r}")
    if run.exit_code in (0, 1):
        if run.data is None:
            problems.append(f"{what}: stdout is not the JSON report: {run.stdout[:200]!r}")
        elif run.data.get("schema") != "reviewbot/1":
            problems.append(f"{what}: schema {run.data.get('schema')!r}")
    for finding in run.findings:
        message = str(finding.get("message", ""))
        if len(message) > MAX_MESSAGE_CHARS:
            problems.append(f"{what}: a {len(message)}-character message on {finding.get('path')}")
    return problems


def git(repo: Path, *args: str, input_bytes: bytes | None = None) -> bytes:
    env = {**os.environ, **GIT_ENV, "HOME": str(repo)}
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, input=input_bytes, check=True)
    return done.stdout


def write(root: Path, rel: str | bytes, data: bytes) -> Path:
    target = Path(os.fsdecode(root)) / os.fsdecode(rel)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


# ------------------------------------------------------------ independent parse oracles

_ORACLE = textwrap.dedent(
    """
    import json, sys, threading
    kind = sys.argv[1]
    sys.setrecursionlimit(100000)
    threading.stack_size(512 * 1024 * 1024)
    def verdict(path):
        data = open(path, "rb").read()
        try:
            if kind == "libcst":
                import libcst
                libcst.parse_module(data)
            elif kind == "pglast":
                import pglast
                pglast.parse_sql(data.decode("utf-8"))
            else:
                import ast
                ast.parse(data)
        except BaseException as err:
            return "error: " + type(err).__name__
        return "ok"
    def main():
        for path in sys.argv[2:]:
            print(json.dumps([path, verdict(path)]), flush=True)
    thread = threading.Thread(target=main)
    thread.start()
    thread.join()
    """
)


def parse_verdicts(kind: str, paths: Sequence[Path], timeout: float = 300) -> dict[str, str]:
    """path -> "ok" | "error: <type>" | "crash" | "timeout", asking `kind` (libcst, pglast, ast) directly."""
    verdicts: dict[str, str] = {}
    pending = [str(p) for p in paths]
    while pending:
        try:
            done = subprocess.run(
                [sys.executable, "-c", _ORACLE, kind, *pending], capture_output=True, timeout=timeout, check=False
            )
            out = done.stdout
        except subprocess.TimeoutExpired as err:
            out = err.stdout or b""
            done = None
        for line in out.decode("utf-8", "replace").splitlines():
            path, verdict = json.loads(line)
            verdicts[path] = verdict
        pending = [p for p in pending if p not in verdicts]
        if pending:  # the first unanswered file crashed or hung the oracle; go on after it
            verdicts[pending[0]] = "crash" if done is not None else "timeout"
            pending = pending[1:]
    return verdicts
