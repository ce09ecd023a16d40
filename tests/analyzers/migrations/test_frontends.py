"""Alembic and Django front ends: the operations they read decide the findings."""

from __future__ import annotations

import textwrap

from reviewbot.analyzers.base import NullProgress
from reviewbot.analyzers.migrations.engine import MigrationAnalyzer, analyze_migration_source
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet, FileChange, FileStatus

DJANGO_HEAD = "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
LOCK = "        migrations.RunSQL(\"SET lock_timeout = '2s'\", migrations.RunSQL.noop),\n"


def codes(findings):
    return sorted((f.rule, f.line) for f in findings)


def django(ops, atomic=True):
    head = DJANGO_HEAD + ("" if atomic else "    atomic = False\n")
    return head + "    operations = [\n" + LOCK + textwrap.indent(textwrap.dedent(ops), " " * 8) + "    ]\n"


def run(path, text):
    return analyze_migration_source(path, text, Config())


def test_django_foreign_key_add_field_is_a_blocking_index_and_validated_only_when_filled():
    nullable = django('migrations.AddField(model_name="refund", name="charge", '
                      'field=models.ForeignKey(null=True, on_delete=models.PROTECT, to="payments.charge")),\n')
    # Django adds the key inline with a column that is NULL everywhere: PostgreSQL does not scan
    assert codes(run("payments/migrations/0002_x.py", nullable)) == [("RB401", 7)]
    filled = django('migrations.AddField(model_name="refund", name="charge", field=models.ForeignKey('
                    'default=1, on_delete=models.PROTECT, to="payments.charge"), preserve_default=False),\n')
    assert ("RB407", 7) in codes(run("payments/migrations/0002_x.py", filled))


def test_django_fk_without_db_constraint_or_index_is_quiet():
    src = django('migrations.AddField(model_name="refund", name="charge", field=models.ForeignKey('
                 'null=True, db_constraint=False, db_index=False, on_delete=models.PROTECT, to="payments.charge")),\n')
    assert run("payments/migrations/0002_x.py", src) == []


def test_django_operations_on_a_model_created_in_the_same_migration_are_safe():
    src = django('''\
        migrations.CreateModel(name="Payout", fields=[("id", models.BigAutoField(primary_key=True))]),
        migrations.AddField(model_name="payout", name="merchant", field=models.ForeignKey(on_delete=models.PROTECT, to="payments.merchant")),
        migrations.AddIndex(model_name="payout", index=models.Index(fields=["merchant"], name="payout_merchant_idx")),
        migrations.RunPython(migrations.RunPython.noop),
    ''')
    assert run("payouts/migrations/0001_initial.py", src) == []


def test_django_add_index_concurrently_in_atomic_migration_fails():
    src = django('AddIndexConcurrently(model_name="payment", index=models.Index(fields=["customer"], name="ix")),\n')
    assert codes(run("payments/migrations/0003_x.py", src)) == [("RB402", 7)]
    assert run("payments/migrations/0003_x.py", django(
        'AddIndexConcurrently(model_name="payment", index=models.Index(fields=["customer"], name="ix")),\n',
        atomic=False)) == []


def test_django_run_sql_statements_map_to_their_lines_inside_the_string():
    src = django('''\
        migrations.RunSQL(
            """
            ALTER TABLE payments_payment
                ADD COLUMN note text;
            CREATE INDEX ix_note ON payments_payment (note);
            """,
            reverse_sql="DROP INDEX ix_note",
        ),
    ''')
    assert codes(run("payments/migrations/0004_x.py", src)) == [("RB401", 11)]


def test_django_separate_database_and_state_gates_only_database_operations():
    src = django('''\
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="payment", name="legacy")],
            database_operations=[migrations.RunSQL("ALTER TABLE payments_payment RENAME COLUMN a TO b")],
        ),
    ''')
    assert codes(run("payments/migrations/0005_x.py", src)) == [("RB410", 9)]


def test_django_alter_field_compares_with_the_previous_migration(tmp_path):
    app = tmp_path / "payments" / "migrations"
    app.mkdir(parents=True)
    (app / "0001_initial.py").write_text(django('''\
        migrations.CreateModel(name="Payment", fields=[
            ("id", models.BigAutoField(primary_key=True)),
            ("note", models.CharField(max_length=50)),
            ("amount", models.DecimalField(max_digits=19, decimal_places=2)),
            ("customer_ref", models.CharField(max_length=40, null=True)),
        ]),
    '''))
    second = django('''\
        migrations.AlterField(model_name="payment", name="note", field=models.CharField(max_length=200)),
        migrations.AlterField(model_name="payment", name="amount", field=models.DecimalField(max_digits=19, decimal_places=4)),
        migrations.AlterField(model_name="payment", name="customer_ref", field=models.CharField(max_length=40)),
        migrations.AlterField(model_name="unknown", name="x", field=models.IntegerField()),
    ''')
    changes = ChangeSet(root=str(tmp_path), files=(FileChange("payments/migrations/0002_alter.py", FileStatus.ADDED, text=second),))
    findings = MigrationAnalyzer().analyze(changes, Config(), NullProgress()).findings
    assert codes(findings) == [("RB405", 8), ("RB406", 9)]


def test_alembic_batch_alter_table_ops_know_their_table():
    src = (
        "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
        "    op.execute(\"SET lock_timeout = '2s'\")\n"
        "    with op.batch_alter_table(\"refunds\") as batch_op:\n"
        "        batch_op.drop_column(\"legacy_reason\")\n"
        "        batch_op.create_index(\"ix_refunds_charge\", [\"charge_id\"])\n"
    )
    findings = run("alembic/versions/1_x.py", src)
    assert codes(findings) == [("RB401", 9), ("RB411", 8)]
    assert all("refunds" in f.message for f in findings)


