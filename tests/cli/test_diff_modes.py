"""`reviewbot diff` reports only findings on changed lines, per filter mode."""

from __future__ import annotations

import json

import pytest

BROKEN_AT_5 = "a = 1\nb = 2\nc = 3\nd = 4\ndef broken(:\n"


def test_diff_reports_a_finding_on_an_added_line(repo, cli):
    repo.write("app/x.py", "a = 1\n")
    repo.commit("base")
    repo.write("app/x.py", BROKEN_AT_5)
    repo.commit("head")
    result = cli(["diff", "--base", "HEAD~1", "--head", "HEAD", "--tools", "none", "--format", "json"], repo.path)
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [(f["rule"], f["path"], f["line"]) for f in data["findings"]] == [("RB901", "app/x.py", 5)]


def test_finding_on_an_unchanged_line_is_not_reported_in_added_mode(repo, cli):
    repo.write("app/x.py", BROKEN_AT_5 + "\n")
    repo.commit("base")
    repo.write("app/y.py", "z = 1\n")
    repo.write("app/x.py", BROKEN_AT_5 + "\n# a comment\n")
    repo.commit("head")
    result = cli(["diff", "--base", "HEAD~1", "--head", "HEAD", "--tools", "none", "--format", "json"], repo.path)
    data = json.loads(result.stdout)
    assert result.exit_code == 0
    assert data["findings"] == []
    assert data["stats"]["outside_diff"] == 1


def test_file_filter_reports_every_finding_in_a_changed_file(repo, cli):
    repo.write("app/x.py", BROKEN_AT_5 + "\n")
    repo.commit("base")
    repo.write("app/x.py", BROKEN_AT_5 + "\n# a comment\n")
    repo.commit("head")
    result = cli(["diff", "--base", "HEAD~1", "--head", "HEAD", "--tools", "none", "--diff-filter", "file"], repo.path)
    assert result.exit_code == 1
    assert "app/x.py:5:" in result.stdout


def test_working_tree_diff_against_a_base_branch(repo, cli):
    repo.write("app/x.py", "a = 1\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("app/x.py", "a = 1\ndef broken(:\n")
    result = cli(["diff", "--base", "main", "--tools", "none"], repo.path)
    assert result.exit_code == 1
    assert "app/x.py:2:" in result.stdout


def test_patch_mode_reads_the_new_side_from_the_working_tree(repo, cli):
    repo.write("app/x.py", "a = 1\n")
    repo.commit("base")
    repo.write("app/x.py", "a = 1\ndef broken(:\n")
    repo.write("change.patch", repo.git("diff"))
    result = cli(["diff", "--patch", "change.patch", "--tools", "none", "--format", "json"], repo.path)
    data = json.loads(result.stdout)
    assert [(f["path"], f["line"]) for f in data["findings"]] == [("app/x.py", 2)]


def test_a_deleted_file_yields_nothing_and_is_counted(repo, cli):
    repo.write("app/old.py", "def broken(:\n")
    repo.commit("base")
    (repo.path / "app/old.py").unlink()
    repo.commit("head")
    result = cli(["diff", "--base", "HEAD~1", "--head", "HEAD", "--tools", "none", "--format", "json"], repo.path)
    data = json.loads(result.stdout)
    assert data["findings"] == [] and data["stats"]["skipped"] == {"deleted": 1}


def test_staged_mode_checks_only_what_is_staged(repo, cli):
    repo.write("app/x.py", "a = 1\n")
    repo.commit("base")
    repo.write("app/x.py", "a = 2\n")
    repo.git("add", "-A")
    repo.write("app/x.py", "def broken(:\n")  # not staged
    result = cli(["diff", "--staged", "--tools", "none"], repo.path)
    assert result.exit_code == 0, result.stdout


def test_each_file_is_parsed_by_one_analyzer_migration_modules_by_the_migrations_gate(repo, cli):
    import json

    repo.write("shop/models.py", "from decimal import Decimal\n\nPRICE = Decimal('1.00')\n")
    repo.write(
        "shop/migrations/0002_add_total.py",
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
        "    dependencies = [('shop', '0001_initial')]\n"
        "    operations = [migrations.AddField('order', 'total', models.FloatField(default=0))]\n",
    )
    result = cli(["audit", "--tools", "none", "--format", "json"], repo.path)
    data = json.loads(result.stdout)
    assert data["stats"]["analyzers"]["reviewbot"]["files"] == 1
    assert data["stats"]["analyzers"]["migrations"]["files"] == 1
    assert "RB108" in {f["rule"] for f in data["findings"]}


def test_default_excludes_skip_virtualenvs_and_build_output_and_extend_exclude_adds(repo, cli):
    import json

    for rel in (".venv/lib/site.py", "build/lib/x.py", "node_modules/pkg/x.py", "legacy/old.py", "app/x.py"):
        repo.write(rel, "def broken(:\n")
    repo.write("pyproject.toml", "[tool.reviewbot]\nextend-exclude = ['legacy']\n")
    data = json.loads(cli(["audit", "--tools", "none", "--format", "json"], repo.path).stdout)
    assert [f["path"] for f in data["findings"]] == ["app/x.py"]
    repo.write("pyproject.toml", "[tool.reviewbot]\nexclude = []\n")
    data = json.loads(cli(["audit", "--tools", "none", "--format", "json"], repo.path).stdout)
    assert "build/lib/x.py" in [f["path"] for f in data["findings"]]


@pytest.mark.parametrize("argument", [".", "tests", "tests/regressions"])
def test_an_exclude_pattern_with_a_slash_names_a_folder_from_the_root_whatever_path_is_audited(repo, cli, argument):
    # As in .gitignore: `tests/regressions` excludes everything under that folder, and a pattern is
    # written from the repository root even when the audit is given a subfolder; a folder named on the
    # command line is checked even if a pattern excludes it (as ruff does without --force-exclude).
    import json

    for rel in ("tests/regressions/typescript/flagged.py", "tests/regressions/x.py", "tests/unit/x.py"):
        repo.write(rel, "def broken(:\n")
    repo.write("pyproject.toml", "[tool.reviewbot]\nextend-exclude = ['tests/regressions']\n")
    data = json.loads(cli(["audit", argument, "--tools", "none", "--format", "json"], repo.path).stdout)
    if argument == "tests/regressions":
        assert [f["path"] for f in data["findings"]] == ["tests/regressions/typescript/flagged.py", "tests/regressions/x.py"]
    else:
        assert [f["path"] for f in data["findings"]] == ["tests/unit/x.py"]
