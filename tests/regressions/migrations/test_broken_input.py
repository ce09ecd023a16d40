"""Issue #15: a broken or odd migration gets a finding on itself, is still checked, and never stops the run."""

from __future__ import annotations

import pytest

from reviewbot.analyzers.migrations.engine import analyze_migration_source
from reviewbot.config import Config
from tests.analyzers.migrations.project import Project, found, rules_on

DJANGO_HEAD = "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"


def test_sql_with_a_latin1_byte_is_rb901_and_still_checked(tmp_path):
    sql = "-- ajout de la colonne r\xe9f\xe9rence\nALTER TABLE payments DROP COLUMN legacy_status;\n"
    result = Project(tmp_path).write({"migrations/0042_x.sql": sql.encode("latin-1")}).audit()
    assert rules_on(result, "migrations/0042_x.sql") == ["RB411", "RB412", "RB901"]
    [rb901] = [f for f in result.findings if f.rule == "RB901"]
    assert rb901.line == 1 and "not valid utf-8" in rb901.message and "0xe9" in rb901.message


def test_sql_that_sets_its_client_encoding_is_read_in_it(tmp_path):
    sql = "SET client_encoding = 'LATIN1';\n-- r\xe9f\xe9rence\nALTER TABLE payments DROP COLUMN legacy;\n"
    result = Project(tmp_path).write({"migrations/0042_x.sql": sql.encode("latin-1")}).audit()
    assert rules_on(result, "migrations/0042_x.sql") == ["RB411", "RB412"]


def test_django_migration_with_a_valid_latin1_coding_line_is_checked_without_rb901(tmp_path):
    src = ("# -*- coding: latin-1 -*-\n" + DJANGO_HEAD +
           "    operations = [migrations.RemoveField(model_name=\"payment\", name=\"r\xe9f\xe9rence\")]\n")
    result = Project(tmp_path).write({"payments/migrations/0042_x.py": src.encode("latin-1")}).audit()
    assert rules_on(result, "payments/migrations/0042_x.py") == ["RB411", "RB412"]


def test_alembic_revision_with_a_stray_byte_and_no_coding_line_is_rb901_and_still_checked(tmp_path):
    src = ("from alembic import op\n\n# caf\xe9\n\ndef upgrade():\n"
           "    op.drop_column(\"payments\", \"legacy_status\")\n")
    result = Project(tmp_path).write({"alembic/versions/1a2b_drop.py": src.encode("latin-1")}).audit()
    assert rules_on(result, "alembic/versions/1a2b_drop.py") == ["RB411", "RB412", "RB901"]


@pytest.mark.parametrize("codec", ["rot13", "hex", "zlib", "no-such-codec"])
def test_django_migration_with_an_unusable_coding_line_is_rb901_not_a_crash(tmp_path, codec):
    src = f"# -*- coding: {codec} -*-\n" + DJANGO_HEAD + "    operations = []\n"
    result = Project(tmp_path).write({"payments/migrations/0042_x.py": src}).audit()
    assert rules_on(result, "payments/migrations/0042_x.py") == ["RB901"]


def test_nul_byte_in_sql_is_rb901_and_the_statements_after_it_are_checked():
    sql = "SET lock_timeout = '2s';\x00\nALTER TABLE payments DROP COLUMN legacy_status;\n"
    findings = analyze_migration_source("migrations/0042_x.sql", sql, Config())
    assert sorted((f.rule, f.line) for f in findings) == [("RB411", 2), ("RB901", 1)]


def test_one_broken_django_migration_does_not_break_the_later_ones_of_its_app(tmp_path):
    project = Project(tmp_path).write({
        "payments/migrations/0001_initial.py": DJANGO_HEAD + "    operations = [\n"
            "        migrations.CreateModel(name=\"Payment\", fields=[(\"id\", models.BigAutoField(primary_key=True)),"
            " (\"note\", models.CharField(max_length=20))]),\n    ]\n",
        # CPython's parser gives up on this with MemoryError, as `import` would
        "payments/migrations/0002_generated.py": DJANGO_HEAD.replace("class", "LIMIT = " + "-" * 200_000 + "1\n\n\nclass")
            + "    operations = []\n",
        "payments/migrations/0003_note.py": DJANGO_HEAD + "    operations = [\n"
            "        migrations.AlterField(model_name=\"payment\", name=\"note\", field=models.IntegerField()),\n"
            "        migrations.RemoveField(model_name=\"payment\", name=\"note\"),\n    ]\n",
    })
    result = project.audit()
    assert [f.rule for f in result.findings if f.rule.startswith("RB9")] == ["RB901"]
    assert rules_on(result, "payments/migrations/0002_generated.py") == ["RB901"]
    assert rules_on(result, "payments/migrations/0003_note.py") == ["RB405", "RB411", "RB412"]


def test_deeply_nested_sql_statement_is_rb901_and_the_others_are_checked(tmp_path):
    deep = "UPDATE payments SET amount_minor = 1" + " + 1" * 60_000 + ";\n"
    sql = "ALTER TABLE payments DROP COLUMN legacy_status;\n" + deep + "DROP TABLE refunds;\n"
    result = Project(tmp_path).write({"migrations/0042_x.sql": sql}).audit()
    rb901 = [f for f in result.findings if f.rule == "RB901"]
    assert len(rb901) == 1 and rb901[0].line == 2 and "too deeply nested" in rb901[0].message
    assert ("migrations/0042_x.sql", "RB411", 1) in found(result)
    assert ("migrations/0042_x.sql", "RB411", 3) in found(result)
    assert not any(f.rule == "RB905" for f in result.findings)


@pytest.mark.parametrize("sql", [
    "UPDATE payments SET memo = 'a'" + " || 'b'" * 3_000 + ";\n",
    "SELECT " + "(" * 5_000 + "1" + ")" * 5_000 + ";\n",
    "SELECT " + "ARRAY[" * 20_000 + "1" + "]" * 20_000 + ";\n",
    "DO $$ BEGIN " + "IF true THEN " * 2_000 + "NULL;" + " END IF;" * 2_000 + " END $$;\n",
    "DO $$ BEGIN EXECUTE 'ALTER TABLE payments ' " + "|| 'x' " * 30_000 + "; END $$;\n",
])
def test_nested_sql_is_never_an_rb905(sql):
    findings = analyze_migration_source("migrations/0042_x.sql", sql, Config())
    assert not any(f.rule == "RB905" for f in findings)


def test_alembic_server_default_too_deep_to_parse_is_not_a_crash():
    deep = "1" + " + 1" * 30_000
    src = ("import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
           f"    op.add_column(\"payments\", sa.Column(\"fee\", sa.Integer(), server_default=sa.text(\"{deep}\")))\n")
    findings = analyze_migration_source("alembic/versions/1a2b_fee.py", src, Config())
    assert not any(f.rule == "RB905" for f in findings)
