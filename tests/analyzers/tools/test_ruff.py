"""The ruff adapter: the repository's config, the payment codes on top, exit statuses decoded."""

from __future__ import annotations

import pytest

from reviewbot.analyzers.base import NullProgress
from reviewbot.analyzers.tools.ruff import RuffAnalyzer, parse_ruff_json
from reviewbot.config import RuffConfig
from reviewbot.core.changes import ChangeSet, FileChange, FileStatus, Hunk, Mode
from reviewbot.errors import ToolError

PYPROJECT = """\
[tool.ruff]
extend-exclude = ["payments/generated.py"]

[tool.ruff.lint]
select = ["F"]
"""
REFUNDS = """\
import os


def refund_minor(amount_minor: int) -> int:
    try:
        return amount_minor
    except:
        return 0
"""


@pytest.fixture
def project(tmp_path, write):
    write(tmp_path, "pyproject.toml", PYPROJECT)
    write(tmp_path, "payments/refunds.py", REFUNDS)
    write(tmp_path, "payments/generated.py", "import sys\n")
    return tmp_path


def test_repository_codes_are_lint_warnings_and_payment_codes_are_mapped_errors(project, tool_config, audit):
    result = RuffAnalyzer().analyze(audit(project, "payments/refunds.py"), tool_config(project), NullProgress())
    got = sorted((f.line, f.rule, f.family, f.severity.value, f.tool) for f in result.findings)
    assert got == [
        (1, "F401", "lint", "warning", "ruff"),
        (7, "E722", "exceptions", "error", "ruff"),
    ]
    assert all(f.path == "payments/refunds.py" for f in result.findings)
    assert all(f.span.column >= 1 and f.help.startswith("see https://") for f in result.findings)


def test_files_the_repository_excludes_are_not_linted_even_when_named(project, tool_config, audit):
    result = RuffAnalyzer().analyze(audit(project, "payments/generated.py"), tool_config(project), NullProgress())
    assert result.findings == ()


def test_severity_overrides_apply_to_ruff_codes(project, tool_config, audit):
    config = tool_config(project, severity=(("F401", "error"),))
    result = RuffAnalyzer().analyze(audit(project, "payments/refunds.py"), config, NullProgress())
    assert {f.rule: f.severity.value for f in result.findings}["F401"] == "error"


def test_staged_text_is_linted_through_stdin(project, tool_config):
    changes = ChangeSet(
        root=str(project),
        files=(FileChange("payments/refunds.py", FileStatus.MODIFIED, hunks=(Hunk(1, 1, (1,)),),
                          text="try:\n    pass\nexcept Exception:\n    pass\n"),),
        mode=Mode.DIFF,
    )
    result = RuffAnalyzer().analyze(changes, tool_config(project), NullProgress())
    assert sorted(f.rule for f in result.findings) == ["BLE001", "S110"]
    assert {f.path for f in result.findings} == {"payments/refunds.py"}


def test_a_broken_ruff_configuration_is_a_tool_error(project, tool_config, audit, write):
    write(project, "pyproject.toml", "[tool.ruff.lint]\nselect = 3\n")
    with pytest.raises(ToolError) as err:
        RuffAnalyzer().analyze(audit(project, "payments/refunds.py"), tool_config(project), NullProgress())
    assert "ruff failed (exit status 2)" in err.value.message


def test_a_missing_ruff_command_is_a_tool_error_with_an_install_hint(project, tool_config, audit):
    config = tool_config(project, ruff=RuffConfig(command=str(project / "bin" / "ruff")))
    with pytest.raises(ToolError) as err:
        RuffAnalyzer().analyze(audit(project, "payments/refunds.py"), config, NullProgress())
    assert "pip install ruff" in err.value.hint


def test_output_that_is_not_ruff_json_becomes_an_rb904_finding(tool_config, tmp_path):
    [finding] = parse_ruff_json("warning: something odd\n", str(tmp_path), tool_config(tmp_path))
    assert finding.rule == "RB904" and "something odd" in finding.message
