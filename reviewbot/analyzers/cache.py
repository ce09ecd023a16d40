"""The results cache: an analyzer's findings per file, remembered between runs (like ruff's cache).

One JSON pack per analyzer and *settings key* under `.reviewbot_cache/` at the repository root. The
settings key is a digest of everything besides a file's own bytes that can change what an analyzer
reports on it: reviewbot's version and the digest of its own source files (so an upgrade, or an edit
of an editable install, never reads an older run's results), the versions of the parser libraries,
the effective configuration (rule selection, money names, migration settings…) minus the keys that
only the gate or the scheduler read, and the analyzer's name. Inside a pack, an entry is found by
the file's path and the digest of its bytes.

Safe under concurrent runs: a pack is written to a temporary file in the same directory and renamed
over the old one (atomic on POSIX and Windows), after merging what another run wrote meanwhile. A pack
or an entry that cannot be read (truncated, edited, another format) is ignored and rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from reviewbot.config import (
    Config,
    GithubConfig,
    GoVetConfig,
    LlmConfig,
    MypyConfig,
    RuffConfig,
    SemgrepConfig,
    TraceConfig,
    TscConfig,
)
from reviewbot.core.findings import Confidence, Finding, Fix, Severity, Span

CACHE_FORMAT = 1  # bumped when the pack's layout changes
DEFAULT_CACHE_DIR = ".reviewbot_cache"
# Written as ruff and pytest do, so backup tools and `git status` leave the directory alone.
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by reviewbot.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
# Configuration keys no cached analyzer reads: the gate's, the scheduler's, the reporters', the external
# tools'. Changing them keeps the cache; any other key (a new one included) is part of the settings key.
_GATE_ONLY = {
    "fail_on": "error", "diff_filter": "added", "min_confidence": "high", "jobs": 0,
    "file_timeout_seconds": 0, "tool_timeout_seconds": 0, "tools": (), "optional_tools": (),
    "llm": LlmConfig(), "github": GithubConfig(), "cache": True, "cache_dir": "",
    # The external tools' sections (their own caches): `review` resolves a relative `command` against a
    # fresh temporary checkout of the base commit, which would change the key on every run.
    "mypy": MypyConfig(), "tsc": TscConfig(), "go_vet": GoVetConfig(), "ruff": RuffConfig(),
    "semgrep": SemgrepConfig(), "trace": TraceConfig(),
    # Where the configuration came from, for messages (`review` names the base commit in it).
    "source": "",
}


def content_digest(data: bytes) -> str:
    """The digest a file's entry is found by."""
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def cached_source(root: str, path: str, text: str | None, max_bytes: int | None = None) -> tuple[str, str] | None:
    """(the text a worker should analyse, the digest of its UTF-8 bytes) for one file of a change set;
    None when the file is not worth remembering (unreadable, over `max_bytes`, not UTF-8): its worker
    reads it and reports it as usual. Handing the worker this very text means what is stored under the
    digest is what those bytes gave, even if the file changes on disk during the run."""
    if text is not None:
        try:
            return text, content_digest(text.encode("utf-8"))
        except UnicodeError:  # lone surrogates: a name or text that was not UTF-8
            return None
    try:
        with open(os.path.join(root, path), "rb") as handle:
            source = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except OSError:
        return None
    if max_bytes is not None and len(source) > max_bytes:
        return None
    try:
        return source.decode("utf-8"), content_digest(source)
    except UnicodeDecodeError:
        return None


@cache
def code_digest() -> str:
    """reviewbot's version and a digest of its own source files (an editable install changes without
    a new version; an installed one keeps its digest between CI runs, unlike file times)."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.blake2b(digest_size=20)
    digest.update(_version("reviewbot").encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<unreadable>")
    return digest.hexdigest()


def _version(dist: str) -> str:
    from importlib import metadata  # ~15 ms of imports (email, zipfile): only a run that uses the cache pays

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def settings_digest(config: Config, analyzer: str, libraries: Sequence[str] = ()) -> str:
    """The settings key: everything but a file's bytes that decides an analyzer's findings on it."""
    relevant = replace(config, **_GATE_ONLY)  # type: ignore[arg-type]  # the names are Config fields
    parts = {
        "format": CACHE_FORMAT,
        "analyzer": analyzer,
        "code": code_digest(),
        "libraries": {name: _version(name) for name in libraries},
        # A frozen dataclass of tuples, strings and numbers: its repr is a stable, complete rendering.
        "config": repr(relevant),
    }
    return hashlib.blake2b(json.dumps(parts, sort_keys=True).encode(), digest_size=20).hexdigest()


def cache_directory(root: str, config: Config) -> Path:
    """Where the packs live: `cache-dir` (relative to the repository root), `.reviewbot_cache` by default."""
    return Path(root) / (config.cache_dir or DEFAULT_CACHE_DIR)


@dataclass(slots=True)
class ResultCache:
    """One analyzer's pack for one settings key: `get` what an earlier run found, `put` what this one did."""

    directory: Path
    analyzer: str
    key: str
    entries: dict[str, tuple[str, tuple[Finding, ...]]] = field(default_factory=dict)
    fresh: dict[str, tuple[str, tuple[Finding, ...]]] = field(default_factory=dict)
    hits: int = 0

    @classmethod
    def open(cls, root: str, config: Config, analyzer: str, libraries: Sequence[str] = ()) -> ResultCache | None:
        """The pack for this run, or None when caching is off (`--no-cache`, `cache = false`)."""
        if not config.cache:
            return None
        made = cls(cache_directory(root, config), analyzer, settings_digest(config, analyzer, libraries))
        made.entries = _read_pack(made.path, made.key)
        return made

    @property
    def path(self) -> Path:
        return self.directory / f"{self.analyzer}-{self.key[:32]}.json"

    def get(self, path: str, digest: str) -> tuple[Finding, ...] | None:
        """The findings an earlier run reported on these exact bytes at this path, or None."""
        entry = self.entries.get(path)
        if entry is None or entry[0] != digest:
            return None
        self.hits += 1
        return entry[1]

    def put(self, path: str, digest: str, findings: Iterable[Finding]) -> None:
        self.fresh[path] = (digest, tuple(findings))

    def save(self) -> None:
        """Merge this run's entries into the pack on disk, atomically; a cache that cannot be written is
        only a slower next run, never a failed one."""
        if not self.fresh:
            return
        try:
            prepare_directory(self.directory)
            merged = _read_pack(self.path, self.key)  # what a concurrent run wrote since we read it
            merged.update(self.fresh)
            document = {
                "format": CACHE_FORMAT,
                "key": self.key,
                "entries": {
                    path: {"digest": digest, "findings": [finding_json(f) for f in findings]}
                    for path, (digest, findings) in sorted(merged.items())
                },
            }
            write_atomic(self.path, json.dumps(document, separators=(",", ":")))
        except OSError:
            return
        self.entries = merged
        self.fresh = {}


