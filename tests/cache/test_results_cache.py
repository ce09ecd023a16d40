"""The results cache (.reviewbot_cache): same findings warm or cold, reused only for the same bytes and settings."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reviewbot.analyzers.typescript.rules import RULES as TS_RULES
from reviewbot.core.rules import Bad

REPO_ROOT = Path(__file__).resolve().parents[2]
TAMPERED = "tampered by the test: this message can only come from the cache"

FLOAT_MONEY = textwrap.dedent(
    """\
    def charge(customer):
        amount: float = 19.99
        return amount
    """
)
INDEX_MIGRATION = "CREATE INDEX idx_payments_customer ON payments (customer_id);\n"
CREATE_TABLE = "CREATE TABLE payments (id bigint PRIMARY KEY, customer_id bigint);\n"


def _ts_bad() -> tuple[str, str]:
    for rule in TS_RULES:
        for example in rule.examples:
            if isinstance(example, Bad) and example.path.endswith(".ts"):
                return example.path, textwrap.dedent(example.code)
    raise AssertionError("no TypeScript Bad example")  # pragma: no cover


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "payments").mkdir(parents=True)
    (root / "payments" / "charges.py").write_text(FLOAT_MONEY, encoding="utf-8")
    (root / "migrations").mkdir()
    (root / "migrations" / "001_create.sql").write_text(CREATE_TABLE, encoding="utf-8")
    (root / "migrations" / "002_index.sql").write_text(INDEX_MIGRATION, encoding="utf-8")
    ts_path, ts_code = _ts_bad()
    (root / ts_path).parent.mkdir(parents=True, exist_ok=True)
    (root / ts_path).write_text(ts_code, encoding="utf-8")
    return root


def audit(cli, root: Path, *extra: str) -> dict:
    result = cli(["audit", ".", "--tools", "none", "--format", "json", "-q", *extra], cwd=root)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def without_timings(report: dict) -> dict:
    report = json.loads(json.dumps(report))
    stats = report.get("stats", {})
    stats.pop("seconds", None)
    for analyzer in stats.get("analyzers", {}).values():
        analyzer.pop("seconds", None)
    return report


def pack(root: Path, analyzer: str) -> Path:
    found = sorted((root / ".reviewbot_cache").glob(f"{analyzer}-*.json"))
    assert len(found) == 1, found
    return found[0]


def tamper(root: Path, analyzer: str) -> None:
    """Rewrite every cached message of one analyzer, keeping the pack valid."""
    path = pack(root, analyzer)
    document = json.loads(path.read_text(encoding="utf-8"))
    findings = (
        document["findings"] if analyzer == "migrations"
        else [f for entry in document["entries"].values() for f in entry["findings"]]
    )
    assert findings, f"nothing cached for {analyzer}"
    for finding in findings:
        finding["message"] = TAMPERED
    path.write_text(json.dumps(document), encoding="utf-8")


def messages(report: dict, prefix: str) -> set[str]:
    return {f["message"] for f in report["findings"] if f["rule"].startswith(prefix)}


def test_a_warm_run_reports_exactly_what_a_cold_run_and_a_no_cache_run_report(cli, project):
    cold = audit(cli, project)
    warm = audit(cli, project)
    uncached = audit(cli, project, "--no-cache")
    assert {f["rule"] for f in cold["findings"]} >= {"RB101", "RB401"}
    assert without_timings(warm) == without_timings(cold) == without_timings(uncached)


def test_the_fixtures_report_the_same_findings_warm_and_cold(cli, tmp_path):
    copy = tmp_path / "fixtures"
    shutil.copytree(REPO_ROOT / "fixtures", copy, ignore=shutil.ignore_patterns(".reviewbot_cache"))
    cold = audit(cli, copy)
    warm = audit(cli, copy)
    assert without_timings(warm) == without_timings(cold)
    assert {p.name.split("-")[0] for p in (copy / ".reviewbot_cache").glob("*.json")} == {
        "python", "typescript", "go", "migrations",
    }


def test_the_cache_directory_is_ignored_by_git_and_tagged_as_a_cache(cli, project):
    audit(cli, project)
    directory = project / ".reviewbot_cache"
    assert (directory / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert (directory / "CACHEDIR.TAG").read_text(encoding="utf-8").startswith("Signature: 8a477f597d28d172789f06886806bc55")


@pytest.mark.parametrize("analyzer,prefix", [("python", "RB1"), ("typescript", "RB1"), ("migrations", "RB4")])
def test_an_unchanged_file_is_not_analysed_again(cli, project, analyzer, prefix):
    audit(cli, project)
    tamper(project, analyzer)
    assert TAMPERED in messages(audit(cli, project), prefix)


def test_a_changed_file_is_analysed_again(cli, project):
    audit(cli, project)
    tamper(project, "python")
    (project / "payments" / "charges.py").write_text(FLOAT_MONEY + "\n# edited\n", encoding="utf-8")
    assert TAMPERED not in messages(audit(cli, project), "RB1")


def test_a_changed_sibling_migration_invalidates_the_migration_gate(cli, project):
    """The gate reads a migration's folder history: editing an earlier file must re-run it."""
    audit(cli, project)
    tamper(project, "migrations")
    (project / "migrations" / "001_create.sql").write_text(CREATE_TABLE + "-- edited\n", encoding="utf-8")
    assert TAMPERED not in messages(audit(cli, project), "RB4")


