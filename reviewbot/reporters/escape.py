"""Reviewed code, file names and tool messages never drive the reader's terminal: controls are shown escaped.

An escape sequence in a reviewed file (an OSC 52 clipboard write, a CSI that moves the cursor), a C1
control or a bidirectional override ("Trojan Source", CVE-2021-42574) is printed as `\\x1b`, `\\x9b`,
`\\u202e`: visible, and inert in every terminal and log viewer.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls; the Unicode bidirectional controls (embeddings,
# overrides, isolates, marks) and the line/paragraph separators, which reorder or break what is shown.
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE_IN_LINE_RE = re.compile(f"[\t\n{_UNSAFE}]")
_UNSAFE_IN_CODE_RE = re.compile(f"[\n{_UNSAFE}]")
# In JSON text: C0 controls are escaped by json.dumps already; these are not (with ensure_ascii=False).
_UNSAFE_IN_JSON_RE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code == 0x09:
        return "\\t"
    if code == 0x0A:
        return "\\n"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """One line of text (a path, a message) with every control character shown escaped."""
    if text.isascii() and text.isprintable():  # the usual case: nothing to escape (every unsafe character is not)
        return text
    return _UNSAFE_IN_LINE_RE.sub(_escaped, text)


def printable_code(line: str) -> str:
    """A line of source for a code frame: controls escaped, tabs kept (the frame expands them)."""
    if line.isascii() and line.isprintable():
        return line
    return _UNSAFE_IN_CODE_RE.sub(_escaped, line)


def json_safe(document: str) -> str:
    """JSON text with C1 controls and bidi overrides written as \\u escapes (the same JSON value)."""
    return _UNSAFE_IN_JSON_RE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", document)


def printable_block(text: str) -> str:
    """Several lines (a rendered review, a comment body): newlines and tabs kept, every other control escaped."""
    return "\n".join(printable_code(line) for line in text.split("\n"))
