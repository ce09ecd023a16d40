"""Python migrations -> SQL: Alembic's offline `upgrade --sql`, run in the project's own environment.

The SQL is the runner's own output, BEGIN and COMMIT included (so `transaction_per_migration`, and
`autocommit_block`'s COMMIT … BEGIN, are the project's). Each statement is attributed to its revision
by the `-- Running upgrade A -> B` markers and to a line of the revision's upgrade() by matching the
statement's operation against the static reader's operations, in order.
"""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from reviewbot.analyzers.migrations.alembic import read_alembic
from reviewbot.analyzers.migrations.model import OpKind
from reviewbot.analyzers.migrations.sql import parse_sql_operations
from reviewbot.analyzers.migrations.timeline import table_key
from reviewbot.analyzers.trace.script import Statement, split_sql

OFFLINE_TIMEOUT_SECONDS = 120
_MARKER = re.compile(r"^-- Running upgrade (\S*) -> (\S+)", re.MULTILINE)
# The URL Alembic renders offline SQL for; it is never connected to.
OFFLINE_URL = "postgresql://reviewbot@localhost/reviewbot"
_LOGGING = {
    "loggers": {"keys": "root"}, "handlers": {"keys": "console"}, "formatters": {"keys": "generic"},
    "logger_root": {"level": "WARN", "handlers": "console"},
    "handler_console": {"class": "StreamHandler", "args": "(sys.stderr,)", "level": "NOTSET",
                        "formatter": "generic"},
    "formatter_generic": {"format": "%(levelname)-5.5s [%(name)s] %(message)s"},
}


class OfflineError(Exception):
    """The project's environment could not render the migration as SQL (named in the summary)."""


@cache
def _can_import(python: str, module: str) -> bool:
    try:
        done = subprocess.run([python, "-c", f"import {module}"], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def project_python(root: Path, configured: str, module: str) -> str:
    """The interpreter of the project's environment that can import `module`: configured, .venv, venv, ours."""
    candidates = [configured] if configured else []
    candidates += [str(root / d / "bin" / "python") for d in (".venv", "venv", "env")]
    candidates.append(sys.executable)
    for python in candidates:
        if python and Path(python).exists() and _can_import(python, module):
            return python
    raise OfflineError(f"{module} is not installed in the project's environment (tried {', '.join(candidates)})")


def _ini(root: Path, home: Path, workdir: Path) -> Path:
    parser = configparser.ConfigParser(interpolation=None)
    for candidate in (root / "alembic.ini", home / "alembic.ini", home.parent / "alembic.ini"):
        if candidate.is_file():
            try:
                parser.read(candidate, encoding="utf-8")
            except configparser.Error:
                parser = configparser.ConfigParser(interpolation=None)
            break
    if not parser.has_section("alembic"):
        parser.add_section("alembic")
    parser.set("alembic", "script_location", str(home))
    parser.set("alembic", "sqlalchemy.url", OFFLINE_URL)
    for section, values in _LOGGING.items():
        if not parser.has_section(section):
            parser.add_section(section)
            for key, value in values.items():
                parser.set(section, key, value)
    target = workdir / "alembic.ini"
    with target.open("w", encoding="utf-8") as handle:
        parser.write(handle)
    return target


def alembic_offline_sql(root: Path, home: str, python: str, revisions: str) -> str:
    """`alembic upgrade REVISIONS --sql` for the script directory `home` (repository-relative)."""
    with tempfile.TemporaryDirectory(prefix="reviewbot-alembic-") as workdir:
        ini = _ini(root, root / home, Path(workdir))
        env = {**os.environ, "DATABASE_URL": OFFLINE_URL, "SQLALCHEMY_DATABASE_URI": OFFLINE_URL,
               "PYTHONPATH": os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)}
        try:
            done = subprocess.run(
                [python, "-m", "alembic", "-c", str(ini), "upgrade", revisions, "--sql"],
                cwd=root, env=env, capture_output=True, text=True, timeout=OFFLINE_TIMEOUT_SECONDS, check=False,
            )
        except subprocess.TimeoutExpired as err:
            raise OfflineError(f"alembic upgrade --sql timed out after {OFFLINE_TIMEOUT_SECONDS}s") from err
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise OfflineError(f"alembic upgrade {revisions} --sql failed: {lines[-1] if lines else done.returncode}")
    return done.stdout


@dataclass(frozen=True, slots=True)
class RevisionChunk:
    down: str
    revision: str


def revisions_in_order(sql: str) -> list[tuple[int, RevisionChunk]]:
    """(line of its marker, revision) for each `-- Running upgrade A -> B`, in order."""
    return [(sql[: m.start()].count("\n") + 1, RevisionChunk(m.group(1), m.group(2))) for m in _MARKER.finditer(sql)]


def attribute(sql: str, files_by_revision: Mapping[str, str], texts: Mapping[str, str]) -> list[tuple[int, Statement]]:
    """Offline SQL -> (revision index, statement), each statement carrying its revision's file and the
    upgrade() line it came from; what precedes the first marker (alembic_version) is revision 0's."""
    split = split_sql(sql, None, bookkeeping=("alembic_version",))
    if split.problem is not None:
        raise OfflineError(f"alembic's offline SQL does not parse: {split.problem}")
    marks = revisions_in_order(sql)
    by_file: dict[str, list[int]] = {}
    out: list[tuple[int, Statement]] = []
    for statement in split.statements:
        index = max(sum(1 for line, _c in marks if line < statement.line) - 1, 0)
        path = files_by_revision.get(marks[index][1].revision) if marks else None
        if path is not None and statement.control is None and not statement.bookkeeping:
            statement = replace(statement, path=path)
            by_file.setdefault(path, []).append(len(out))
        out.append((index, statement))
    for path, indexes in by_file.items():
        lines = map_lines([out[i][1].sql for i in indexes], texts.get(path, ""))
        for i, line in zip(indexes, lines, strict=True):
            out[i] = (out[i][0], replace(out[i][1], line=line, end_line=line))
    return out


def map_lines(statements: Sequence[str], source: str) -> list[int]:
    """The upgrade() line of each rendered statement: the next static operation of the same kind and table."""
    ops, _problems = read_alembic(source)
    static = [(op.kind, table_key(op.table), op.line) for op in ops]
    fallback = static[0][2] if static else 1
    pointer = 0
    lines: list[int] = []
    for sql in statements:
        rendered = parse_sql_operations(sql).operations
        kind = rendered[0].kind if rendered else OpKind.OTHER
        table = table_key(rendered[0].table) if rendered else ""
        match = next((j for j in range(pointer, len(static)) if static[j][0] is kind and static[j][1] == table), None)
        if match is None:
            match = next((j for j in range(pointer, len(static)) if static[j][0] is kind), None)
        if match is not None:
            pointer = match + 1
            fallback = static[match][2]
        lines.append(fallback)
    return lines