def test_a_configuration_change_invalidates_the_cache(cli, project):
    audit(cli, project)
    tamper(project, "python")
    (project / "reviewbot.toml").write_text('extend-money-names = ["wallet"]\n', encoding="utf-8")
    assert TAMPERED not in messages(audit(cli, project), "RB1")


def test_a_gate_only_option_keeps_the_cache(cli, project):
    audit(cli, project)
    tamper(project, "python")
    assert TAMPERED in messages(audit(cli, project, "--fail-on", "warning", "--min-confidence", "low"), "RB1")


def test_another_rule_selection_does_not_read_the_full_selections_results(cli, project):
    audit(cli, project)
    tamper(project, "python")
    selected = audit(cli, project, "--select", "RB101")
    assert messages(selected, "RB1") and TAMPERED not in messages(selected, "RB1")
    assert TAMPERED in messages(audit(cli, project), "RB1")  # the full selection's pack is still there


def test_a_pack_written_by_another_version_is_ignored_and_rewritten(cli, project):
    """The settings key holds reviewbot's version and the digest of its code: another key is another version."""
    audit(cli, project)
    tamper(project, "python")
    path = pack(project, "python")
    document = json.loads(path.read_text(encoding="utf-8"))
    document["key"] = "0" * 40
    path.write_text(json.dumps(document), encoding="utf-8")
    assert TAMPERED not in messages(audit(cli, project), "RB1")
    assert json.loads(path.read_text(encoding="utf-8"))["key"] != "0" * 40


@pytest.mark.parametrize("garbage", ["", "{not json", '{"format": 1, "key": 3}', "[]"])
def test_a_corrupt_pack_is_ignored_and_rewritten(cli, project, garbage):
    cold = audit(cli, project)
    for name in ("python", "typescript", "migrations"):
        pack(project, name).write_text(garbage, encoding="utf-8")
    again = audit(cli, project)
    assert without_timings(again) == without_timings(cold)
    for name in ("python", "typescript", "migrations"):
        assert json.loads(pack(project, name).read_text(encoding="utf-8"))["format"] == 1


def test_a_damaged_entry_is_a_miss_and_the_other_entries_still_hit(cli, project):
    (project / "payments" / "refunds.py").write_text(FLOAT_MONEY.replace("charge", "refund"), encoding="utf-8")
    cold = audit(cli, project)
    tamper(project, "python")
    path = pack(project, "python")
    document = json.loads(path.read_text(encoding="utf-8"))
    document["entries"]["payments/charges.py"]["findings"] = [{"rule": 42}]
    path.write_text(json.dumps(document), encoding="utf-8")
    report = audit(cli, project)
    by_path = {f["path"]: f["message"] for f in report["findings"] if f["rule"] == "RB101"}
    assert by_path["payments/refunds.py"] == TAMPERED
    assert by_path["payments/charges.py"] == next(
        f["message"] for f in cold["findings"] if f["rule"] == "RB101" and f["path"] == "payments/charges.py"
    )