def test_alembic_add_column_with_foreign_key_and_serial_primary_key():
    src = (
        "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
        "    op.execute(\"SET lock_timeout = '2s'\")\n"
        "    op.add_column(\"refunds\", sa.Column(\"charge_id\", sa.BigInteger(), sa.ForeignKey(\"charges.id\"), nullable=True))\n"
        "    op.add_column(\"ledger\", sa.Column(\"id\", sa.Integer(), primary_key=True))\n"
    )
    assert codes(run("alembic/versions/1_x.py", src)) == [("RB404", 8), ("RB407", 7), ("RB409", 8)]


def test_alembic_server_default_constant_or_now_is_fast_default():
    src = (
        "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
        "    op.execute(\"SET lock_timeout = '2s'\")\n"
        "    op.add_column(\"charges\", sa.Column(\"currency\", sa.String(3), nullable=False, server_default=\"EUR\"))\n"
        "    op.add_column(\"charges\", sa.Column(\"seen_at\", sa.DateTime(timezone=True), server_default=sa.func.now()))\n"
        "    op.add_column(\"charges\", sa.Column(\"seen2\", sa.DateTime(timezone=True), server_default=sa.text(\"now()\")))\n"
    )
    assert run("alembic/versions/1_x.py", src) == []


def test_alembic_autocommit_block_separates_validate_from_not_valid_add():
    src = (
        "from alembic import op\n\n\ndef upgrade():\n"
        "    op.execute(\"SET lock_timeout = '2s'\")\n"
        "    op.create_foreign_key(\"fk\", \"refunds\", \"charges\", [\"charge_id\"], [\"id\"], postgresql_not_valid=True)\n"
        "    with op.get_context().autocommit_block():\n"
        "        op.execute(\"ALTER TABLE refunds VALIDATE CONSTRAINT fk\")\n"
    )
    assert run("alembic/versions/1_x.py", src) == []


def test_money_float_columns_in_django_and_alembic_are_rb108_even_on_new_tables():
    src = django('''\
        migrations.CreateModel(name="Fee", fields=[
            ("id", models.BigAutoField(primary_key=True)),
            ("fee_amount", models.FloatField()),
            ("fee_rate", models.FloatField()),
        ]),
    ''')
    findings = run("billing/migrations/0001_initial.py", src)
    assert [(f.rule, f.family) for f in findings] == [("RB108", "money")]
    assert "fee_amount" in findings[0].message


def test_django_alter_field_uses_the_latest_earlier_definition_in_the_same_app(tmp_path):
    app = tmp_path / "payments" / "migrations"
    app.mkdir(parents=True)
    widen = django('migrations.AlterField(model_name="payment", name="amount", '
                   'field=models.DecimalField(max_digits=19, decimal_places=4)),\n')
    files = {
        "0001_initial.py": django('''\
            migrations.CreateModel(name="Payment", fields=[
                ("id", models.BigAutoField(primary_key=True)),
                ("amount", models.DecimalField(max_digits=19, decimal_places=2)),
            ]),
        '''),
        "0002_widen.py": widen,
        "0003_again.py": widen,
        "0004_later.py": django('migrations.AlterField(model_name="payment", name="amount", field=models.FloatField()),\n'),
    }
    for name, text in files.items():
        (app / name).write_text(text)
    changed = ("0002_widen.py", "0003_again.py")
    changes = ChangeSet(root=str(tmp_path), files=tuple(
        FileChange(f"payments/migrations/{name}", FileStatus.ADDED, text=files[name]) for name in changed))
    findings = MigrationAnalyzer().analyze(changes, Config(), NullProgress()).findings
    assert sorted((f.path, f.rule, f.line) for f in findings) == [("payments/migrations/0002_widen.py", "RB405", 7)]


def test_django_field_history_is_not_carried_over_between_runs(tmp_path):
    app = tmp_path / "payments" / "migrations"
    app.mkdir(parents=True)
    alter = django('migrations.AlterField(model_name="payment", name="note", field=models.CharField(max_length=200)),\n')
    (app / "0002_alter.py").write_text(alter)
    changes = ChangeSet(root=str(tmp_path), files=(FileChange("payments/migrations/0002_alter.py", FileStatus.ADDED),))
    analyzer = MigrationAnalyzer()

    def run_with(initial_field):
        initial = django(f'migrations.CreateModel(name="Payment", fields=[("note", {initial_field})]),\n')
        (app / "0001_initial.py").write_text(initial)
        return [(f.rule, f.path) for f in analyzer.analyze(changes, Config(), NullProgress()).findings]

    assert run_with("models.CharField(max_length=200)") == []
    assert run_with("models.IntegerField()") == [("RB405", "payments/migrations/0002_alter.py")]
    assert run_with("models.CharField(max_length=200)") == []


def test_django_run_sql_pieces_start_on_their_own_lines():
    src = django('''\
        migrations.RunSQL([
            ("""
            CREATE INDEX ix_a ON payments_payment (a);
            """, None),
            "CREATE INDEX ix_b "
            "ON payments_payment (b)",
            (
                """CREATE INDEX ix_c ON payments_payment (c)"""
            ),
        ]),
    ''')
    assert codes(run("payments/migrations/0006_x.py", src)) == [("RB401", 9), ("RB401", 11), ("RB401", 14)]


def test_unparsable_django_migration_is_one_rb901_with_the_parser_message():
    src = django('migrations.AddField(model_name="payment", name="note", field=models.TextField()),\n')
    src = src.replace("    operations = [", "    operations = = [")
    [finding] = run("payments/migrations/0007_x.py", src)
    assert finding.rule == "RB901"
    assert finding.message == "cannot parse: invalid syntax"
    assert finding.line == src.splitlines().index("    operations = = [") + 1
