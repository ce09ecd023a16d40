"""Where the static model and the server disagree: each disagreement the trace found, as a test.

Either the static model was corrected (its own assertion is here, next to the measurement), or it cannot
know (a function's volatility defined in SQL, drizzle's one transaction for a whole deploy, the rows an
UPDATE locks) and the trace says so in its verdict or in RB416.
"""

from __future__ import annotations

import json

from reviewbot.analyzers.migrations.model import OpKind
from reviewbot.analyzers.migrations.sql import parse_sql_operations
from reviewbot.analyzers.migrations.timeline import lock_of
from reviewbot.core.findings import Confidence, Severity
from tests.analyzers.trace.conftest import trace_files, write

SCHEMA = "CREATE TABLE payments (id bigint PRIMARY KEY, amount_minor bigint NOT NULL, status text NOT NULL);\n"


def traced(tmp_path, postgres, sql, schema=SCHEMA, rows=300):
    write(tmp_path, {"migrations/0001_payments.sql": schema})
    return trace_files(tmp_path, {"migrations/0002_change.sql": sql}, postgres, rows=rows)


def static_lock(sql):
    (op,) = [o for o in parse_sql_operations(sql).operations if o.kind is not OpKind.SET_LOCK_TIMEOUT]
    return lock_of(op)


def test_immutable_function_default_is_called_a_rewrite_statically_and_contradicted_by_the_trace(tmp_path, postgres):
    # On purpose: the static model cannot see a function's volatility declared in SQL, so it assumes a
    # volatile default (a rewrite). The server shows a catalog-only column: the finding is contradicted.
    sql = ("CREATE FUNCTION default_currency() RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'EUR' $$;\n"
           "SET lock_timeout = '2s';\n"
           "ALTER TABLE payments ADD COLUMN currency text NOT NULL DEFAULT default_currency();\n")
    result = traced(tmp_path, postgres, sql)
    (finding,) = result.findings("RB404")
    assert "— contradicted, measured on PostgreSQL" in finding.message
    assert finding.severity is Severity.INFO and finding.confidence is Confidence.LOW
    assert not finding.blocking and result.result.gate.verdict.passed
    assert result.statement("0002_change.sql", 3).rewritten == ()


def test_storage_parameters_take_share_update_exclusive_not_access_exclusive(tmp_path, postgres):
    sql = "ALTER TABLE payments SET (autovacuum_vacuum_scale_factor = 0.01);\n"
    result = traced(tmp_path, postgres, sql)
    assert result.statement("0002_change.sql", 1).strongest_on("payments", acquired_only=True) == "SHARE UPDATE EXCLUSIVE"
    probe = result.statement("0002_change.sql", 1).probe("payments")
    assert (probe.read_blocked, probe.write_blocked) == (False, False)
    # corrected: RB412 used to call this a write-blocking ACCESS EXCLUSIVE request
    assert static_lock(sql) is None
    assert result.findings() == []


def test_set_statistics_takes_share_update_exclusive(tmp_path, postgres):
    sql = "ALTER TABLE payments ALTER COLUMN status SET STATISTICS 500;\n"
    result = traced(tmp_path, postgres, sql)
    assert result.statement("0002_change.sql", 1).strongest_on("payments", acquired_only=True) == "SHARE UPDATE EXCLUSIVE"
    assert static_lock(sql) is None
    assert result.findings() == []


def test_trigger_toggle_takes_share_row_exclusive_which_blocks_writes_only(tmp_path, postgres):
    sql = "ALTER TABLE payments DISABLE TRIGGER ALL;\n"
    result = traced(tmp_path, postgres, sql)
    stmt = result.statement("0002_change.sql", 1)
    assert stmt.strongest_on("payments", acquired_only=True) == "SHARE ROW EXCLUSIVE"
    assert (stmt.probe("payments").read_blocked, stmt.probe("payments").write_blocked) == (False, True)
    assert static_lock(sql) == ("SHARE ROW EXCLUSIVE", "blocks writes")  # corrected from ACCESS EXCLUSIVE
    (finding,) = result.findings("RB412")
    assert "SHARE ROW EXCLUSIVE lock on payments" in finding.message and "— confirmed" in finding.message


def test_cast_function_default_is_no_rewrite(tmp_path, postgres):
    sql = "SET lock_timeout = '2s';\nALTER TABLE payments ADD COLUMN due_on date DEFAULT date(now());\n"
    result = traced(tmp_path, postgres, sql)
    assert result.statement("0002_change.sql", 2).rewritten == ()
    assert result.findings() == []  # corrected: date() was "volatile", hence RB404