def test_no_cache_neither_reads_nor_writes_the_cache(cli, project):
    audit(cli, project, "--no-cache")
    assert not (project / ".reviewbot_cache").exists()
    audit(cli, project)
    tamper(project, "python")
    before = pack(project, "python").read_bytes()
    assert TAMPERED not in messages(audit(cli, project, "--no-cache"), "RB1")
    assert pack(project, "python").read_bytes() == before


def test_cache_false_in_the_configuration_turns_it_off_and_cache_dir_moves_it(cli, project):
    (project / "reviewbot.toml").write_text("cache = false\n", encoding="utf-8")
    audit(cli, project)
    assert not (project / ".reviewbot_cache").exists()
    (project / "reviewbot.toml").write_text('cache-dir = "build-cache/reviewbot"\n', encoding="utf-8")
    audit(cli, project)
    assert not (project / ".reviewbot_cache").exists()
    assert (project / "build-cache" / "reviewbot" / "CACHEDIR.TAG").is_file()


def test_concurrent_runs_agree_and_leave_a_readable_pack(project):
    command = [sys.executable, "-m", "reviewbot", "audit", ".", "--tools", "none", "--format", "json", "-q"]
    runs = [subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [1, 1, 1], [err.decode() for _, err in outputs]
    reports = [without_timings(json.loads(out)) for out, _ in outputs]
    assert reports[0] == reports[1] == reports[2]
    for name in ("python", "typescript", "migrations"):
        assert json.loads(pack(project, name).read_text(encoding="utf-8"))["format"] == 1
    assert not list((project / ".reviewbot_cache").glob("*.tmp"))
    warm = subprocess.run(command, cwd=project, capture_output=True, timeout=300)
    assert without_timings(json.loads(warm.stdout)) == reports[0]


@pytest.mark.parametrize("command", [
    ["diff", "--base", "HEAD~1"], ["pre-commit", "payments/charges.py"], ["review", "--dry-run", "--base", "HEAD~1"],
])
def test_diff_pre_commit_and_review_accept_no_cache(cli, repo, command):
    repo.write("README.md", "payments\n")
    repo.commit("base")
    repo.write("payments/charges.py", FLOAT_MONEY)
    repo.commit("float money")
    repo.write("payments/charges.py", FLOAT_MONEY + "\n\ndef refund(order):\n    fee: float = 0.3\n    return fee\n")
    repo.git("add", "-A")  # staged, for pre-commit
    quiet = [] if command[0] == "review" else ["-q"]
    result = cli([*command, "--no-cache", "--tools", "none", *quiet], cwd=repo.path)
    assert result.exit_code == 0 and "RB101" in result.stdout, result.stdout + result.stderr
    assert not (repo.path / ".reviewbot_cache").exists()
    cached = cli([*command, "--tools", "none", *quiet], cwd=repo.path)
    assert (repo.path / ".reviewbot_cache").is_dir()
    assert [line for line in cached.stdout.splitlines() if "RB101" in line] == [
        line for line in result.stdout.splitlines() if "RB101" in line
    ]


def test_the_settings_key_ignores_the_config_files_name_and_the_external_tools_sections():
    """`review` reads the base commit's config from a fresh temporary checkout on every run."""
    from dataclasses import replace

    from reviewbot.analyzers.cache import settings_digest
    from reviewbot.config import Config

    base = Config()
    relabelled = replace(base, source="pyproject.toml at 1a2b3c4d5e6f", mypy=replace(base.mypy, args=("--strict",)),
                         fail_on="warning", jobs=2)
    assert settings_digest(relabelled, "python") == settings_digest(base, "python")
    assert settings_digest(replace(base, extend_money_names=("wallet",)), "python") != settings_digest(base, "python")
    assert settings_digest(base, "typescript") != settings_digest(base, "python")
