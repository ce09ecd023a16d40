"""The semgrep adapter: pack findings under RB codes, explicit targets, errors never pass silently."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reviewbot.analyzers.base import AnalyzerResult, NullProgress
from reviewbot.analyzers.tools.semgrep import SemgrepAnalyzer, parse_semgrep_json
from reviewbot.config import SemgrepConfig
from reviewbot.core.changes import ChangeSet, FileChange, FileStatus, Hunk, Mode
from reviewbot.errors import ToolError

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures_tools" / "polyglot"
FILES = ("api/src/charges.ts", "api/tests/refunds.test.ts", "gateway/payments.go")


@pytest.fixture
def polyglot(tmp_path: Path) -> Path:
    root = tmp_path / "polyglot"
    shutil.copytree(FIXTURE, root)
    return root


def codes_by_path(result: AnalyzerResult) -> dict[str, list[tuple[int, str]]]:
    out: dict[str, list[tuple[int, str]]] = {}
    for f in sorted(result.findings, key=lambda f: f.sort_key):
        out.setdefault(f.path, []).append((f.line, f.rule))
    return out


def test_pack_findings_carry_rb_codes_families_and_repository_paths(with_semgrep, polyglot, tool_config, audit):
    result = SemgrepAnalyzer().analyze(audit(polyglot, *FILES), tool_config(polyglot), NullProgress())
    assert codes_by_path(result) == {
        "api/src/charges.ts": [(6, "RB110"), (7, "RB310")],
        "gateway/payments.go": [(8, "RB112"), (12, "RB113"), (13, "RB213")],
    }
    money = next(f for f in result.findings if f.rule == "RB110")
    assert (money.family, money.severity.value, money.tool) == ("money", "error", "semgrep")
    assert money.help and not money.message.endswith(".")
    assert result.files == 3


def test_files_under_tests_are_scanned_when_the_test_policy_is_strict(with_semgrep, polyglot, tool_config, audit):
    result = SemgrepAnalyzer().analyze(
        audit(polyglot, *FILES), tool_config(polyglot, test_policy="strict"), NullProgress()
    )
    assert codes_by_path(result)["api/tests/refunds.test.ts"] == [(2, "RB210")]


def test_ignored_codes_and_families_are_dropped(with_semgrep, polyglot, tool_config, audit):
    result = SemgrepAnalyzer().analyze(
        audit(polyglot, *FILES), tool_config(polyglot, ignore=("money", "RB310")), NullProgress()
    )
    assert {f.rule for f in result.findings} == {"RB213"}


def test_staged_text_is_checked_instead_of_the_working_tree(with_semgrep, polyglot, tool_config):
    staged = "export const total = parseFloat(body.total);\n"
    changes = ChangeSet(
        root=str(polyglot),
        files=(FileChange("api/src/charges.ts", FileStatus.MODIFIED, hunks=(Hunk(1, 1, (1,)),), text=staged),),
        mode=Mode.DIFF,
    )
    result = SemgrepAnalyzer().analyze(changes, tool_config(polyglot), NullProgress())
    assert [(f.path, f.line, f.rule) for f in result.findings] == [("api/src/charges.ts", 1, "RB110")]


def test_a_file_semgrep_cannot_parse_becomes_an_rb904_finding(with_semgrep, polyglot, tool_config, audit, write):
    write(polyglot, "api/src/broken.ts", "export const = ;;; parseFloat(\n")
    result = SemgrepAnalyzer().analyze(audit(polyglot, "api/src/broken.ts"), tool_config(polyglot), NullProgress())
    assert [(f.path, f.rule, f.tool) for f in result.findings] == [("api/src/broken.ts", "RB904", "semgrep")]
    assert "Syntax error" in result.findings[0].message


def test_no_typescript_or_go_files_means_semgrep_is_not_needed(monkeypatch, tmp_path, tool_config, audit, write):
    monkeypatch.delenv("REVIEWBOT_SEMGREP", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    write(tmp_path, "app/charges.py", "amount_minor = 100\n")
    result = SemgrepAnalyzer().analyze(audit(tmp_path, "app/charges.py"), tool_config(tmp_path), NullProgress())
    assert result.findings == () and result.files == 0


def test_missing_semgrep_is_a_tool_error_that_says_how_to_install_it(monkeypatch, polyglot, tool_config, audit):
    monkeypatch.delenv("REVIEWBOT_SEMGREP", raising=False)
    monkeypatch.setenv("PATH", str(polyglot / "no-bin"))
    with pytest.raises(ToolError) as err:
        SemgrepAnalyzer().analyze(audit(polyglot, *FILES), tool_config(polyglot), NullProgress())
    assert "semgrep is not installed" in err.value.message
    assert "pip install semgrep" in err.value.hint and "REVIEWBOT_SEMGREP" in err.value.hint


def test_configured_command_that_does_not_exist_is_a_tool_error(polyglot, tool_config, audit):
    config = tool_config(polyglot, semgrep=SemgrepConfig(command=str(polyglot / "nope" / "semgrep")))
    with pytest.raises(ToolError) as err:
        SemgrepAnalyzer().analyze(audit(polyglot, *FILES), config, NullProgress())
    assert "cannot run" in err.value.message


def test_a_semgrep_failure_is_a_tool_error_not_a_silent_pass(with_semgrep, polyglot, tool_config, audit):
    config = tool_config(polyglot, semgrep=SemgrepConfig(args=("--config", str(polyglot / "missing.yaml"))))
    with pytest.raises(ToolError) as err:
        SemgrepAnalyzer().analyze(audit(polyglot, *FILES), config, NullProgress())
    assert "semgrep failed" in err.value.message


def test_output_that_is_not_json_is_a_tool_error_quoting_it():
    with pytest.raises(ToolError) as err:
        parse_semgrep_json("", 2, "Fatal error: out of memory\n")
    assert "out of memory" in err.value.message


def test_a_rule_error_without_a_target_is_fatal_even_with_exit_zero():
    stdout = '{"results": [], "errors": [{"level": "error", "type": "Rule parse error", "message": "bad rule"}], "paths": {"scanned": []}}'
    with pytest.raises(ToolError) as err:
        parse_semgrep_json(stdout, 0)
    assert "bad rule" in err.value.message
