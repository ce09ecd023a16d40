"""The mypy adapter: JSON errors as `types` findings, plain-text output as RB904, defaults without config."""

from __future__ import annotations

import pytest

from reviewbot.analyzers.base import NullProgress
from reviewbot.analyzers.tools.mypy import MypyAnalyzer, parse_mypy_output
from reviewbot.config import MypyConfig
from reviewbot.core.changes import ChangeSet, FileChange, FileStatus, Hunk, Mode
from reviewbot.errors import ToolError

CHARGES = """\
import stripe_helpers_not_installed


def capture_minor(amount_minor: int) -> str:
    return amount_minor
"""


def test_type_errors_are_types_findings_with_mypy_codes_and_one_based_columns(tmp_path, tool_config, audit, write):
    write(tmp_path, "payments/charges.py", CHARGES)
    result = MypyAnalyzer().analyze(audit(tmp_path, "payments/charges.py"), tool_config(tmp_path), NullProgress())
    # No mypy config in the repository: --ignore-missing-imports is among the defaults.
    [finding] = result.findings
    assert (finding.path, finding.line, finding.span.column, finding.rule) == ("payments/charges.py", 5, 12, "return-value")
    assert (finding.family, finding.severity.value, finding.tool) == ("types", "error", "mypy")


def test_the_repository_mypy_config_replaces_the_defaults(tmp_path, tool_config, audit, write):
    write(tmp_path, "mypy.ini", "[mypy]\nwarn_unused_configs = False\n")
    write(tmp_path, "payments/charges.py", CHARGES)
    result = MypyAnalyzer().analyze(audit(tmp_path, "payments/charges.py"), tool_config(tmp_path), NullProgress())
    assert sorted(f.rule for f in result.findings) == ["import-not-found", "return-value"]
    missing = next(f for f in result.findings if f.rule == "import-not-found")
    assert "running_mypy.html" in missing.help


def test_a_syntax_error_is_reported_not_a_silent_pass(tmp_path, tool_config, audit, write):
    write(tmp_path, "payments/broken.py", "def refund(amount_minor: int)\n    return amount_minor\n")
    result = MypyAnalyzer().analyze(audit(tmp_path, "payments/broken.py"), tool_config(tmp_path), NullProgress())
    assert [(f.path, f.line, f.rule) for f in result.findings][:1] == [("payments/broken.py", 1, "syntax")]


def test_staged_text_is_type_checked_through_a_shadow_file(tmp_path, tool_config, write):
    write(tmp_path, "payments/charges.py", "amount_minor: int = 100\n")
    changes = ChangeSet(
        root=str(tmp_path),
        files=(FileChange("payments/charges.py", FileStatus.MODIFIED, hunks=(Hunk(1, 1, (1,)),),
                          text='amount_minor: int = "100"\n'),),
        mode=Mode.DIFF,
    )
    result = MypyAnalyzer().analyze(changes, tool_config(tmp_path), NullProgress())
    assert [(f.path, f.line, f.rule) for f in result.findings] == [("payments/charges.py", 1, "assignment")]


def test_a_python_without_mypy_is_a_tool_error_naming_how_to_install_it(tmp_path, tool_config, audit, write):
    write(tmp_path, "app.py", "x = 1\n")
    # An interpreter answering exactly as a Python without mypy does.
    python = write(tmp_path, "bin/python", '#!/bin/sh\necho "$0: No module named mypy" >&2\nexit 1\n')
    python.chmod(0o755)
    config = tool_config(tmp_path, mypy=MypyConfig(python=str(python), cache_dir=str(tmp_path / "c")))
    with pytest.raises(ToolError) as err:
        MypyAnalyzer().analyze(audit(tmp_path, "app.py"), config, NullProgress())
    assert "mypy is not installed" in err.value.message
    assert "pip install mypy" in err.value.hint


def test_bad_mypy_arguments_are_a_tool_error(tmp_path, tool_config, audit, write):
    write(tmp_path, "app.py", "x = 1\n")
    config = tool_config(tmp_path, mypy=MypyConfig(args=("--no-such-flag",), cache_dir=str(tmp_path / "c")))
    with pytest.raises(ToolError) as err:
        MypyAnalyzer().analyze(audit(tmp_path, "app.py"), config, NullProgress())
    assert "--no-such-flag" in err.value.message


def test_lines_outside_the_json_become_rb904_findings_quoting_them(tmp_path, tool_config):
    stdout = (
        '{"file": "app/charges.py", "line": 3, "column": 4, "end_line": 3, "end_column": 9, '
        '"message": "Name \\"amount\\" is not defined", "hint": null, "code": "name-defined", "severity": "error"}\n'
        'app/legacy.py:7: error: something mypy printed as text\n'
    )
    stderr = "mypy.ini: [mypy]: Unrecognized option: foo_bar = 1\n"
    findings = parse_mypy_output(stdout, stderr, str(tmp_path), tool_config(tmp_path))
    assert [(f.path, f.line, f.rule) for f in findings] == [
        ("app/charges.py", 3, "name-defined"),
        ("app/legacy.py", 7, "RB904"),
        ("mypy.ini", 1, "RB904"),
    ]
    assert "something mypy printed as text" in findings[1].message


def test_a_mypy_crash_becomes_one_rb904_finding_with_the_exception(tmp_path, tool_config):
    stderr = "Traceback (most recent call last):\n  File \"x\", line 1\nAssertionError: internal\n"
    [finding] = parse_mypy_output("", stderr, str(tmp_path), tool_config(tmp_path))
    assert finding.rule == "RB904" and "AssertionError: internal" in finding.message


def test_notes_join_the_error_they_explain(tmp_path, tool_config):
    stdout = (
        '{"file": "a.py", "line": 2, "column": 0, "end_line": 2, "end_column": 1, "message": "Bad override", '
        '"hint": null, "code": "override", "severity": "error"}\n'
        '{"file": "a.py", "line": 2, "column": 0, "end_line": 2, "end_column": 1, "message": "This violates LSP", '
        '"hint": null, "code": "override", "severity": "note"}\n'
    )
    [finding] = parse_mypy_output(stdout, "", str(tmp_path), tool_config(tmp_path))
    assert finding.help == "This violates LSP"
