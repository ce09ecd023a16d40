"""PythonAnalyzer: the change set's Python files, from the results cache or parsed in supervised workers.

This module does not import libcst: a run whose every file is in the cache (an unchanged re-audit)
never loads the parser or the rules; the workers import them (engine.py, preloaded by the fork server).
The fork server imports this module too (for FileJob and the worker's entry points), so what only the
parent needs (the results cache, the migration layout) is imported where the parent uses it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from reviewbot.analyzers.base import AnalyzerResult, Progress
from reviewbot.analyzers.workers import Lost, WorkerPool
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet, FileChange
from reviewbot.core.findings import Finding
from reviewbot.core.jobs import effective_jobs
from reviewbot.core.meta import PARSE_ERROR, meta_finding

_PYTHON_SUFFIXES = (".py", ".pyi")
# What decides the findings besides our own code and the configuration (the cache's settings key).
PARSER_LIBRARIES = ("libcst",)


@dataclass(frozen=True, slots=True)
class FileJob:
    path: str
    text: str | None
    # Where a finding about the whole file goes (too large, lost): the first line the change added, so
    # that in `diff` modes a changed file that could not be checked fails the gate.
    first_line: int = 1


_WORKER_STATE: dict[str, object] = {}


def _init_worker(root: str, config: Config) -> None:
    _WORKER_STATE["root"] = root
    _WORKER_STATE["config"] = config


def _run_job(job: FileJob) -> list[Finding]:
    from reviewbot.analyzers.python.engine import run_job

    root = _WORKER_STATE["root"]
    config = _WORKER_STATE["config"]
    assert isinstance(root, str) and isinstance(config, Config)  # set by _init_worker
    return run_job(root, config, job)


def python_files(changes: ChangeSet, config: Config) -> list[FileChange]:
    """Python files for the payment rules; migration modules belong to the migrations analyzer,
    so each file is parsed once."""
    from reviewbot.analyzers.migrations.layout import is_python_migration_path

    return [
        f
        for f in changes.files
        if f.path.endswith(_PYTHON_SUFFIXES) and not is_python_migration_path(f.path, config)
    ]


class PythonAnalyzer:
    """reviewbot's own Python rules (RB1xx, RB2xx, RB3xx, RB5xx, RB7xx).

    Files are parsed in supervised worker processes (analyzers/workers.py), even a single file: a fork
    costs about 10 ms, and a file that crashes or hangs the native parser then costs only itself.
    """

    name = "reviewbot"

    def analyze(self, changes: ChangeSet, config: Config, progress: Progress) -> AnalyzerResult:
        from reviewbot.analyzers.cache import ResultCache, cached_source

        started = time.perf_counter()
        files = python_files(changes, config)
        cache = ResultCache.open(changes.root, config, "python", PARSER_LIBRARIES)
        findings: list[Finding] = []
        jobs: list[FileJob] = []
        digests: list[str | None] = []
        for change in files:
            job = FileJob(change.path, change.text, 1 if change.is_whole else min(change.added_lines, default=1))
            digest = None
            found = cached_source(changes.root, job.path, job.text, config.max_file_bytes) if cache else None
            if cache is not None and found is not None:
                text, digest = found
                cached = cache.get(job.path, digest)
                if cached is not None:
                    findings.extend(cached)
                    continue
                job = FileJob(job.path, text, job.first_line)
            jobs.append(job)
            digests.append(digest)
        done_before = len(files) - len(jobs)
        workers = min(effective_jobs(config.jobs), len(jobs))
        if jobs:
            with WorkerPool(
                workers, _run_job, config.file_timeout_seconds, initializer=_init_worker, initargs=(changes.root, config)
            ) as pool:
                for done, (index, outcome) in enumerate(pool.map(jobs), start=done_before + 1):
                    job = jobs[index]
                    if isinstance(outcome, Lost):
                        # Never cached: a lost file is a property of this run (time, memory), not of the file.
                        findings.append(meta_finding(PARSE_ERROR, job.path, f"not analysed: {outcome.reason}", job.first_line))
                    else:
                        findings.extend(outcome)
                        digest = digests[index]
                        if cache is not None and digest is not None:
                            cache.put(job.path, digest, outcome)
                    progress.advance("python", done, len(files))
        if cache is not None:
            cache.save()
        return AnalyzerResult(
            name=self.name,
            findings=tuple(findings),
            seconds=time.perf_counter() - started,
            files=len(files),
            read=tuple(f.path for f in files),
        )
