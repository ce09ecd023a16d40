"""The semgrep adapter: a team's own configs, explicit targets, per-file trouble as warnings, never silent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reviewbot.analyzers.base import AnalyzerResult, NullProgress
from reviewbot.analyzers.tools.semgrep import SemgrepAnalyzer, parse_semgrep_json
from reviewbot.config import SemgrepConfig
from reviewbot.core.changes import ChangeSet, FileChange, FileStatus, Hunk, Mode
from reviewbot.errors import ConfigError, ToolError

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures_tools" / "polyglot"
FILES = ("api/src/charges.ts", "api/tests/refunds.test.ts", "gateway/payments.go")
TEAM_RULES = SemgrepConfig(configs=("semgrep/team-rules.yml",))


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


def test_team_rules_report_under_their_metadata_code_family_and_confidence(with_semgrep, polyglot, tool_config, audit):
    result = SemgrepAnalyzer().analyze(audit(polyglot, *FILES), tool_config(polyglot, semgrep=TEAM_RULES), NullProgress())
    assert codes_by_path(result) == {
        "api/src/charges.ts": [(14, "ACME701")],
        "api/tests/refunds.test.ts": [(2, "ACME201")],  # a team's rules apply to tests too, unless it excludes them
        "gateway/payments.go": [(12, "unlabelled-rule"), (19, "ACME101")],
    }
    by_rule = {f.rule: f for f in result.findings}
    log = by_rule["ACME701"]
    assert (log.family, log.severity.value, log.confidence.value, log.tool) == ("security", "warning", "medium", "semgrep")
    assert log.help == "Log through `logger` with the request id." and not log.message.endswith(".")
    assert (by_rule["ACME101"].family, by_rule["ACME101"].confidence.value) == ("money", "high")
    assert (by_rule["unlabelled-rule"].family, by_rule["unlabelled-rule"].severity.value) == ("lint", "info")
    assert set(result.read) == set(FILES)


def test_ignored_codes_and_families_are_dropped(with_semgrep, polyglot, tool_config, audit):
    config = tool_config(polyglot, semgrep=TEAM_RULES, ignore=("money", "unlabelled-rule"))
    result = SemgrepAnalyzer().analyze(audit(polyglot, *FILES), config, NullProgress())
    assert {f.rule for f in result.findings} == {"ACME701", "ACME201"}


def test_staged_text_is_checked_instead_of_the_working_tree(with_semgrep, polyglot, tool_config):
    staged = "export const total = 1;\nconsole.log(total);\n"
    changes = ChangeSet(
        root=str(polyglot),
        files=(FileChange("api/src/charges.ts", FileStatus.MODIFIED, hunks=(Hunk(1, 2, (2,)),), text=staged),),
        mode=Mode.DIFF,
    )
    result = SemgrepAnalyzer().analyze(changes, tool_config(polyglot, semgrep=TEAM_RULES), NullProgress())
    assert [(f.path, f.line, f.rule) for f in result.findings] == [("api/src/charges.ts", 2, "ACME701")]


def test_a_file_semgrep_cannot_check_is_a_warning_note_naming_it_never_a_finding(
    with_semgrep, polyglot, tool_config, audit, write
):
    write(polyglot, "api/src/broken.ts", "export const = ;;; (\n")
    result = SemgrepAnalyzer().analyze(
        audit(polyglot, "api/src/broken.ts", "api/src/charges.ts"), tool_config(polyglot, semgrep=TEAM_RULES), NullProgress()
    )
    assert [f.path for f in result.findings] == ["api/src/charges.ts"]
    assert len(result.notes) == 1 and result.notes[0].startswith("semgrep could not check api/src/broken.ts:")
    assert "api/src/broken.ts" not in result.read


def test_semgrep_in_tools_without_configs_is_a_configuration_error(with_semgrep, polyglot, tool_config, audit):
    with pytest.raises(ConfigError) as err:
        SemgrepAnalyzer().analyze(audit(polyglot, *FILES), tool_config(polyglot), NullProgress())
    assert "configs" in err.value.message and "configs = [" in err.value.hint


def test_an_empty_change_set_means_semgrep_is_not_needed(monkeypatch, tmp_path, tool_config):
    monkeypatch.delenv("REVIEWBOT_SEMGREP", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    changes = ChangeSet(root=str(tmp_path), files=(), mode=Mode.AUDIT)
    result = SemgrepAnalyzer().analyze(changes, tool_config(tmp_path, semgrep=TEAM_RULES), NullProgress())
    assert result.findings == () and result.files == 0


def test_missing_semgrep_is_a_tool_error_that_says_how_to_install_it(monkeypatch, polyglot, tool_config, audit):
    monkeypatch.delenv("REVIEWBOT_SEMGREP", raising=False)
    monkeypatch.setenv("PATH", str(polyglot / "no-bin"))
    with pytest.raises(ToolError) as err:
        SemgrepAnalyzer().analyze(audit(polyglot, *FILES), tool_config(polyglot, semgrep=TEAM_RULES), NullProgress())
    assert "semgrep is not installed" in err.value.message
    assert "pip install semgrep" in err.value.hint and "REVIEWBOT_SEMGREP" in err.value.hint


def test_configured_command_that_does_not_exist_is_a_tool_error(polyglot, tool_config, audit):
    config = tool_config(polyglot, semgrep=SemgrepConfig(command=str(polyglot / "nope" / "semgrep"), configs=("x.yml",)))
    with pytest.raises(ToolError) as err:
        SemgrepAnalyzer().analyze(audit(polyglot, *FILES), config, NullProgress())
    assert "cannot run" in err.value.message


def test_a_config_semgrep_cannot_load_is_a_tool_error_not_a_silent_pass(with_semgrep, polyglot, tool_config, audit):
    config = tool_config(polyglot, semgrep=SemgrepConfig(configs=(str(polyglot / "missing.yaml"),)))
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


def test_a_per_file_timeout_is_reported_as_a_note_on_that_file():
    from reviewbot.analyzers.tools.semgrep import target_errors

    stdout = (
        '{"results": [], "errors": [{"level": "warn", "type": "Timeout", "path": "web/generated.ts", '
        '"message": "Timeout when running console-log-in-payments on web/generated.ts"}], '
        '"paths": {"scanned": ["web/generated.ts"]}}'
    )
    report = parse_semgrep_json(stdout, 0)
    assert target_errors(report, {"web/generated.ts": "web/generated.ts"}, "/repo") == {
        "web/generated.ts": "Timeout: Timeout when running console-log-in-payments on web/generated.ts"
    }
