"""Fuzz: any configuration file, baseline or option value is used, or refused with a message that names
the key and says what to do (`hint:`), exit 2 — never an internal error (issue #15)."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.budget import budget, check
from tests.fuzz.inputs import CLI_OPTIONS, TOML_VALUES, configurations
from tests.fuzz.oracle import contract_violations, run_cli, write

# What a refused configuration prints: one error line naming what is wrong, one hint line.
REFUSAL = re.compile(r"reviewbot: (configuration|usage) error: .+\n  hint: \S.*", re.S)


def config_violations(case: str, files: dict[str, bytes], options: list[str]) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="reviewbot-fuzz-") as tmp:
        root = Path(tmp)
        write(root, "payments/ok.py", b"amount_minor: int = 100\n")
        for rel, data in files.items():
            write(root, rel, data)
        run = run_cli(["audit", ".", "--tools", "none", "--format", "json", "-q", *options], root)
        violations = contract_violations(run, f"{case} {sorted(files)} {options}", gate_exit_codes=(0, 1, 2))
        if run.exit_code == 2 and not REFUSAL.fullmatch(run.stderr.strip()) and "Usage:" not in run.stderr:
            content = b" | ".join(files.values())[:300]
            violations.append(f"{case}: refused without a one-line error and a hint: {run.stderr.strip()!r} for {content!r}")
        return violations


@budget(ci=60, bench=3000)
@given(configurations(), CLI_OPTIONS)
def test_any_configuration_is_used_or_refused_with_the_key_and_a_hint(config, options):
    name, content = config
    flat = [part for option in options for part in option]
    check("configurations", 1, config_violations("configurations", {name: content}, flat))


@budget(ci=20, bench=600)
@given(TOML_VALUES.map(json.dumps) | st.binary(max_size=40).map(lambda b: b.decode("latin-1")))
def test_any_baseline_file_is_used_or_refused_with_a_hint(content):
    check("baselines", 1, config_violations("baselines", {".reviewbot-baseline.json": content.encode("utf-8", "surrogatepass")}, []))


@pytest.mark.parametrize(
    ("name", "content", "names"),
    [
        ("pyproject.toml", b"[tool.reviewbot]\nselect = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nests"),
        ("pyproject.toml", b'[tool.reviewbot.idempotency]\nextend-psp-calls = [{ key = "kwarg:x" }]\n', "extend-psp-calls[0] needs call"),
        ("pyproject.toml", b'[[tool.reviewbot.migrations.paths]]\nrunner = "psql"\n', "paths[0] needs glob"),
        ("reviewbot.toml", b"tool = 'x'\n", "unknown key 'tool'"),
        ("pyproject.toml", b"[tool.reviewbot]\njobs = 1000\n", "jobs"),
        (".reviewbot-baseline.json", b"[" * 100_000 + b"]" * 100_000, "nests JSON too deeply"),
    ],
)
def test_the_configurations_that_were_internal_errors_name_the_key_with_a_hint(tmp_path, name, content, names):
    write(tmp_path, "payments/ok.py", b"x = 1\n")
    write(tmp_path, name, content)
    run = run_cli(["audit", ".", "--tools", "none", "-q"], tmp_path)
    assert run.exit_code == 2
    assert REFUSAL.fullmatch(run.stderr.strip()), run.stderr
    assert names in run.stderr


@pytest.mark.parametrize("jobs", ["257", "100000", "-1"])
def test_jobs_beyond_the_bound_is_a_usage_error_with_a_hint(tmp_path, jobs):
    write(tmp_path, "payments/ok.py", b"x = 1\n")
    run = run_cli(["audit", ".", "--tools", "none", "-q", "-j", jobs], tmp_path)
    assert run.exit_code == 2 and REFUSAL.fullmatch(run.stderr.strip()), run.stderr
    assert f"--jobs must be between 0 and 256, not {jobs}" in run.stderr


def test_jobs_zero_means_one_worker_per_cpu_on_the_command_line_as_in_the_config(tmp_path):
    write(tmp_path, "payments/refund.py", b"amount: float = 1.0\n")
    run = run_cli(["audit", ".", "--tools", "none", "--min-confidence", "medium", "--format", "json", "-q", "-j", "0"], tmp_path)
    assert run.exit_code == 1 and run.rules_on("payments/refund.py") == {"RB101"}
