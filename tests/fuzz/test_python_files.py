"""Fuzz: random Python programs and mutants of our own payment code never stop the run (issue #15).

Whatever a file holds, the audit exits 0 or 1 without a traceback; a file libcst cannot parse (asked of
libcst directly, in another process) gets an RB901 so the gate fails; no rule crashes (RB905); every
message stays bounded; and a canary file in the same run still gets its finding.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.budget import budget, check
from tests.fuzz.inputs import PYTHON_MUTATIONS, PYTHON_SEEDS, mutant, python_programs
from tests.fuzz.oracle import (
    CANARY_PATH,
    CANARY_RULE,
    CANARY_SOURCE,
    contract_violations,
    parse_verdicts,
    run_cli,
    write,
)

MAX_FILE_BYTES = 262_144
CONFIG = f"[tool.reviewbot]\nmax-file-bytes = {MAX_FILE_BYTES}\nfile-timeout-seconds = 60\n".encode()


def audit_python_files(case: str, files: dict[str, bytes]) -> list[str]:
    """Audit `files` beside the canary; the violations of what issue #15 promises for Python files."""
    with tempfile.TemporaryDirectory(prefix="reviewbot-fuzz-") as tmp:
        root = Path(tmp)
        write(root, "pyproject.toml", CONFIG)
        write(root, CANARY_PATH, CANARY_SOURCE.encode())
        for rel, data in files.items():
            write(root, rel, data)
        run = run_cli(["audit", ".", "--tools", "none", "--format", "json", "-q"], root)
        violations = contract_violations(run, case)
        verdicts = parse_verdicts("libcst", [root / rel for rel in files])
        for rel, data in files.items():
            rules = run.rules_on(rel)
            if "RB905" in rules:
                violations.append(f"{case}: a rule crashed on {rel}: {data[:120]!r}")
            if len(data) > MAX_FILE_BYTES:
                if "RB901" not in rules:
                    violations.append(f"{case}: {rel} is over max-file-bytes but has no RB901")
            elif verdicts[str(root / rel)] != "ok" and "RB901" not in rules:
                violations.append(
                    f"{case}: {rel} passed silently: libcst says {verdicts[str(root / rel)]}, reviewbot reported "
                    f"{sorted(rules)}; first bytes {data[:160]!r}"
                )
        if CANARY_RULE not in run.rules_on(CANARY_PATH):
            violations.append(f"{case}: the canary lost its {CANARY_RULE}: one file stopped the others ({sorted(files)})")
        return violations


@budget(ci=6, bench=800)
@given(st.lists(python_programs(), min_size=1, max_size=3))
def test_random_python_programs_are_parsed_or_reported_and_never_stop_the_run(programs):
    files = {f"payments/generated_{i}.py": text.encode("utf-8", "surrogatepass") for i, text in enumerate(programs)}
    check("python-programs", len(files), audit_python_files("python-programs", files))


@budget(ci=25, bench=1500)
@given(st.lists(mutant(PYTHON_SEEDS, PYTHON_MUTATIONS), min_size=1, max_size=4))
def test_mutants_of_our_payment_code_are_parsed_or_reported_and_never_stop_the_run(mutants):
    files = {f"payments/mutant_{i}_{seed.path.rsplit('/', 1)[-1]}": data for i, (seed, _, data) in enumerate(mutants)}
    check("python-mutants", len(files), audit_python_files("python-mutants", files))
