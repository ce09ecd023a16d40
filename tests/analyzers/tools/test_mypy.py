"""The mypy adapter: JSON errors as `types` findings, plain-text output as RB904, defaults without config."""

from __future__ import annotations

from pathlib import Path

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
    # No mypy config in the repository: the missing module is an info summary, not an error.
    finding, missing = result.findings
    assert (finding.path, finding.line, finding.span.column, finding.rule) == ("payments/charges.py", 5, 12, "return-value")
    assert (finding.family, finding.severity.value, finding.tool) == ("types", "error", "mypy")
    assert (missing.rule, missing.severity.value) == ("import-not-found", "info")


def test_the_repository_mypy_config_replaces_the_defaults(tmp_path, tool_config, audit, write):
    write(tmp_path, "mypy.ini", "[mypy]\nwarn_unused_configs = False\n")
    write(tmp_path, "payments/charges.py", CHARGES)
    result = MypyAnalyzer().analyze(audit(tmp_path, "payments/charges.py"), tool_config(tmp_path), NullProgress())
    assert sorted(f.rule for f in result.findings) == ["import-not-found", "return-value"]
    missing = next(f for f in result.findings if f.rule == "import-not-found")
    assert "running_mypy.html" in missing.help and "python-executable" in missing.help


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


UNTYPED = "def refund_minor(amount_minor):\n    return amount_minor\n"


def test_each_nested_project_is_checked_under_its_own_config_from_its_own_root(tmp_path, tool_config, audit, write):
    write(tmp_path, "pyproject.toml", "[tool.mypy]\nwarn_unused_configs = false\n")
    write(tmp_path, "services/billing/pyproject.toml", "[tool.mypy]\nstrict = true\nmypy_path = \"src\"\n")
    write(tmp_path, "services/billing/src/billing_money.py", "def to_minor(cents: int) -> int:\n    return cents\n")
    write(tmp_path, "services/billing/app/refunds.py", "from billing_money import to_minor\n\n" + UNTYPED)
    write(tmp_path, "tools/refunds.py", UNTYPED)
    changes = audit(tmp_path, "services/billing/app/refunds.py", "tools/refunds.py")
    result = MypyAnalyzer().analyze(changes, tool_config(tmp_path), NullProgress())
    # strict applies in billing only; billing's mypy_path ("src", relative to its root) resolves the import.
    assert [(f.path, f.line, f.rule) for f in result.findings] == [("services/billing/app/refunds.py", 3, "no-untyped-def")]


def test_missing_modules_are_one_info_finding_per_module_with_the_count(tmp_path, tool_config, audit, write):
    write(tmp_path, "mypy.ini", "[mypy]\n")
    for name in ("charges", "refunds", "payouts"):
        write(tmp_path, f"app/{name}.py", "import acme_psp_sdk\nfrom acme_psp_sdk.errors import CardError\n")
    changes = audit(tmp_path, "app/charges.py", "app/payouts.py", "app/refunds.py")
    result = MypyAnalyzer().analyze(changes, tool_config(tmp_path), NullProgress())
    [summary] = result.findings
    assert (summary.path, summary.line, summary.rule, summary.severity.value) == ("app/charges.py", 1, "import-not-found", "info")
    assert summary.message.startswith('module "acme_psp_sdk" is not installed where mypy looks (6 imports in 3 files)')


def test_missing_modules_can_be_made_blocking_by_severity_config(tmp_path, tool_config, audit, write):
    write(tmp_path, "mypy.ini", "[mypy]\n")
    write(tmp_path, "app/charges.py", "import acme_psp_sdk\n")
    config = tool_config(tmp_path, severity=(("import-not-found", "error"),))
    [summary] = MypyAnalyzer().analyze(audit(tmp_path, "app/charges.py"), config, NullProgress()).findings
    assert summary.severity.value == "error"


def _project_env(tmp_path, write) -> str:
    """A virtualenv holding a typed package the project depends on (as `pip install` would leave it)."""
    import subprocess
    import sys

    env = tmp_path / "project-env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    [site] = list(env.glob("lib/python*/site-packages"))
    write(site, "acme_ledger/__init__.py", "def post(amount_minor: int) -> None: ...\n")
    write(site, "acme_ledger/py.typed", "")
    return str(env / "bin" / "python")


