"""Which changed files are migrations, which framework reads them, and which runner applies them."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from reviewbot.analyzers.migrations.model import Framework, Runner
from reviewbot.analyzers.migrations.runners import DBMATE_UP, RunnerChoice, RunnerFinder
from reviewbot.analyzers.migrations.runners import (
    Reader as Reader,  # re-exported: callers import it from here
)
from reviewbot.config import Config, MigrationsConfig, path_matches

# SQL files in these places are migrations unless configured otherwise.
DEFAULT_SQL_GLOBS: tuple[str, ...] = (
    "**/migrations/**/*.sql",
    "**/migration/**/*.sql",
    "**/migrate/**/*.sql",
    "**/db/**/*.sql",
    "**/drizzle/**/*.sql",
    "**/V*__*.sql",
    "**/*.up.sql",
)
# Rollbacks are not gated: they run by hand, after the forward migration was already reviewed.
DOWN_GLOBS: tuple[str, ...] = ("**/down.sql", "**/*.down.sql", "**/U*__*.sql", "**/*_down.sql")
RUNNER_CHOICES = ("auto", "ignore", *(r.value for r in Runner))
CONFIGURED = "configured in [[tool.reviewbot.migrations.paths]]"

_DJANGO_NAME = re.compile(r"^\d{4}_\w+\.py$")
_RUN_IN_TRANSACTION_FALSE = re.compile(r"^\s*run_in_transaction\s*=\s*false\s*$", re.MULTILINE)
_FLYWAY_NO_TRANSACTION = re.compile(r"^\s*executeInTransaction\s*=\s*false\s*$", re.MULTILINE)
_ATLAS_NO_TRANSACTION = re.compile(r"^--\s*atlas:txmode\s+none\b", re.MULTILINE)
_WILDCARDS = frozenset("*?[")
_MODULE_UPGRADE = re.compile(r"^(?:async\s+)?def upgrade\(", re.MULTILINE)
_ALEMBIC_IMPORT = re.compile(r"^\s*(?:from alembic\b|import alembic\b)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Layout:
    framework: Framework
    runner: Runner
    # None: depends on the parsed statements (golang-migrate, Prisma, Flyway decide per file)
    in_transaction: bool | None
    folder: str = ""  # the migrations folder the runner governs
    reason: str = ""  # why we took the file to be this runner's


_GLOB_CACHE: dict[str, re.Pattern[str]] = {}


def glob_match(path: str, pattern: str) -> bool:
    """Glob on a posix path: `**/` matches zero or more directories, `*` stays within one."""
    regex = _GLOB_CACHE.get(pattern)
    if regex is None:
        out = []
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                out.append("(?:.*/)?")
                i += 3
            elif pattern.startswith("**", i):
                out.append(".*")
                i += 2
            elif pattern[i] == "*":
                out.append("[^/]*")
                i += 1
            elif pattern[i] == "?":
                out.append("[^/]")
                i += 1
            else:
                out.append(re.escape(pattern[i]))
                i += 1
        regex = re.compile("".join(out) + r"\Z")
        _GLOB_CACHE[pattern] = regex
    return regex.match(path) is not None or path_matches(path, pattern)


def configured_runner(path: str, config: MigrationsConfig) -> str | None:
    """The runner named by the first `[[tool.reviewbot.migrations.paths]]` entry matching `path`.

    An entry naming `path` exactly with runner "auto" (a file named on the command line) only marks it
    as a migration to check; the runner is still read from later entries or detected.
    """
    for entry in config.paths:
        if entry.runner == "auto" and entry.glob == path:
            continue
        if glob_match(path, entry.glob):
            return entry.runner
    return None


def is_explicitly_named(path: str, config: MigrationsConfig) -> bool:
    """Whether a `paths` entry names exactly this file (no wildcard): it is checked whatever else says."""
    return any(entry.glob == path and not _WILDCARDS & set(entry.glob) and entry.runner != "ignore"
               for entry in config.paths)


def is_python_migration_path(path: str, config: Config) -> bool:
    """Path only, no read: whether `path` is a Python migration module this analyzer owns.

    Django `…/migrations/NNNN_name.py`, Alembic `…/versions/*.py`, or a `.py` file under a configured
    migrations path with runner django or alembic (never one configured "ignore"). The Python rules
    engine skips these files, so each is parsed once, by the migrations analyzer.
    """
    if not path.endswith(".py"):
        return False
    configured = configured_runner(path, config.migrations)
    if configured in (Runner.DJANGO.value, Runner.ALEMBIC.value):
        return True
    if configured not in (None, "auto"):
        return False
    name = posixpath.basename(path)
    wrapped = f"/{path}"
    if "/versions/" in wrapped:
        return name != "__init__.py"
    return "/migrations/" in wrapped and _DJANGO_NAME.match(name) is not None


def detect_layout(
    path: str, text: str, config: MigrationsConfig, read: Reader, finder: RunnerFinder | None = None
) -> Layout | None:
    """The migration layout of `path`, or None when it is not a (forward) migration.

    SQL: a runner named in `[[tool.reviewbot.migrations.paths]]`, else one whose own configuration
    file (diesel.toml, drizzle.config.*, flyway.conf/.toml, atlas.hcl, sqitch.conf) governs the folder,
    else the folder's conventions (a drizzle journal, `-- migrate:up`, `V1__x.sql`, `*.up.sql`…), else
    psql. `finder` caches configuration files across the files of one run.
    """
    explicit = is_explicitly_named(path, config)
    configured = configured_runner(path, config)
    if configured == "ignore" and not explicit:
        return None
    if path.endswith(".py"):
        return _python_layout(path, text, configured)
    if not path.endswith(".sql"):
        return None
    if not explicit and any(glob_match(path, g) for g in DOWN_GLOBS):
        return None
    finder = finder or RunnerFinder(read)
    directory = posixpath.dirname(path)
    if configured not in (None, "auto", "ignore"):
        runner = Runner(configured)
        choice = RunnerChoice(runner, directory, CONFIGURED)
        if runner is Runner.DRIZZLE and finder.journal_tags(directory) is not None:
            choice = finder.drizzle(path, directory, CONFIGURED)
    else:
        found = finder.configured(path) or finder.conventional(path, text)
        if found is not None and not found.is_migration and not explicit:
            return None
        if found is None:
            if not (explicit or configured == "auto" or any(glob_match(path, g) for g in DEFAULT_SQL_GLOBS)):
                return None
            why = "named on the command line" if explicit else "in a migrations folder"
            found = RunnerChoice(Runner.PSQL, directory, f"{why}, no runner configuration or naming convention: "
                                                         "psql semantics")
        choice = found
    in_tx = choice.in_transaction
    if in_tx is None:
        in_tx = sql_transaction_default(path, choice.runner, read, text)
    return Layout(Framework.SQL, choice.runner, in_tx, choice.folder, choice.reason)


def is_unclaimed_sql(path: str, config: MigrationsConfig, finder: RunnerFinder) -> bool:
    """A `.sql` file detect_layout skipped for want of any migration sign (not a rollback, not ignored)."""
    if not path.endswith(".sql") or configured_runner(path, config) is not None:
        return False
    if any(glob_match(path, g) for g in DOWN_GLOBS):
        return False
    return finder.configured(path) is None


def _python_layout(path: str, text: str, configured: str | None) -> Layout | None:
    name = posixpath.basename(path)
    # A module-level upgrade() in a versions/ folder or next to an alembic import: not a string that
    # merely contains the words (reviewbot's own rule examples do).
    is_alembic = _MODULE_UPGRADE.search(text) is not None and (
        "/versions/" in f"/{path}" or _ALEMBIC_IMPORT.search(text) is not None
    )
    is_django = (
        "class Migration(" in text
        and "migrations.Migration" in text
        and ("/migrations/" in f"/{path}" or configured == Runner.DJANGO.value)
    )
    directory = posixpath.dirname(path)
    if configured == Runner.ALEMBIC.value or (configured in (None, "auto") and is_alembic):
        return Layout(Framework.ALEMBIC, Runner.ALEMBIC, True, directory, "def upgrade() (Alembic revision)")
    if configured == Runner.DJANGO.value or (
        configured in (None, "auto") and is_django and (_DJANGO_NAME.match(name) or configured)
    ):
        return Layout(Framework.DJANGO, Runner.DJANGO, True, directory, "class Migration (Django)")
    return None


def sql_transaction_default(path: str, runner: Runner, read: Reader, text: str = "") -> bool | None:
    """Whether the runner wraps the whole file in one transaction (None: decided per file)."""
    if runner is Runner.DIESEL:
        metadata = read(posixpath.join(posixpath.dirname(path), "metadata.toml"))
        return not (metadata and _RUN_IN_TRANSACTION_FALSE.search(metadata))
    if runner is Runner.FLYWAY:
        conf = read(path + ".conf")
        if conf and _FLYWAY_NO_TRANSACTION.search(conf):
            return False
        return None
    if runner in (Runner.GOLANG_MIGRATE, Runner.PRISMA):
        return None
    if runner is Runner.DBMATE:
        # dbmate wraps each migration in a transaction unless its up marker says `transaction:false`.
        marker = DBMATE_UP.search(text)
        return not (marker and "transaction:false" in marker.group(1).replace(" ", ""))
    if runner is Runner.ATLAS:
        # atlas migrate apply: one transaction per file (--tx-mode file) unless the file opts out.
        return _ATLAS_NO_TRANSACTION.search(text) is None
    return runner in (Runner.DRIZZLE, Runner.ALEMBIC, Runner.DJANGO)
