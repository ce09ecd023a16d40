"""A real PostgreSQL for the trace tests: one throwaway cluster, started by reviewbot's own server code.

`.ci/run` installs Debian's `postgresql` package; the cluster runs from its binaries in a temporary
directory (as the `postgres` user when the tests run as root) and is removed when the session ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from reviewbot.analyzers.trace.engine import TraceRequest
from reviewbot.analyzers.trace.server import Server, find_binaries, open_server
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet, FileChange, FileStatus, Mode
from reviewbot.pipeline import RunResult, load, run
from tests.e2e.scenario_runner import Scenario, prepare, scenarios

ROWS = 500


@pytest.fixture(scope="session")
def postgres() -> Server:
    if find_binaries() is None:
        pytest.fail("no PostgreSQL server binaries: install them (apt-get install -y postgresql), as .ci/run does")
    with open_server(None) as server:
        yield server


def scenario(name: str) -> Scenario:
    return next(s for s in scenarios() if s.name.startswith(name))


@dataclass
class Traced:
    result: RunResult
    root: Path

    @property
    def report(self):
        assert self.result.trace is not None, self.result.notes
        return self.result.trace

    def statement(self, path_end: str, line: int):
        for migration in self.report.migrations:
            if migration.path.endswith(path_end):
                for stmt in migration.statements:
                    if stmt.statement.line == line:
                        return stmt
        raise AssertionError(f"no traced statement at {path_end}:{line}: {self.report}")

    def findings(self, rule: str | None = None):
        return [f for f in self.result.findings if rule is None or f.rule == rule]


def trace_scenario(name: str, server: Server, tmp_path: Path, rows: int = ROWS) -> Traced:
    """Apply a fixtures/prs scenario to the platform and run the pipeline with the trace."""
    from reviewbot.sources.git import collect_range

    repo, base, head = prepare(scenario(name), tmp_path)
    changes = collect_range(repo, base, head)
    config = load(repo, None)
    result = run(changes, config, (), trace=TraceRequest(postgres_url=server.conninfo, rows=rows))
    return Traced(result, repo)


def trace_files(root: Path, files: dict[str, str], server: Server | None, rows: int = ROWS,
                config: Config | None = None, url: str | None = None) -> Traced:
    """Earlier files already in `root`; `files` are the change (added whole)."""
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    changes = ChangeSet(str(root), tuple(FileChange(p, FileStatus.ADDED, text=t) for p, t in files.items()),
                        mode=Mode.DIFF)
    cfg = config or Config(root=str(root))
    request = TraceRequest(postgres_url=url if url is not None else (server.conninfo if server else None), rows=rows)
    return Traced(run(changes, cfg, (), trace=request), root)


def write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

