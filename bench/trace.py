"""`python -m bench trace`: what the migration trace costs, per statement and for a whole 20-migration PR.

Per statement: one migration of one statement on a table of N synthetic rows, traced (observed, probed)
vs the same statement executed plainly on the same data; the ratio is the observation's overhead.
Whole PR: 10 earlier migrations build the schema, a change adds 20 (55 statements); `reviewbot trace`
end to end with a throwaway cluster, and with `--postgres` on a server already running, against the
static `reviewbot diff` of the same change.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reviewbot.analyzers.trace.engine import TraceRequest
from reviewbot.analyzers.trace.server import connect, open_server
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet, FileChange, FileStatus, Mode
from reviewbot.pipeline import run

BIN = Path(sys.executable).parent
SCHEMA = (
    "CREATE TABLE merchants (id bigint PRIMARY KEY, name text NOT NULL);\n"
    "CREATE TABLE payments (id bigint PRIMARY KEY, merchant_id bigint NOT NULL REFERENCES merchants (id),\n"
    "  amount_minor bigint NOT NULL, currency char(3) NOT NULL, status text NOT NULL, note text);\n"
)
STATEMENTS = {
    "ADD COLUMN (nullable)": "ALTER TABLE payments ADD COLUMN memo text",
    "ADD COLUMN DEFAULT now()": "ALTER TABLE payments ADD COLUMN seen_at timestamptz NOT NULL DEFAULT now()",
    "ADD COLUMN volatile default": "ALTER TABLE payments ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid()",
    "CREATE INDEX": "CREATE INDEX payments_status ON payments (status)",
    "CREATE INDEX CONCURRENTLY": "CREATE INDEX CONCURRENTLY payments_currency ON payments (currency)",
    "ADD CHECK (validating)": "ALTER TABLE payments ADD CONSTRAINT amount_positive CHECK (amount_minor > 0)",
    "SET NOT NULL": "ALTER TABLE payments ALTER COLUMN note SET NOT NULL",
    "ALTER TYPE bigint -> numeric": "ALTER TABLE payments ALTER COLUMN amount_minor TYPE numeric(20, 0)",
    "UPDATE whole table": "UPDATE payments SET status = lower(status)",  # reviewbot: ignore[RB502] a statement the trace bench times on a scratch table
}


def _repo(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _trace(root: Path, change: dict[str, str], url: str, rows: int) -> tuple[float, float, int]:
    """(wall seconds of the trace stage, seconds the statements themselves took, statements traced)."""
    changes = ChangeSet(str(root), tuple(FileChange(p, FileStatus.ADDED, text=t) for p, t in change.items()),
                        mode=Mode.DIFF)
    started = time.perf_counter()
    result = run(changes, Config(root=str(root), cache=False), (), trace=TraceRequest(postgres_url=url, rows=rows))
    wall = time.perf_counter() - started
    assert result.trace is not None, result.notes
    statements = [s for m in result.trace.migrations for s in m.statements]
    return wall, sum(s.seconds for s in statements), len(statements)


def _plain(url: str, sql: str, rows: int) -> float:
    """The statement alone on the same schema and rows, no observation: the floor."""
    with connect(url) as conn:
        conn.execute("DROP DATABASE IF EXISTS bench_plain")
        conn.execute("CREATE DATABASE bench_plain")
    try:
        with connect(url, "bench_plain") as conn:
            conn.execute(SCHEMA.encode())
            conn.execute(f"INSERT INTO merchants SELECT g, 'm' || g FROM generate_series(1, {rows}) g".encode())
            conn.execute(f"INSERT INTO payments SELECT g, g, g, 'EUR', 'Captured', 'n' || g "
                         f"FROM generate_series(1, {rows}) g".encode())
            started = time.perf_counter()
            conn.execute(sql.encode())
            return time.perf_counter() - started
    finally:
        with connect(url) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench_plain WITH (FORCE)")


def per_statement(url: str, rows: int, runs: int) -> None:
    print(f"\n### Trace cost per migration statement ({rows:,} synthetic rows, median of {runs})\n")
    print("| statement | plain execution ms | traced statement ms | whole trace stage s | stage / plain |")
    print("|---|---|---|---|---|")
    for label, sql in STATEMENTS.items():
        plain = statistics.median(_plain(url, sql, rows) for _ in range(runs))
        walls, own = [], []
        for _ in range(runs):
            with tempfile.TemporaryDirectory(prefix="bench-trace-") as tmp:
                root = Path(tmp)
                _repo(root, {"migrations/0001_schema.sql": SCHEMA})
                wall, seconds, _count = _trace(root, {"migrations/0002_change.sql": sql + ";\n"}, url, rows)
                walls.append(wall)
                own.append(seconds)
        wall, seconds = statistics.median(walls), statistics.median(own)
        print(f"| {label} | {plain * 1000:.1f} | {seconds * 1000:.1f} | {wall:.2f} | {wall / plain:.0f}× |")


def twenty_migrations() -> tuple[dict[str, str], dict[str, str]]:
    """10 earlier migrations (the schema) and a change of 20 migrations, 55 statements in all."""
    earlier = {"migrations/0001_schema.sql": SCHEMA}
    for i in range(2, 11):
        earlier[f"migrations/{i:04d}_table_{i}.sql"] = (
            f"CREATE TABLE ledger_{i} (id bigint PRIMARY KEY, payment_id bigint REFERENCES payments (id), "
            f"amount_minor bigint NOT NULL);\n")
    change: dict[str, str] = {}
    for n, i in enumerate(range(11, 31)):
        table = f"ledger_{2 + n % 9}"
        statements = ["SET lock_timeout = '2s';", f"ALTER TABLE {table} ADD COLUMN note_{i} text;"]
        if n % 2 == 0:
            statements.append(f"CREATE INDEX {table}_{i} ON {table} (amount_minor);")
        if n % 4 == 0:
            statements.append(f"ALTER TABLE payments ADD COLUMN flag_{i} boolean NOT NULL DEFAULT false;")
        change[f"migrations/{i:04d}_change_{i}.sql"] = "\n".join(statements) + "\n"
    return earlier, change


def whole_pr(url: str, rows: int, runs: int) -> None:
    earlier, change = twenty_migrations()
    print(f"\n### A whole 20-migration PR ({sum(t.count(';') for t in change.values())} statements, "
          f"10 earlier migrations, {rows:,} rows per touched table, median of {runs})\n")
    print("| run | wall s | × static diff |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="bench-trace-pr-") as tmp:
        root = Path(tmp)
        env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b",
               "GIT_COMMITTER_EMAIL": "b@x"}

        def git(*args: str) -> None:
            subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)

        git("init", "-q", "-b", "main")
        _repo(root, earlier)
        git("add", "-A")
        git("commit", "-qm", "base")
        _repo(root, change)
        git("add", "-A")
        git("commit", "-qm", "change")
        base = ["--base", "HEAD~1", "--head", "HEAD", "-q"]

        def timed(cmd: list[str]) -> float:
            walls = []
            for _ in range(runs):
                started = time.perf_counter()
                done = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
                walls.append(time.perf_counter() - started)
                if done.returncode not in (0, 1):
                    raise SystemExit(f"bench: {' '.join(cmd)} exited {done.returncode}: {done.stderr}")
            return statistics.median(walls)

        static = timed([str(BIN / "reviewbot"), "diff", *base, "--tools", "none", "--no-cache"])
        throwaway = timed([str(BIN / "reviewbot"), "trace", *base, "--rows", str(rows)])
        named = timed([str(BIN / "reviewbot"), "trace", *base, "--rows", str(rows), "--postgres", url])
        print(f"| static `reviewbot diff` | {static:.2f} | 1.0× |")
        print(f"| `reviewbot trace` (throwaway cluster: initdb, start, stop) | {throwaway:.2f} | {throwaway / static:.1f}× |")
        print(f"| `reviewbot trace --postgres` (a running server) | {named:.2f} | {named / static:.1f}× |")
        wall, seconds, count = _trace(root, change, url, rows)
        print(f"\nIn-process: {count} statements traced in {wall:.2f} s, of which the statements themselves "
              f"took {seconds:.2f} s; the rest is schema build, seeding, observation and probes "
              f"({(wall - seconds) / count * 1000:.0f} ms per statement).")


def main(runs: int, rows: int = 10000) -> None:
    started = time.perf_counter()
    with open_server(None) as server:
        boot = time.perf_counter() - started
        print(f"\nThrowaway cluster ({server.label}): initdb + start in {boot:.2f} s")
        per_statement(server.conninfo, rows, runs)
        whole_pr(server.conninfo, rows, runs)


CORPORA_SQL = {
    "dokploy": Path("/work/corpora/sql/dokploy"),
    "midday": Path("/work/corpora/sql/midday"),
}


def corpus_agreement(name: str, rows: int = 100, limit: int | None = None) -> dict[str, object]:
    """Each migration of a real corpus traced as the change that added it: static verdicts vs measured.

    Incremental, so a 188-migration folder costs one replay of each migration, not 188 schema builds:
    a `base` database holds migrations 1…k-1; migration k is traced in a copy of it (CREATE DATABASE …
    TEMPLATE base), then applied to `base`.
    """
    from collections import Counter

    from reviewbot.analyzers.trace.engine import plan_sql_set
    from reviewbot.analyzers.trace.evidence import MigrationTrace, TraceReport
    from reviewbot.analyzers.trace.replay import Replayer, ReplaySettings
    from reviewbot.analyzers.trace.seed import Seeder
    from reviewbot.analyzers.trace.sets import discover_sets, file_reader, walk_candidates
    from reviewbot.analyzers.trace.verdicts import apply_judgements, trace_findings
    from reviewbot.pipeline import load

    root = CORPORA_SQL[name]
    config = load(root, None)
    read = file_reader(root, lambda _p: None)
    sets = discover_sets(walk_candidates(root, config), config, read)
    verdicts: Counter[tuple[str, str]] = Counter()
    only_trace: list[tuple[str, int, str]] = []
    missing: list[str] = []
    failures: Counter[str] = Counter()
    contradicted: list[str] = []
    traced = 0
    started = time.perf_counter()
    with open_server(None) as server:
        settings = ReplaySettings(server_major=server.major)
        with connect(server.conninfo) as admin:
            admin.execute("CREATE DATABASE base")
        for migrations in sets:
            for path in migrations.paths[: limit or None]:
                plan = plan_sql_set(migrations, {path}, read)
                if not plan.script:
                    continue
                with connect(server.conninfo) as admin:
                    admin.execute("DROP DATABASE IF EXISTS probe WITH (FORCE)")
                    admin.execute("CREATE DATABASE probe TEMPLATE base")
                replayer = Replayer(server.conninfo, "probe", settings)
                try:
                    from reviewbot.analyzers.trace.engine import touched_tables

                    seeder = Seeder(replayer.conn, rows)
                    counts = seeder.seed(touched_tables(plan.script))
                    replayer.begin_trace()
                    statements = replayer.trace(plan.script, lambda s, p=path: s.path == p)
                finally:
                    replayer.close()
                traced += 1
                if any(s.sqlstate and s.sqlstate.startswith("42") for s in statements):
                    missing.append(path)
                for s in statements:
                    if s.failed:
                        failures[f"{s.sqlstate} {s.error}"[:90]] += 1
                    elif s.skipped:
                        failures["skipped: an earlier statement of the transaction failed"] += 1
                report = TraceReport(server.label, server.major, config.migrations.postgres_version, rows,
                                     tuple(sorted(counts.items())),
                                     (MigrationTrace(path, migrations.runner.value, tuple(statements)),))
                changes = ChangeSet(str(root), (FileChange(path, FileStatus.ADDED, text=read(path)),), mode=Mode.DIFF)
                static = [f for f in run(changes, config, ()).findings if f.family == "migrations"]
                judged, _tally = apply_judgements(static, report)
                for finding in judged:
                    verdict = ("confirmed" if "— confirmed," in finding.message else
                               "contradicted" if "— contradicted," in finding.message else "not judged")
                    verdicts[(finding.rule, verdict)] += 1
                    if verdict == "contradicted":
                        contradicted.append(f"{finding.path}:{finding.line}: {finding.rule} {finding.message[:200]}")
                only_trace.extend((f.path, f.line, f"[{f.severity.value}] {f.message}")
                                  for f in trace_findings(judged, report))
                # migration k becomes part of the schema of k+1
                base = Replayer(server.conninfo, "base", settings)
                try:
                    base.apply_unit(plan.script)
                finally:
                    base.close()
    return {"corpus": name, "migrations": traced, "missing_objects": missing, "verdicts": verdicts,
            "failures": failures, "contradicted": contradicted,
            "only_trace": only_trace, "seconds": time.perf_counter() - started}


HAZARD_KINDS = (
    ("rewritten under lock", "a table rewritten"),
    ("scanned under a write-blocking lock", "a full scan under a write-blocking lock"),
    ("stay blocked", "an earlier lock held while a later statement works through rows"),
    ("fails", "a statement that fails under the runner"),
    ("do not predict", "a write-blocking lock the static model does not predict, no lock_timeout"),
    ("row locks", "an UPDATE whose row locks made a writer wait"),
)


def print_agreement(result: dict[str, object]) -> None:
    from collections import Counter

    verdicts = result["verdicts"]
    assert isinstance(verdicts, Counter)
    missing = result["missing_objects"]
    assert isinstance(missing, list)
    print(f"\n### {result['corpus']}: {result['migrations']} migrations traced one by one "
          f"({float(str(result['seconds'])):.0f} s; {len(missing)} with a statement that needs an object no "
          f"earlier migration in the folder creates)\n")
    print("| rule | static findings | confirmed | contradicted | not judged | agreement |")
    print("|---|---|---|---|---|---|")
    for rule in sorted({r for r, _v in verdicts}):
        c, x, n = verdicts[(rule, "confirmed")], verdicts[(rule, "contradicted")], verdicts[(rule, "not judged")]
        judged = c + x
        share = f"{c / judged:.0%}" if judged else "—"
        print(f"| {rule} | {c + x + n} | {c} | {x} | {n} | {share} |")
    for line in result["contradicted"]:  # type: ignore[attr-defined]
        print(f"- contradicted: {line}")
    failures = result["failures"]
    assert isinstance(failures, Counter)
    if failures:
        print("\nStatements that failed on the scratch database:")
        for text, count in failures.most_common(8):
            print(f"- {count} × {text}")
    only = result["only_trace"]
    assert isinstance(only, list)
    print(f"\nRB416 (only the trace): {len(only)}")
    kinds: Counter[str] = Counter()
    for _path, _line, message in only:
        what = message.split(" — ")[0].split("] ", 1)[-1]
        for needle, kind in HAZARD_KINDS:
            if needle in what:
                kinds[kind] += 1
    for kind, count in kinds.most_common():
        print(f"- {count} × {kind}")
    for path, line, message in only:
        print(f"  - {path}:{line}: {message[:150]}")
