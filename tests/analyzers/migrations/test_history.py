"""The folder's history: old column types, whether a table is known to exist, historical migrations."""

from __future__ import annotations

import pytest

from reviewbot.analyzers.migrations.history import FolderHistory
from reviewbot.analyzers.migrations.model import ColumnType, Framework, Migration, Runner
from reviewbot.analyzers.migrations.sql import parse_sql_operations
from reviewbot.core.findings import Confidence
from tests.analyzers.migrations.project import Project, found, rules_on
from tests.conftest import git

INITIAL = (
    "CREATE TABLE payments (\n"
    "  id bigserial PRIMARY KEY,\n"
    "  description varchar(200),\n"
    "  reference varchar(35),\n"
    "  amount numeric(12, 2) NOT NULL,\n"
    "  attempts integer NOT NULL DEFAULT 0\n"
    ");\n"
)


@pytest.mark.parametrize(("change", "rewrites"), [
    ("ALTER COLUMN description TYPE text", False),
    ("ALTER COLUMN description TYPE varchar", False),
    ("ALTER COLUMN reference TYPE varchar(140)", False),
    ("ALTER COLUMN amount TYPE numeric(19, 2)", False),
    ("ALTER COLUMN amount TYPE numeric", False),
    ("ALTER COLUMN reference TYPE varchar(20)", True),
    ("ALTER COLUMN amount TYPE numeric(12, 4)", True),
    ("ALTER COLUMN attempts TYPE text", True),
    ("ALTER COLUMN attempts TYPE bigint", True),
])
def test_old_type_comes_from_the_folder_history(tmp_path, change, rewrites):
    project = Project(tmp_path).write({
        "migrations/0001_payments.sql": INITIAL,
        "migrations/0002_widen.sql": f"SET lock_timeout = '2s';\nALTER TABLE payments {change};\n",
    })
    findings = [f for f in project.audit().findings if f.rule == "RB405"]
    if rewrites:
        [finding] = findings
        assert finding.severity.value == "error" and " from " in finding.message
    else:
        assert findings == []


def test_history_follows_renames_and_earlier_type_changes(tmp_path):
    project = Project(tmp_path).write({
        "migrations/0001_payments.sql": INITIAL,
        "migrations/0002_rename.sql": "ALTER TABLE payments RENAME COLUMN reference TO remittance_info;\n"
                                      "ALTER TABLE payments ALTER COLUMN attempts TYPE varchar(10);\n",
        "migrations/0003_widen.sql": "SET lock_timeout = '2s';\n"
                                     "ALTER TABLE payments ALTER COLUMN remittance_info TYPE text;\n"
                                     "ALTER TABLE payments ALTER COLUMN attempts TYPE text;\n",
    })
    assert rules_on(project.audit(), "migrations/0003_widen.sql") == []


def test_diff_mode_reads_the_history_from_the_working_tree(tmp_path):
    project = Project(tmp_path).write({
        "db/migrations/000001_payments.up.sql": INITIAL,
        "db/migrations/000002_description.up.sql": "ALTER TABLE payments ALTER COLUMN description TYPE text;\n",
        "db/migrations/000003_attempts.up.sql": "ALTER TABLE payments ALTER COLUMN attempts TYPE bigint;\n",
    })
    result = project.diff("db/migrations/000002_description.up.sql", "db/migrations/000003_attempts.up.sql")
    assert [(p.rsplit("/", 1)[1], r) for p, r, _ in found(result) if r != "RB412"] == [
        ("000003_attempts.up.sql", "RB405")]


def test_table_the_complete_history_never_creates_is_medium_confidence(tmp_path):
    project = Project(tmp_path).write({
        "supabase/migrations/20240101000000_init.sql": INITIAL,
        "supabase/migrations/20240201000000_indexes.sql":
            "CREATE INDEX ix_payments_amount ON payments (amount);\n"
            "CREATE INDEX ix_users_email ON auth.users (email);\n",
    })
    confidence = {(f.rule, f.line): f.confidence for f in project.audit().findings if f.rule == "RB401"}
    assert confidence == {("RB401", 1): Confidence.HIGH, ("RB401", 2): Confidence.MEDIUM}


def test_partial_history_keeps_the_standing_assumption_that_tables_exist(tmp_path):
    # The folder starts long after the schema was made: nothing says the table is not there.
    project = Project(tmp_path).write({
        "migrations/0007_invoice_template.sql": "ALTER TABLE invoices ADD COLUMN template_id uuid;\n",
        "migrations/0008_invoice_ix.sql": "CREATE INDEX ix_invoices_template ON invoices (template_id);\n",
    })
    [finding] = [f for f in project.audit().findings if f.rule == "RB401"]
    assert finding.confidence is Confidence.HIGH


def test_audit_counts_findings_on_historical_migrations_and_points_to_baseline(tmp_path):
    project = Project(tmp_path).write({
        "migrations/0001_payments.sql": INITIAL,
        "migrations/0002_old_index.sql": "CREATE INDEX ix_payments_amount ON payments (amount);\n",
        "migrations/0003_new_index.sql": "CREATE INDEX ix_payments_reference ON payments (reference);\n",
    })
    [note] = [n for n in project.audit().notes if "historical" in n]
    # 0002 is older than the newest migration of its folder: its RB401 and RB412 are history
    assert note.startswith("migrations: 2 of 4 migration findings (1 at error) are on 1 historical file")
    assert "reviewbot baseline" in note