def test_the_projects_interpreter_lets_mypy_check_calls_into_its_dependencies(tmp_path, tool_config, audit, write):
    python = _project_env(tmp_path, write)
    write(tmp_path, "mypy.ini", "[mypy]\n")
    write(tmp_path, "app/ledger.py", 'import acme_ledger\n\nacme_ledger.post("12.50")\n')
    without = MypyAnalyzer().analyze(audit(tmp_path, "app/ledger.py"), tool_config(tmp_path), NullProgress())
    assert [(f.rule, f.severity.value) for f in without.findings] == [("import-not-found", "info")]
    config = tool_config(tmp_path, mypy=MypyConfig(python_executable=python, cache_dir=str(tmp_path / "c")))
    with_env = MypyAnalyzer().analyze(audit(tmp_path, "app/ledger.py"), config, NullProgress())
    assert [(f.line, f.rule, f.severity.value) for f in with_env.findings] == [(3, "arg-type", "error")]


def test_the_environment_variable_points_mypy_at_the_workflows_interpreter(tmp_path, tool_config, audit, write, monkeypatch):
    python = _project_env(tmp_path, write)
    write(tmp_path, "mypy.ini", "[mypy]\n")
    write(tmp_path, "app/ledger.py", 'import acme_ledger\n\nacme_ledger.post("12.50")\n')
    monkeypatch.setenv("REVIEWBOT_MYPY_PYTHON_EXECUTABLE", python)
    result = MypyAnalyzer().analyze(audit(tmp_path, "app/ledger.py"), tool_config(tmp_path), NullProgress())
    assert [f.rule for f in result.findings] == ["arg-type"]


def test_a_python_executable_that_does_not_exist_is_a_tool_error(tmp_path, tool_config, audit, write):
    write(tmp_path, "app.py", "x = 1\n")
    config = tool_config(tmp_path, mypy=MypyConfig(python_executable=".venv/bin/python", cache_dir=str(tmp_path / "c")))
    with pytest.raises(ToolError) as err:
        MypyAnalyzer().analyze(audit(tmp_path, "app.py"), config, NullProgress())
    assert "'.venv/bin/python' does not exist" in err.value.message
    assert "python-executable" in err.value.hint


def test_each_configuration_gets_its_own_cache_below_the_cache_dir(tmp_path, tool_config, audit, write):
    write(tmp_path, "a/mypy.ini", "[mypy]\nstrict = true\n")
    write(tmp_path, "b/mypy.ini", "[mypy]\n")
    write(tmp_path, "a/x.py", "x: int = 1\n")
    write(tmp_path, "b/y.py", "y: int = 1\n")
    config = tool_config(tmp_path)
    MypyAnalyzer().analyze(audit(tmp_path, "a/x.py", "b/y.py"), config, NullProgress())
    caches = sorted(p.name for p in Path(config.mypy.cache_dir).iterdir() if p.is_dir())
    assert len(caches) == 2 and all(name.startswith("reviewbot-") for name in caches)


def test_concurrent_reviewbot_runs_sharing_one_mypy_cache_all_report_every_finding(tmp_path, write):
    """Issue #15: mypy crashed on a cache another run was writing, and findings were lost."""
    import json
    import subprocess
    import sys

    write(tmp_path, "pyproject.toml", '[tool.mypy]\nstrict = true\n\n[tool.reviewbot]\ntools = ["mypy"]\n')
    for index in range(12):
        write(tmp_path, f"app/m{index}.py", f"def fee_{index}(amount_minor: int) -> str:\n    return amount_minor\n")
    reviewbot = Path(sys.executable).parent / "reviewbot"
    runs = [
        subprocess.Popen([str(reviewbot), "audit", "app", "--format", "json", "-q"], cwd=tmp_path,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    for (stdout, stderr), run in zip(outputs, runs, strict=True):
        assert run.returncode == 1, stderr
        findings = json.loads(stdout)["findings"]
        assert sorted((f["path"], f["line"], f["rule"]) for f in findings) == [
            (f"app/m{index}.py", 2, "return-value") for index in sorted(range(12), key=lambda i: f"app/m{i}.py")
        ]
