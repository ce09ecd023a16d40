"""Which changed files are migrations, which framework reads them, and which runner applies them."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from reviewbot.analyzers.migrations.model import Framework, Runner
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

_FLYWAY_NAME = re.compile(r"^[VR]\d*[._\d]*__.+\.sql$")
_DJANGO_NAME = re.compile(r"^\d{4}_\w+\.py$")
_RUN_IN_TRANSACTION_FALSE = re.compile(r"^\s*run_in_transaction\s*=\s*false\s*$", re.MULTILINE)
_FLYWAY_NO_TRANSACTION = re.compile(r"^\s*executeInTransaction\s*=\s*false\s*$", re.MULTILINE)

# Reads a repository-relative path: the changed text, else the working tree; None if absent.
Reader = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class Layout:
    framework: Framework
    runner: Runner
    # None: depends on the parsed statements (golang-migrate, Prisma, Flyway decide per file)
    in_transaction: bool | None


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
    """The runner named by the first `[[tool.reviewbot.migrations.paths]]` entry matching `path`."""
    for entry in config.paths:
        if glob_match(path, entry.glob):
            return entry.runner
    return None


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


def detect_layout(path: str, text: str, config: MigrationsConfig, read: Reader) -> Layout | None:
    """The migration layout of `path`, or None when it is not a (forward) migration."""
    configured = configured_runner(path, config)
    if configured == "ignore":
        return None
    if path.endswith(".py"):
        return _python_layout(path, text, configured)
    if not path.endswith(".sql") or any(glob_match(path, g) for g in DOWN_GLOBS):
        return None
    if configured is None and not any(glob_match(path, g) for g in DEFAULT_SQL_GLOBS):
        return None
    runner = Runner(configured) if configured not in (None, "auto") else _sql_runner(path, text, read)
    return Layout(Framework.SQL, runner, sql_transaction_default(path, runner, read))


def _python_layout(path: str, text: str, configured: str | None) -> Layout | None:
    name = posixpath.basename(path)
    is_alembic = "def upgrade(" in text and ("alembic" in text or "/versions/" in f"/{path}")
    is_django = (
        "class Migration(" in text
        and "migrations.Migration" in text
        and ("/migrations/" in f"/{path}" or configured == Runner.DJANGO.value)
    )
    if configured == Runner.ALEMBIC.value or (configured in (None, "auto") and is_alembic):
        return Layout(Framework.ALEMBIC, Runner.ALEMBIC, True)
    if configured == Runner.DJANGO.value or (
        configured in (None, "auto") and is_django and (_DJANGO_NAME.match(name) or configured)
    ):
        return Layout(Framework.DJANGO, Runner.DJANGO, True)
    return None


def _sql_runner(path: str, text: str, read: Reader) -> Runner:
    directory = posixpath.dirname(path)
    name = posixpath.basename(path)
    if "--> statement-breakpoint" in text or read(posixpath.join(directory, "meta/_journal.json")) is not None:
        return Runner.DRIZZLE
    if name == "up.sql":
        return Runner.DIESEL
    if name == "migration.sql" and "/migrations/" in f"/{path}":
        return Runner.PRISMA
    if _FLYWAY_NAME.match(name):
        return Runner.FLYWAY
    if name.endswith(".up.sql"):
        return Runner.GOLANG_MIGRATE
    return Runner.PSQL


def sql_transaction_default(path: str, runner: Runner, read: Reader) -> bool | None:
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
    return runner in (Runner.DRIZZLE, Runner.ALEMBIC, Runner.DJANGO)
