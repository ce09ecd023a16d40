"""The disposable PostgreSQL: a throwaway cluster that always goes away, and a named server used safely."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reviewbot.analyzers.trace.server import connect, open_server
from reviewbot.config import Config, TraceConfig
from tests.analyzers.trace.conftest import trace_files, write

SCHEMA = "CREATE TABLE payments (id bigint PRIMARY KEY, amount_minor bigint NOT NULL);\n"
CHANGE = {"migrations/0002_note.sql": "ALTER TABLE payments ADD COLUMN note text;\n"}


def test_throwaway_cluster_runs_unprivileged_and_is_removed_afterwards():
    with open_server(None) as server:
        host = server.conninfo.split("host=")[1].split()[0]
        assert Path(host).is_dir() and server.disposable
        data = Path(host) / "data"
        if os.geteuid() == 0:
            assert data.stat().st_uid != 0  # initdb and postgres refuse root: they ran as an unprivileged user
        with connect(server.conninfo) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    assert not Path(host).exists()


def test_throwaway_cluster_is_removed_when_interrupted():
    host = None
    with pytest.raises(KeyboardInterrupt), open_server(None) as server:
        host = server.conninfo.split("host=")[1].split()[0]
        raise KeyboardInterrupt
    assert host is not None and not Path(host).exists()


def test_throwaway_cluster_is_stopped_and_removed_on_sigterm(tmp_path):
    # a cancelled CI job sends SIGTERM: the cluster still goes away
    script = textwrap.dedent("""
        import os, signal, sys
        from reviewbot.analyzers.trace.server import open_server
        try:
            with open_server(None) as server:
                print(server.conninfo.split("host=")[1].split()[0], flush=True)
                os.kill(os.getpid(), signal.SIGTERM)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    host, outcome = done.stdout.split()
    assert outcome == "interrupted" and not Path(host).exists()


def test_no_postgresql_is_a_note_and_the_static_gate_stands(tmp_path):
    write(tmp_path, {"migrations/0001_payments.sql": SCHEMA})
    config = Config(root=str(tmp_path), trace=TraceConfig(postgres_bin=str(tmp_path / "no-such-dir")))
    traced = trace_files(tmp_path, {"migrations/0002_index.sql": "CREATE INDEX ix ON payments (amount_minor);\n"},
                         None, config=config)
    assert traced.result.trace is None
    (note,) = [n for n in traced.result.notes if n.startswith("trace")]
    assert "trace not run: no PostgreSQL server binaries" in note and "static migration gate stands" in note
    (finding,) = traced.findings("RB401")
    assert "measured" not in finding.message and finding.blocking  # unchanged: still blocks


def test_unreachable_named_server_is_a_note(tmp_path):
    write(tmp_path, {"migrations/0001_payments.sql": SCHEMA})
    traced = trace_files(tmp_path, CHANGE, None, url="postgresql://nobody@127.0.0.1:1/nothing")
    assert traced.result.trace is None
    assert any("trace not run: cannot connect to PostgreSQL" in n for n in traced.result.notes)


def test_named_server_that_already_has_the_tables_is_refused(tmp_path, postgres):
    from reviewbot.errors import UsageError

    with connect(postgres.conninfo) as conn:
        conn.execute("CREATE TABLE payments (id bigint)")
    try:
        write(tmp_path, {"migrations/0001_payments.sql": SCHEMA})
        with pytest.raises(UsageError, match="refusing to trace on the database named by --postgres"):
            trace_files(tmp_path, CHANGE, postgres)
    finally:
        with connect(postgres.conninfo) as conn:
            conn.execute("DROP TABLE payments")


def test_named_server_gets_a_scratch_database_that_is_dropped_afterwards(tmp_path, postgres):
    write(tmp_path, {"migrations/0001_payments.sql": SCHEMA})
    traced = trace_files(tmp_path, CHANGE, postgres)
    assert traced.report.migrations and "named server" in traced.report.server
    with connect(postgres.conninfo) as conn:
        left = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'reviewbot_trace_%'").fetchall()
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'payments'").fetchone()
    assert left == [] and tables == (0,)


def test_server_version_is_recorded_next_to_the_target(tmp_path, postgres):
    write(tmp_path, {"migrations/0001_payments.sql": SCHEMA})
    traced = trace_files(tmp_path, {"migrations/0002_index.sql": "CREATE INDEX ix ON payments (amount_minor);\n"},
                         postgres)
    (finding,) = traced.findings("RB401")
    major = postgres.major
    expected = f"measured on PostgreSQL {postgres.version.split()[0]}"
    assert expected in finding.message
    if major != 16:  # the configured target (postgres-version 16) differs from this machine's server
        assert ", target 16" in finding.message


def test_plain_cli_never_imports_the_postgresql_driver(tmp_path):
    code = textwrap.dedent("""
        import sys
        from click.testing import CliRunner
        from reviewbot.cli import main_group
        result = CliRunner().invoke(main_group, ["audit", sys.argv[1], "--tools", "none", "-q"])
        print(result.exit_code, "psycopg" in sys.modules)
    """)
    write(tmp_path, {"migrations/0001_payments.sql": SCHEMA, "migrations/0002_index.sql":
                     "CREATE INDEX ix ON payments (amount_minor);\n"})
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "False"]