def prepare_directory(directory: Path) -> None:
    """Create the cache directory with a `.gitignore` of `*` and a CACHEDIR.TAG, as ruff does."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in ((".gitignore", "# Automatically created by reviewbot.\n*\n"), ("CACHEDIR.TAG", CACHEDIR_TAG)):
        if not (directory / name).exists():
            write_atomic(directory / name, text)


def write_atomic(path: Path, text: str) -> None:
    """Write a temporary file beside `path`, then rename it over `path`: readers see old or new, never half."""
    import tempfile  # only a run that writes its cache needs it

    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _read_pack(path: Path, key: str) -> dict[str, tuple[str, tuple[Finding, ...]]]:
    """The pack's readable entries; nothing when it is missing, corrupt or for another key."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(document, dict) or document.get("format") != CACHE_FORMAT or document.get("key") != key:
        return {}
    raw_entries = document.get("entries")
    if not isinstance(raw_entries, dict):
        return {}
    entries: dict[str, tuple[str, tuple[Finding, ...]]] = {}
    for name, raw in raw_entries.items():
        try:
            digest = raw["digest"]
            if not isinstance(digest, str):
                continue
            entries[name] = (digest, tuple(finding_from_json(item) for item in raw["findings"]))
        except (KeyError, TypeError, ValueError):
            continue  # a damaged entry is a miss; this run's result replaces it
    return entries


def finding_json(finding: Finding) -> dict[str, object]:
    """A finding as the cache stores it (every field, so that it comes back equal)."""
    data: dict[str, object] = {
        "rule": finding.rule,
        "family": finding.family,
        "severity": finding.severity.value,
        "path": finding.path,
        "span": _span_json(finding.span),
        "message": finding.message,
        "help": finding.help,
        "tool": finding.tool,
        "fingerprint": finding.fingerprint,
        "confidence": finding.confidence.value,
        "in_diff": finding.in_diff,
        "blocking": finding.blocking,
    }
    if finding.fix is not None:
        data["fix"] = {"replacement": finding.fix.replacement, "span": _span_json(finding.fix.span), "safe": finding.fix.safe}
    return data


def _span_json(span: Span) -> list[int]:
    return [span.line, span.column, span.end_line, span.end_column]


def finding_from_json(data: Mapping[str, object]) -> Finding:
    """The inverse of finding_json; TypeError/ValueError/KeyError on anything else."""
    fix_data = data.get("fix")
    fix = None
    if fix_data is not None:
        if not isinstance(fix_data, dict):
            raise TypeError("fix")
        fix = Fix(_text(fix_data["replacement"]), _span(fix_data["span"]), _flag(fix_data["safe"]))
    return Finding(
        rule=_text(data["rule"]),
        family=_text(data["family"]),
        severity=Severity(_text(data["severity"])),
        path=_text(data["path"]),
        span=_span(data["span"]),
        message=_text(data["message"]),
        help=_text(data["help"]),
        tool=_text(data["tool"]),
        fix=fix,
        fingerprint=_text(data["fingerprint"]),
        confidence=Confidence(_text(data["confidence"])),
        in_diff=_flag(data["in_diff"]),
        blocking=_flag(data["blocking"]),
    )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError("expected a boolean")
    return value


def _span(value: object) -> Span:
    if not isinstance(value, list) or len(value) != 4 or not all(type(v) is int for v in value):
        raise TypeError("expected four integers")
    return Span(value[0], value[1], value[2], value[3])
