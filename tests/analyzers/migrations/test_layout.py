"""Which paths are Python migration modules, decided from the path and configuration alone."""

from __future__ import annotations

from reviewbot.analyzers.migrations.layout import is_python_migration_path
from reviewbot.config import Config, MigrationPath, MigrationsConfig


def test_django_numbered_modules_under_migrations_are_python_migrations():
    config = Config()
    assert is_python_migration_path("payments/migrations/0001_initial.py", config)
    assert is_python_migration_path("migrations/0042_refund_reason.py", config)
    assert is_python_migration_path("src/shop/payments/migrations/0100_squashed_0099.py", config)


def test_alembic_revision_scripts_under_versions_are_python_migrations():
    config = Config()
    assert is_python_migration_path("alembic/versions/7c1d_refund_reason.py", config)
    assert is_python_migration_path("db/versions/2024_01_add_fee.py", config)
    assert not is_python_migration_path("alembic/versions/__init__.py", config)


def test_other_modules_next_to_migrations_are_not_migrations():
    config = Config()
    assert not is_python_migration_path("payments/migrations/__init__.py", config)
    assert not is_python_migration_path("payments/migrations/helpers.py", config)
    assert not is_python_migration_path("payments/models.py", config)
    assert not is_python_migration_path("alembic/env.py", config)
    assert not is_python_migration_path("migrations/0001_initial.sql", config)
    assert not is_python_migration_path("payments/0001_initial.py", config)


def test_configured_paths_decide_before_the_default_layout():
    config = Config(migrations=MigrationsConfig(paths=(
        MigrationPath("legacy/migrations/**", "ignore"),
        MigrationPath("schema/steps/*.py", "alembic"),
        MigrationPath("ledger/changes/*.py", "django"),
        MigrationPath("sql/**", "flyway"),
    )))
    assert not is_python_migration_path("legacy/migrations/0001_initial.py", config)
    assert is_python_migration_path("schema/steps/add_fee.py", config)
    assert is_python_migration_path("ledger/changes/widen_amount.py", config)
    assert not is_python_migration_path("sql/generate.py", config)
    assert is_python_migration_path("payments/migrations/0002_fee.py", config)


def test_a_module_quoting_an_alembic_revision_in_a_string_is_not_one():
    from reviewbot.analyzers.migrations.layout import detect_layout

    docs = 'EXAMPLE = "from alembic import op\\n\\n\\ndef upgrade():\\n    op.drop_table(\\"payments\\")\\n"\n'
    revision = 'from alembic import op\n\nrevision = "7c1d"\n\n\ndef upgrade():\n    op.drop_table("refunds")\n'
    config = Config().migrations
    assert detect_layout("payments/docs/examples.py", docs, config, lambda _p: None) is None
    layout = detect_layout("payments/db/revisions/7c1d_drop_refunds.py", revision, config, lambda _p: None)
    assert layout is not None and layout.runner.value == "alembic"
