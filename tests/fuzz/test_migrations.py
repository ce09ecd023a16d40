"""Fuzz: SQL, Alembic and Django migrations, mutated, are checked or reported, never skipped (issue #15).

A migration that SQL (pglast) or Python (ast) cannot read as UTF-8 text must still get a finding (an
RB901 at least): the gate fails where a file could not be checked. A mutation that changes nothing the
migration means (a comment with odd bytes, a latin-1 coding line, a BOM, other line endings) must keep
the seed's findings. No rule crashes (RB905) and messages stay bounded.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.budget import budget, check
from tests.fuzz.inputs import (
    ALEMBIC_SEEDS,
    DJANGO_SEEDS,
    MIGRATION_MUTATIONS,
    PRESERVING,
    SQL_SEEDS,
    Seed,
    mutant,
)
from tests.fuzz.oracle import contract_violations, parse_verdicts, run_cli, write

SEEDS = {"sql": SQL_SEEDS, "alembic": ALEMBIC_SEEDS, "django": DJANGO_SEEDS}


def _audit(files: dict[str, bytes]):
    with tempfile.TemporaryDirectory(prefix="reviewbot-fuzz-") as tmp:
        root = Path(tmp)
        for rel, data in files.items():
            write(root, rel, data)
        run = run_cli(["audit", ".", "--tools", "none", "--format", "json", "-q", "--select", "migrations,meta"], root)
        oracle = {}
        for kind, suffix in (("pglast", ".sql"), ("ast", ".py")):
            paths = [root / rel for rel in files if rel.endswith(suffix)]
            oracle.update({Path(p).relative_to(root).as_posix(): v for p, v in parse_verdicts(kind, paths).items()})
        return run, oracle


@cache
def seed_rules(seed: Seed) -> frozenset[str]:
    """The rules reviewbot reports on the unmutated seed (the differential baseline)."""
    run, _ = _audit({seed.path: seed.data})
    return frozenset(run.rules_on(seed.path))


def check_migrations(case: str, mutants: list[tuple[Seed, list[tuple[object, ...]], bytes]]) -> list[str]:
    files = {f"m{i}/{seed.path}": data for i, (seed, _, data) in enumerate(mutants)}
    run, oracle = _audit(files)
    violations = contract_violations(run, case)
    for (rel, data), (seed, applied, _) in zip(files.items(), mutants, strict=True):
        rules = run.rules_on(rel)
        if "RB905" in rules:
            violations.append(f"{case}: a rule crashed on {rel} ({applied}): {data[:160]!r}")
        if oracle[rel] != "ok" and not rules:
            violations.append(f"{case}: {rel} was skipped silently ({oracle[rel]}) after {applied}: {data[:160]!r}")
        if all(m[0] in PRESERVING for m in applied):
            lost = seed_rules(seed) - rules
            if lost and "RB901" not in rules:
                violations.append(f"{case}: {rel} lost {sorted(lost)} after {applied}, which change nothing it means")
    return violations


@budget(ci=12, bench=800)
@given(st.lists(mutant(SQL_SEEDS, MIGRATION_MUTATIONS, comment=b"--"), min_size=1, max_size=3))
def test_mutated_sql_migrations_are_checked_or_reported(mutants):
    check("sql-migrations", len(mutants), check_migrations("sql-migrations", mutants))


@budget(ci=8, bench=400)
@given(st.lists(mutant(ALEMBIC_SEEDS, MIGRATION_MUTATIONS), min_size=1, max_size=3))
def test_mutated_alembic_migrations_are_checked_or_reported(mutants):
    check("alembic-migrations", len(mutants), check_migrations("alembic-migrations", mutants))


@budget(ci=8, bench=400)
@given(st.lists(mutant(DJANGO_SEEDS, MIGRATION_MUTATIONS), min_size=1, max_size=3))
def test_mutated_django_migrations_are_checked_or_reported(mutants):
    check("django-migrations", len(mutants), check_migrations("django-migrations", mutants))


# ------------------------------------------------------------ the cases issue #15 names


def test_a_sql_migration_with_a_latin1_byte_in_a_comment_keeps_its_findings():
    seed = Seed("migrations/0042_index.sql", b"CREATE INDEX ix_payments_status ON payments (status);\n")
    mutated = b"-- r\xe9sum\xe9 of the change\n" + seed.data
    run, _ = _audit({seed.path: mutated})
    assert run.rules_on(seed.path) & (seed_rules(seed) | {"RB901"}), run.findings


def test_a_nul_byte_in_a_sql_migration_does_not_hide_the_statements_after_it():
    seed = Seed("migrations/0042_index.sql", b"SELECT 1;\nCREATE INDEX ix_payments_status ON payments (status);\n")
    run, _ = _audit({seed.path: b"-- \x00\n" + seed.data})
    assert run.rules_on(seed.path) & (seed_rules(seed) | {"RB901"}), run.findings


def test_a_django_migration_with_a_latin1_coding_line_is_checked():
    (seed,) = [s for s in DJANGO_SEEDS if seed_rules(s)][:1]
    mutated = b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + seed.data
    run, _ = _audit({seed.path: mutated})
    assert run.rules_on(seed.path) & (seed_rules(seed) | {"RB901"}), run.findings


def test_one_broken_django_migration_leaves_the_later_ones_of_its_app_checked():
    later = next(s for s in DJANGO_SEEDS if s.path.startswith("payments/migrations/0042") and seed_rules(s))
    files = {
        "payments/migrations/0001_initial.py": b"from django.db import migrations\nclass Migration(migrations.Migration:\n",
        "payments/migrations/0042_later.py": later.data,
    }
    run, _ = _audit(files)
    assert "RB901" in run.rules_on("payments/migrations/0001_initial.py")
    later_rules = run.rules_on("payments/migrations/0042_later.py")
    assert "RB905" not in later_rules and seed_rules(later) <= later_rules, run.findings


def test_deeply_nested_sql_is_reported_without_a_rule_crash():
    depth = 3000
    sql = b"SELECT " + b"(SELECT " * depth + b"1" + b")" * depth + b";\n"
    run, _ = _audit({"migrations/0042_deep.sql": sql})
    assert contract_violations(run, "deep sql") == []
    assert "RB905" not in run.rules_on("migrations/0042_deep.sql"), run.findings


def test_a_megabyte_unterminated_sql_string_makes_a_bounded_message():
    run, _ = _audit({"migrations/0042_note.sql": b"SELECT 'x" + b"a" * 1_000_000 + b"\n"})
    (finding,) = [f for f in run.findings if f["path"] == "migrations/0042_note.sql"]
    assert finding["rule"] == "RB901"
    assert len(finding["message"]) <= 400 and finding["message"].endswith("…")


def test_an_alembic_revision_that_lost_its_upgrade_to_a_syntax_error_is_rb901():
    # Found by the fuzz: the Python rules skip versions/ files as migrations, and without a parseable
    # `def upgrade()` the migration gate did not claim the file either, so nobody checked it.
    broken = b'import sqlalchemy as sa\nfrom alembic import op\n\n\n    op.add_column("charges", sa.Column("amount", sa.Float()))\n'
    run, _ = _audit({"alembic/versions/1a2b_amount.py": broken})
    (finding,) = run.findings
    assert (finding["rule"], finding["line"]) == ("RB901", 5) and "indent" in finding["message"]
    assert run.exit_code == 1
