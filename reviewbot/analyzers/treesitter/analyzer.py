"""TreeSitterAnalyzer: one tree-sitter language's files of a change set, from the results cache, in
supervised workers, or in this process when they are too few to be worth a pool.

This module imports neither tree-sitter nor the rules: when a change's files all go to workers, the
parent process never loads them (the workers have them from the fork server, which preloaded the
language's engine: 20-30 ms of the parent's start on a 1,300-file audit). The engine (engine.py and the
language's module named by its TreeSitterLanguage) is imported where a file is analysed here.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reviewbot.analyzers.base import AnalyzerResult, Progress
from reviewbot.analyzers.treesitter.languages import TreeSitterLanguage
from reviewbot.analyzers.treesitter.pool import uses_pool
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet
from reviewbot.core.findings import Finding
from reviewbot.core.jobs import effective_jobs
from reviewbot.core.meta import PARSE_ERROR, meta_finding

if TYPE_CHECKING:
    from reviewbot.analyzers.cache import ResultCache
    from reviewbot.analyzers.treesitter.engine import LanguageSpec


@dataclass(frozen=True, slots=True)
class FileJob:
    path: str
    text: str | None


def language_spec(language: TreeSitterLanguage) -> LanguageSpec:
    """The language's LanguageSpec (its grammars and rules): the `SPEC` of its engine module."""
    from reviewbot.analyzers.treesitter.engine import LanguageSpec

    spec = importlib.import_module(language.engine).SPEC
    assert isinstance(spec, LanguageSpec) and spec.name == language.name  # tests/analyzers/treesitter
    return spec


_WORKER: dict[str, object] = {}


def _init_worker(root: str, config: Config, language: TreeSitterLanguage) -> None:
    _WORKER.update(root=root, config=config, spec=language_spec(language))


def _run_job(job: FileJob) -> list[Finding]:
    from reviewbot.analyzers.treesitter.engine import LanguageSpec, run_one

    root, config, spec = _WORKER["root"], _WORKER["config"], _WORKER["spec"]
    assert isinstance(root, str) and isinstance(config, Config) and isinstance(spec, LanguageSpec)  # _init_worker
    return run_one(root, config, spec, job)


class TreeSitterAnalyzer:
    """One language's rules over the files of the change set with its suffixes."""

    def __init__(self, language: TreeSitterLanguage) -> None:
        self.language = language

    @property
    def name(self) -> str:
        return self.language.name

    def analyze(self, changes: ChangeSet, config: Config, progress: Progress) -> AnalyzerResult:
        started = time.perf_counter()
        files = changes.with_suffix(self.language.suffixes)
        findings: list[Finding] = []
        # The results cache (analyzers/cache.py): unchanged files come from it, the others are parsed.
        # Imported here, by the parent only: the fork server and its workers never need it.
        from reviewbot.analyzers.cache import ResultCache, cached_source

        cache = ResultCache.open(changes.root, config, self.language.name, TREE_SITTER_LIBRARIES)
        jobs: list[FileJob] = []
        digests: dict[str, str] = {}
        for f in files:
            found = cached_source(changes.root, f.path, f.text) if cache is not None else None
            if cache is not None and found is not None:
                hit = cache.get(f.path, found[1])
                if hit is not None:
                    findings.extend(hit)
                    continue
                digests[f.path] = found[1]
            jobs.append(FileJob(f.path, found[0] if found is not None else f.text))
        workers = effective_jobs(config.jobs)
        label = self.language.name
        if uses_pool(workers, changes.root, ((job.path, job.text) for job in jobs)):
            # Imported here: a run of a few files never starts a process (multiprocessing, about 15 ms).
            from reviewbot.analyzers.workers import Lost, WorkerPool

            # Supervised workers forked from the fork server (analyzers/workers.py), as for Python: a
            # grammar that crashes or hangs on a file costs that file (RB901), never the run, and no
            # worker inherits a lock one of the other analyzers' threads held.
            with WorkerPool(
                min(workers, len(jobs)), _run_job, config.file_timeout_seconds,
                initializer=_init_worker, initargs=(changes.root, config, self.language),
            ) as pool:
                for done, (index, outcome) in enumerate(pool.map(jobs), start=1):
                    job = jobs[index]
                    if isinstance(outcome, Lost):
                        findings.append(meta_finding(PARSE_ERROR, job.path, f"not analysed: {outcome.reason}"))
                    else:
                        findings.extend(outcome)
                        _remember(cache, digests, job, outcome)
                    progress.advance(label, done, len(jobs))
        elif jobs:
            from reviewbot.analyzers.treesitter.engine import run_one

            spec = language_spec(self.language)
            for done, job in enumerate(jobs, start=1):
                result = run_one(changes.root, config, spec, job)
                findings.extend(result)
                _remember(cache, digests, job, result)
                progress.advance(label, done, len(jobs))
        if cache is not None:
            cache.save()
        return AnalyzerResult(
            name=self.name,
            findings=tuple(findings),
            seconds=time.perf_counter() - started,
            files=len(files),
            read=tuple(f.path for f in files),
        )


# What decides a file's findings besides our code and the configuration (the cache's settings key).
TREE_SITTER_LIBRARIES = ("tree-sitter", "tree-sitter-typescript", "tree-sitter-go")


def _remember(cache: ResultCache | None, digests: dict[str, str], job: FileJob, result: list[Finding]) -> None:
    digest = digests.get(job.path)
    if cache is not None and digest is not None:
        cache.put(job.path, digest, result)
