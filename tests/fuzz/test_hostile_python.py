"""The hostile Python files issue #15 names, one by one: each gets its finding (or an RB901 saying why it
could not be checked), the gate fails where it must, and the other files of the run are still checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fuzz.oracle import CANARY_PATH, CANARY_RULE, CANARY_SOURCE, contract_violations, run_cli, write

MONEY_FLOAT = b"amount: float = 1.0\n"


def audit(tmp_path: Path, files: dict[str | bytes, bytes], *args: str, config: bytes = b""):
    write(tmp_path, CANARY_PATH, CANARY_SOURCE.encode())
    if config:
        write(tmp_path, "pyproject.toml", b"[tool.reviewbot]\n" + config)
    for rel, data in files.items():
        write(tmp_path, rel, data)
    run = run_cli(["audit", ".", "--tools", "none", "--format", "json", "-q", *args], tmp_path)
    assert contract_violations(run, "audit") == []
    assert CANARY_RULE in run.rules_on(CANARY_PATH), "one file stopped the others being checked"
    return run


def only(run, path: str) -> dict[str, object]:
    (finding,) = [f for f in run.findings if f["path"] == path]
    return finding


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("a 16 KB attribute chain", b"x = a" + b".b" * 8_000),
        ("an 8,000-term + chain", b"x = " + b" + ".join([b"amount"] * 8_000)),
    ],
)
def test_an_expression_too_deep_for_the_native_parser_is_rb901_and_the_run_goes_on(tmp_path, name, line):
    run = audit(tmp_path, {"payments/generated.py": MONEY_FLOAT + line + b"\n"})
    finding = only(run, "payments/generated.py")
    assert finding["rule"] == "RB901" and "nested more than" in finding["message"]
    assert run.exit_code == 1


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("140 nested brackets", b"x = " + b"[" * 140 + b"]" * 140 + b"\n"),
        ("a 400-term chain", b"x = " + b" + ".join([b"a"] * 400) + b"\n"),
        ("a 3,000-term and chain", b"x = " + b" and ".join([b"a"] * 3_000) + b"\n"),
        ("a 2,000-branch elif chain", b"if a:\n    pass\n" + b"elif a:\n    pass\n" * 2_000),
    ],
)
def test_a_deeply_nested_file_with_a_finding_gets_that_finding(tmp_path, name, source):
    run = audit(tmp_path, {"payments/nested.py": MONEY_FLOAT + source})
    assert only(run, "payments/nested.py")["rule"] == "RB101"


@pytest.mark.parametrize(
    ("codec", "extra"),
    [(codec, b"") for codec in ("rot13", "hex", "base64", "zlib", "bz2", "uu", "quopri", "no-such-codec")]
    + [("idna", "# café\n".encode())],  # idna refuses what it cannot round-trip
)
def test_a_coding_cookie_naming_a_codec_that_cannot_decode_the_file_is_rb901(tmp_path, codec, extra):
    source = f"# -*- coding: {codec} -*-\n".encode() + extra + MONEY_FLOAT
    run = audit(tmp_path, {"payments/cookie.py": source})
    finding = only(run, "payments/cookie.py")
    assert finding["rule"] == "RB901" and finding["line"] == (2 if extra else 1)  # where it cannot decode
    assert codec in finding["message"] or "encoding" in finding["message"]


def test_an_ascii_file_with_an_idna_cookie_is_analysed(tmp_path):
    run = audit(tmp_path, {"payments/cookie.py": b"# -*- coding: idna -*-\n" + MONEY_FLOAT})
    assert only(run, "payments/cookie.py")["rule"] == "RB101"


def test_a_latin1_file_with_its_coding_cookie_is_analysed(tmp_path):
    source = "# -*- coding: latin-1 -*-\n# café\n".encode("latin-1") + MONEY_FLOAT
    run = audit(tmp_path, {"payments/latin.py": source})
    assert only(run, "payments/latin.py")["rule"] == "RB101"


@pytest.mark.parametrize("depth", [201, 5_000, 100_000])
def test_a_deeply_parenthesised_syntax_error_is_rb901(tmp_path, depth):
    run = audit(tmp_path, {"payments/parens.py": b"x = " + b"(" * depth + b"1 +\n"})
    assert only(run, "payments/parens.py")["rule"] == "RB901"


def test_a_megabyte_unterminated_string_makes_a_bounded_message(tmp_path):
    run = audit(tmp_path, {"payments/blob.py": b"x = '" + b"a" * 1_000_000 + b"\n"})
    finding = only(run, "payments/blob.py")
    assert finding["rule"] == "RB901" and len(finding["message"]) <= 400


def test_a_file_over_max_file_bytes_is_reported_not_parsed_and_fails_the_gate(tmp_path):
    big = MONEY_FLOAT + b"# padding\n" * 10_000
    run = audit(tmp_path, {"payments/generated.py": big}, config=b"max-file-bytes = 65536\n")
    finding = only(run, "payments/generated.py")
    assert finding["rule"] == "RB901" and "max-file-bytes" in finding["message"]
    assert run.data["verdict"] == "fail" and run.exit_code == 1


def test_a_file_that_runs_past_file_timeout_seconds_is_reported_and_the_run_goes_on(tmp_path):
    # Written on many lines, the chain escapes the long-line screen and reaches libcst, which takes
    # seconds for it (time quadratic in the depth); the worker is stopped at the time limit.
    slow = b"x = (a\n" + b"    .b\n" * 6_000 + b")\n"
    run = audit(tmp_path, {"payments/slow.py": slow}, config=b"file-timeout-seconds = 1\n")
    finding = only(run, "payments/slow.py")
    assert finding["rule"] == "RB901" and "longer than 1 s" in finding["message"]


@pytest.mark.parametrize("fmt", ["json", "sarif", "text", "github"])
def test_a_file_whose_name_is_not_utf8_is_reported_in_every_format(tmp_path, fmt):
    write(tmp_path, CANARY_PATH, CANARY_SOURCE.encode())
    write(tmp_path, b"payments/caf\xe9.py", MONEY_FLOAT)
    run = run_cli(["audit", ".", "--tools", "none", "--min-confidence", "medium", "--format", fmt, "-q"], tmp_path)
    assert run.exit_code == 1, run.stderr
    assert "internal error" not in run.stderr
    if fmt == "json":
        data = json.loads(run.stdout)
        (finding,) = [f for f in data["findings"] if f["path"] == "payments/caf\udce9.py"]
        assert finding["rule"] == "RB101" and finding["fingerprint"]
    elif fmt == "sarif":
        assert json.loads(run.stdout)["runs"][0]["results"]
    else:
        assert "payments/caf\\udce9.py" in run.stdout


def test_writing_a_report_for_a_non_utf8_file_name_to_a_file_works(tmp_path):
    write(tmp_path, b"payments/caf\xe9.py", MONEY_FLOAT)
    out = tmp_path / "report.json"
    run = run_cli(["audit", ".", "--tools", "none", "--min-confidence", "medium", "--format", "json", "-q", "-o", str(out)], tmp_path)
    assert run.exit_code == 1, run.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["findings"][0]["path"] == "payments/caf\udce9.py"


@pytest.mark.parametrize(
    ("name", "change", "config"),
    [
        ("a rot13 cookie", lambda text: b"# -*- coding: rot13 -*-\n" + text, b""),
        ("a file grown past max-file-bytes", lambda text: text + b"# padding\n" * 10_000, b"max-file-bytes = 65536\n"),
        ("a deep expression", lambda text: text + b"x = a" + b".b" * 8_000 + b"\n", b""),
        ("a file past its time limit", lambda text: text + b"x = (a\n" + b"    .b\n" * 6_000 + b")\n", b"file-timeout-seconds = 1\n"),
    ],
)
def test_a_changed_file_that_cannot_be_checked_fails_the_diff_gate(repo, name, change, config):
    base = b"".join(b"value_%d = %d\n" % (i, i) for i in range(40))
    if config:
        repo.write("pyproject.toml", b"[tool.reviewbot]\n" + config)
    repo.write("payments/ledger.py", base)
    repo.commit("base")
    repo.write("payments/ledger.py", change(base.replace(b"value_20 = 20", b"value_20 = 21")))
    repo.commit("change")
    run = run_cli(["diff", "--base", "HEAD~1", "--head", "HEAD", "--tools", "none", "--format", "json", "-q"], repo.path)
    assert contract_violations(run, name) == []
    assert [f["rule"] for f in run.findings] == ["RB901"]
    assert run.data["verdict"] == "fail" and run.exit_code == 1


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("a NUL byte in a string", b'STATUS = "autho\x00rized"\nPayment.objects.filter(status="autho\x00rized").update(status="x")\n'),
        ("an unknown \\N{} name", b'note = "\\N{NO SUCH CHARACTER}"\nlogger.info("card %s", "\\N{NOPE}")\n'),
        ("a hexadecimal slice bound", b'logger.info("card %s", card_number[:0x10])\n'),
        ("a 5,000-digit slice bound", b"logger.info('card %s', card_number[:" + b"9" * 5_000 + b"])\n"),
    ],
)
def test_a_literal_cpython_refuses_does_not_crash_a_rule(tmp_path, name, source):
    run = audit(tmp_path, {"payments/odd_literals.py": MONEY_FLOAT + source})
    assert "RB905" not in run.rules_on("payments/odd_literals.py")
    assert "RB101" in run.rules_on("payments/odd_literals.py")