def test_foreign_key_to_an_existing_table_locks_it_without_a_static_finding(tmp_path, postgres):
    sql = "CREATE TABLE refunds (id bigint PRIMARY KEY, payment_id bigint NOT NULL REFERENCES payments (id));\n"
    result = traced(tmp_path, postgres, sql)
    stmt = result.statement("0002_change.sql", 1)
    assert stmt.strongest_on("payments", acquired_only=True) == "SHARE ROW EXCLUSIVE"
    assert stmt.probe("payments").write_blocked is True
    (finding,) = result.findings()
    assert (finding.rule, finding.tool, finding.severity) == ("RB416", "trace", Severity.WARNING)
    assert "SHARE ROW EXCLUSIVE on payments" in finding.message and "no lock_timeout" in finding.message


def test_whole_table_update_holds_row_locks_that_make_writers_wait(tmp_path, postgres):
    sql = "SET lock_timeout = '2s';\nUPDATE payments SET status = lower(status);\n"
    result = traced(tmp_path, postgres, sql)
    stmt = result.statement("0002_change.sql", 2)
    assert stmt.probe("payments").write_blocked is True
    assert stmt.probe("payments").read_blocked is False
    (finding,) = result.findings("RB416")
    assert "row locks made a concurrent UPDATE of payments wait" in finding.message


def drizzle_journal(*tags):
    return json.dumps({"version": "7", "dialect": "postgresql",
                       "entries": [{"idx": i, "version": "7", "when": 1700000000000 + i, "tag": t, "breakpoints": True}
                                   for i, t in enumerate(tags)]})


def test_drizzle_runs_a_deploys_migrations_in_one_transaction(tmp_path, postgres):
    # Static rules see two files, each its own transaction (RB408 stays silent). drizzle-orm's migrator
    # applies every pending migration in one transaction, so the VALIDATE runs while the CHECK's
    # ACCESS EXCLUSIVE from the previous file is still held: the trace reports it.
    write(tmp_path, {
        "drizzle/0000_payments.sql": SCHEMA,
        "drizzle/meta/_journal.json": drizzle_journal("0000_payments", "0001_check", "0002_validate"),
    })
    result = trace_files(tmp_path, {
        "drizzle/0001_check.sql": 'ALTER TABLE "payments" ADD CONSTRAINT "amount_positive" CHECK ("amount_minor" > 0) NOT VALID;\n',
        "drizzle/0002_validate.sql": 'ALTER TABLE "payments" VALIDATE CONSTRAINT "amount_positive";\n',
    }, postgres, rows=300)
    validate = result.statement("0002_validate.sql", 1)
    assert validate.transaction == result.statement("0001_check.sql", 1).transaction
    assert validate.strongest_on("payments") == "ACCESS EXCLUSIVE"  # held from 0001
    assert validate.probe("payments").write_blocked is True
    rb416 = [f for f in result.findings("RB416") if f.path.endswith("0002_validate.sql")]
    assert rb416 and "writes to payments stay blocked" in rb416[0].message
    assert rb416[0].severity is Severity.ERROR


def test_backfill_before_its_ddl_does_not_run_under_the_ddl_lock(tmp_path, postgres):
    # dokploy's drizzle migrations DELETE rows, then SET NOT NULL: RB413 said the DELETE ran under the
    # ALTER's ACCESS EXCLUSIVE; the trace showed only ROW EXCLUSIVE while it ran. Corrected: RB413 counts
    # DDL before the backfill only.
    write(tmp_path, {
        "drizzle/0000_payments.sql": SCHEMA.replace("status text NOT NULL", "status text"),
        "drizzle/meta/_journal.json": drizzle_journal("0000_payments", "0001_cleanup"),
    })
    result = trace_files(tmp_path, {"drizzle/0001_cleanup.sql": (
        'SET lock_timeout = \'2s\';--> statement-breakpoint\n'
        'DELETE FROM "payments" WHERE "status" IS NULL;--> statement-breakpoint\n'
        'ALTER TABLE "payments" ALTER COLUMN "status" SET NOT NULL;\n')}, postgres)
    delete = result.statement("0001_cleanup.sql", 2)
    assert delete.strongest_on("payments") == "ROW EXCLUSIVE"
    assert result.findings("RB413") == []
    assert result.statement("0001_cleanup.sql", 3).strongest_on("payments") == "ACCESS EXCLUSIVE"


def test_a_claim_on_a_table_the_scratch_schema_lacks_is_not_judged(tmp_path, postgres):
    result = traced(tmp_path, postgres, "ALTER TABLE IF EXISTS invoices DROP COLUMN IF EXISTS memo;\n")
    (finding,) = result.findings("RB411")
    assert "measured" not in finding.message  # neither confirmed nor contradicted


def test_a_drop_index_if_exists_of_an_absent_index_is_not_judged(tmp_path, postgres):
    result = traced(tmp_path, postgres, "DROP INDEX IF EXISTS payments_legacy_idx;\n")
    (finding,) = result.findings("RB401")
    assert "measured" not in finding.message