def test_uncommitted_migrations_are_not_historical(tmp_path):
    project = Project(tmp_path).write({
        "migrations/0001_payments.sql": INITIAL,
        "migrations/0002_old_index.sql": "CREATE INDEX ix_payments_amount ON payments (amount);\n",
    })
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    project.write({"migrations/0003_new_index.sql": "CREATE INDEX ix_payments_reference ON payments (reference);\n"})
    assert any("on 1 historical file" in n for n in project.audit().notes)
    # the developer is still editing 0002: it is not history yet
    project.write({"migrations/0002_old_index.sql": "CREATE INDEX ix_payments_amount ON payments (amount, id);\n"})
    assert not any("historical" in n for n in project.audit().notes)


def test_no_historical_note_in_diff_mode_or_with_a_baseline(tmp_path):
    project = Project(tmp_path).write({
        "migrations/0001_payments.sql": INITIAL,
        "migrations/0002_old_index.sql": "CREATE INDEX ix_payments_amount ON payments (amount);\n",
        "migrations/0003_new_index.sql": "CREATE INDEX ix_payments_reference ON payments (reference);\n",
    })
    assert not any("historical" in n for n in project.diff("migrations/0002_old_index.sql").notes)
    project.write({".reviewbot-baseline.json": '{"findings": []}\n'})
    assert not any("historical" in n for n in project.audit().notes)


def test_history_follows_a_table_back_through_its_renames(tmp_path):
    project = Project(tmp_path).write({
        "migrations/0001_payments.sql": INITIAL,
        "migrations/0002_unrelated.sql": "CREATE TABLE payouts (id bigint PRIMARY KEY);\n",
        "migrations/0003_rename.sql": "ALTER TABLE payments RENAME TO charges;\n",
        "migrations/0004_widen.sql": "SET lock_timeout = '2s';\n"
                                     "ALTER TABLE charges ALTER COLUMN description TYPE text;\n"
                                     "ALTER TABLE charges ALTER COLUMN attempts TYPE bigint;\n",
    })
    result = project.diff("migrations/0004_widen.sql")
    assert [(f.rule, f.line, f.confidence) for f in result.findings] == [("RB405", 3, Confidence.HIGH)]


def test_each_file_sees_the_history_as_it_stood_just_before_it(tmp_path):
    # One replay of the folder serves every file: 0002 and 0003 change the same column one after the other
    project = Project(tmp_path).write({
        "migrations/0001_payments.sql": INITIAL,
        "migrations/0002_to_int.sql": "SET lock_timeout = '2s';\n"
                                      "ALTER TABLE payments ALTER COLUMN description TYPE integer USING 0;\n",
        "migrations/0003_to_text.sql": "SET lock_timeout = '2s';\n"
                                       "ALTER TABLE payments ALTER COLUMN description TYPE text;\n",
        "migrations/0004_rename.sql": "SET lock_timeout = '2s';\nALTER TABLE payments RENAME TO charges;\n"
                                      "ALTER TABLE charges ALTER COLUMN attempts TYPE bigint;\n"
                                      "ALTER TABLE charges ALTER COLUMN description TYPE varchar(20);\n",
    })
    messages = {(f.path.rsplit("/", 1)[1], f.line): f.message for f in project.audit().findings if f.rule == "RB405"}
    assert sorted(messages) == [("0002_to_int.sql", 2), ("0003_to_text.sql", 2), ("0004_rename.sql", 3),
                                ("0004_rename.sql", 4)]
    assert "from varchar(200) to int4" in messages[("0002_to_int.sql", 2)]
    assert "from int4 to text" in messages[("0003_to_text.sql", 2)]
    assert "charges.attempts from int4 to int8" in messages[("0004_rename.sql", 3)]
    assert "charges.description from text to varchar(20)" in messages[("0004_rename.sql", 4)]


def _sql_migration(path, text):
    return Migration(path, Framework.SQL, Runner.PSQL, parse_sql_operations(text).operations, True)


def test_a_file_read_again_differently_is_not_given_the_snapshot_of_its_first_reading():
    # The replay keeps, per file under review, only the tables that file touches
    texts = {
        "migrations/0001_payments.sql": INITIAL + "CREATE TABLE refunds (id bigint PRIMARY KEY, amount integer);\n",
        "migrations/0002_attempts.sql": "ALTER TABLE payments ALTER COLUMN attempts TYPE bigint;\n",
        "migrations/0003_refund_amount.sql": "ALTER TABLE refunds ALTER COLUMN amount TYPE text;\n",
    }
    history = FolderHistory(lambda _folder: sorted(texts), texts.get, lambda p: _sql_migration(p, texts[p]))
    first = _sql_migration("migrations/0002_attempts.sql", texts["migrations/0002_attempts.sql"])
    history.remember([first])
    again = _sql_migration("migrations/0002_attempts.sql", "ALTER TABLE refunds ALTER COLUMN amount TYPE bigint;\n")
    int4 = ColumnType("int4")
    assert history.position(first, "migrations").schema.column_type("payments", "attempts") == int4
    assert history.position(first, "migrations").schema.column_type("refunds", "amount") is None
    assert history.position(again, "migrations").schema.column_type("refunds", "amount") == int4


def test_a_git_worktree_is_asked_which_migrations_are_uncommitted(tmp_path):
    # A worktree's `.git` is a file naming the repository: git is still consulted there
    repo, tree = tmp_path / "repo", tmp_path / "tree"
    Project(repo).write({
        "migrations/0001_payments.sql": INITIAL,
        "migrations/0002_old_index.sql": "CREATE INDEX ix_payments_amount ON payments (amount);\n",
        "migrations/0003_new_index.sql": "CREATE INDEX ix_payments_reference ON payments (reference);\n",
    })
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "worktree", "add", "-q", str(tree))
    assert (tree / ".git").is_file()
    project = Project(tree)
    assert any("on 1 historical file" in n for n in project.audit().notes)
    project.write({"migrations/0002_old_index.sql": "CREATE INDEX ix_payments_amount ON payments (amount, id);\n"})
    assert not any("historical" in n for n in project.audit().notes)
