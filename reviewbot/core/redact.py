"""Secret redaction applied to everything that leaves reviewbot: every report, prompts, comments, logs.

It lives in core/ so that every stage that writes output (reporters, summary, the review) uses this
one detector: reporters may not import summary/ (STYLE.md section 1).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import PurePosixPath

import ahocorasick_rs

from reviewbot.core.findings import Finding

# Values are replaced, never identifiers: `process.env.GITHUB_TOKEN` must survive, or a model
# reviewing the redacted text reports an undefined name (research: review-bots.md, pain point 19).
PLACEHOLDER = "[REDACTED:{kind}]"

# Files that are never sent to a model, whatever their content.
SECRET_FILE_GLOBS: tuple[str, ...] = (
    ".env", ".env.*", "*.env", ".envrc", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore",
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", "credentials", "credentials.*", "credentials-*",
    "secrets.*", ".netrc", ".pgpass", "*.tfvars", "service-account*.json",
)

_SECRET_WORDS = r"(?:secret|token|passw(?:or)?d|passwd|api_?key|apikey|private_?key|access_?key|credentials?)"


@dataclass(frozen=True, slots=True)
class Redacted:
    """Text with its secrets replaced, and the kinds replaced (one entry per replacement)."""

    text: str
    kinds: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.kinds)


def is_secret_path(path: str) -> bool:
    """True for files whose whole content is a secret (.env, keys, credentials): never sent anywhere."""
    name = PurePosixPath(path).name.lower()
    return any(fnmatch(name, pattern) for pattern in SECRET_FILE_GLOBS)


def redact(text: str) -> str:
    """`text` with every recognised secret value replaced by a `[REDACTED:kind]` placeholder."""
    return scrub(text).text


def scrub(text: str) -> Redacted:
    """Like `redact`, and says what was replaced. Line count is preserved, so line numbers stay true."""
    kinds: list[str] = []
    return Redacted(_scrub_after_keys(_scrub_keys(text, kinds), kinds), tuple(kinds))


# How far a window reaches past the lines asked for: a secret pattern crosses a line break only through a
# run of whitespace (`password =` on one line, `"…"` on the next), between at most four pieces (`export`,
# the name, `=`, the value), so five non-blank lines either side, blank lines not counted, hold any match
# that touches the lines asked for. Private keys, which span any number of lines, are matched on the whole
# text (their literal `-----BEGIN` makes that cheap).
_WINDOW_NON_BLANK_LINES = 5


def scrub_lines(text: str, wanted: Collection[int]) -> list[str]:
    """`scrub(text).text.splitlines()` where only the lines numbered in `wanted` (from 1) are needed: those
    lines are exactly what scrub gives them, every other line is empty. Scrubbing a whole file costs
    about a millisecond per 2 kB; a code frame needs three lines of it."""
    kinds: list[str] = []
    text = _scrub_keys(text, kinds)
    lines = text.splitlines(keepends=True)
    masked = [""] * len(lines)
    for start, end in _windows(lines, sorted(n for n in wanted if 1 <= n <= len(lines))):
        chunk = "".join(lines[start - 1 : end])
        scrubbed = _scrub_after_keys(chunk, kinds).splitlines()
        if len(scrubbed) != end - start + 1:  # a replaced value held a line break of its own
            whole = _scrub_after_keys(text, kinds).splitlines()
            return [line if number in wanted else "" for number, line in enumerate(whole, start=1)]
        for number in range(start, end + 1):
            if number in wanted:
                masked[number - 1] = scrubbed[number - start]
    return masked


def _windows(lines: list[str], wanted: list[int]) -> list[tuple[int, int]]:
    """Line ranges (from 1, inclusive) around the wanted lines, reaching _WINDOW_NON_BLANK_LINES
    non-blank lines either way, merged where they meet."""
    windows: list[tuple[int, int]] = []
    for number in wanted:
        start, seen = number, 0
        while start > 1 and seen < _WINDOW_NON_BLANK_LINES:
            start -= 1
            seen += bool(lines[start - 1].strip())
        end, seen = number, 0
        while end < len(lines) and seen < _WINDOW_NON_BLANK_LINES:
            end += 1
            seen += bool(lines[end - 1].strip())
        if windows and start <= windows[-1][1] + 1:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


def _scrub_keys(text: str, kinds: list[str]) -> str:
    """Private-key blocks, the one secret that spans any number of lines: always on the whole text."""
    if _KEY_NEEDLE not in text:  # every block's first line says so
        return text
    pattern, kind, group = _PATTERNS[0]
    return pattern.sub(_replacer(kind, group, kinds), text)


def _scrub_after_keys(text: str, kinds: list[str]) -> str:
    """Every other secret, in `_PATTERNS` order, then card numbers. A pattern whose needles are all
    absent from the text cannot match it and is skipped (most code holds none of them)."""
    present = _needles_in(text)
    for (pattern, kind, group), needles in zip(_PATTERNS[1:], _NEEDLES, strict=True):
        if not present.isdisjoint(needles):
            text, replaced = pattern.subn(_replacer(kind, group, kinds), text)
            if replaced:
                present = _needles_in(text)
    return _CARD_RE.sub(_card_replacer(kinds), text)


def _needles_in(text: str) -> set[str]:
    """The needles the lower-cased text holds, in one pass."""
    return set(_NEEDLE_AUTOMATON.find_matches_as_strings(text.lower(), overlapping=True))


def _placeholder(kind: str, secret: str) -> str:
    # Keep the newlines of a multi-line secret (a PEM block) so later line numbers do not shift.
    return PLACEHOLDER.format(kind=kind) + "\n" * secret.count("\n")


def _replacer(kind: str, group: int, kinds: list[str]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        secret = match.group(group)
        if not secret or _is_reference(secret):
            return match.group(0)
        kinds.append(kind)
        start, end = match.start(group) - match.start(0), match.end(group) - match.start(0)
        whole = match.group(0)
        return whole[:start] + _placeholder(kind, secret) + whole[end:]

    return replace


def _is_reference(value: str) -> bool:
    """A value that names where the secret lives instead of holding it: keep it."""
    return value.startswith(("$", "${", "os.", "process.env", "env(", "settings.", "config.", "<", "[REDACTED"))


def _card_replacer(kinds: list[str]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        digits = re.sub(r"[ -]", "", match.group(0))
        if 13 <= len(digits) <= 19 and is_luhn_valid(digits):
            kinds.append("card-number")
            return PLACEHOLDER.format(kind="card-number")
        return match.group(0)

    return replace


def is_luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# (pattern, kind, group holding the secret value); applied in order.
_PATTERNS: tuple[tuple[re.Pattern[str], str, int], ...] = (
    (re.compile(
        r"(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
        r"(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\Z))"
    ), "private-key", 1),
    (re.compile(r"\b((?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{8,})"), "psp-key", 1),
    (re.compile(r"\b(whsec_[0-9A-Za-z+/=]{8,})"), "webhook-secret", 1),
    (re.compile(r"\b(sk-ant-[0-9A-Za-z_-]{16,})"), "api-key", 1),
    (re.compile(r"\b((?:ghp|gho|ghu|ghs|ghr)_[0-9A-Za-z]{30,}|github_pat_[0-9A-Za-z_]{30,})"), "github-token", 1),
    (re.compile(r"\b(xox[abposr]-[0-9A-Za-z-]{10,})"), "slack-token", 1),
    (re.compile(r"\b((?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16})\b"), "aws-access-key", 1),
    (re.compile(
        r"(?i)(aws_?secret_?(?:access_?)?key\w*[\"']?\s*[:=]\s*[\"']?)([0-9A-Za-z/+=]{40})(?![0-9A-Za-z/+=])"
    ), "aws-secret-key", 2),
    # An AWS secret access key with no name beside it (a comment, a log line): exactly 40 characters of
    # base64 holding upper and lower case and a `/` or `+` (a git SHA, a word or a dotted path is not).
    (re.compile(
        r"(?<![0-9A-Za-z/+=.])((?=[0-9A-Za-z/+]{0,39}[/+])(?=[0-9A-Za-z/+]{0,39}[A-Z])(?=[0-9A-Za-z/+]{0,39}[a-z])"
        r"[0-9A-Za-z/+]{40})(?![0-9A-Za-z/+=.])"
    ), "aws-secret-key", 1),
    (re.compile(r"\b(eyJ[0-9A-Za-z_-]{8,}\.eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{8,})"), "jwt", 1),
    # user:password@ in a URL (database DSNs, broker URLs)
    (re.compile(r"\b([a-z][a-z0-9+.-]*://[^:/\s@\"']+:)([^@\s/\"']{3,})(@)"), "url-password", 2),
    # .env style: NAME=value (optionally quoted, optionally `export`), NAME naming a secret
    (re.compile(
        rf"(?im)^(\s*(?:export\s+)?[A-Z0-9_]*{_SECRET_WORDS}[A-Z0-9_]*\s*=\s*[\"']?)([^\s\"'#]{{4,}})"
    ), "env-value", 2),
    # code: name = "literal", "name": "literal", name: "literal", name="literal" (kwargs), the literal
    # on the next line after a backslash; also a literal left unterminated (a syntax error's code frame
    # would print it)
    (re.compile(
        rf"(?im)([\"']?\b\w*{_SECRET_WORDS}\w*[\"']?\s*[:=](?:\s|\\(?=\r?\n))*[\"'])([^\"'\n{{}}]{{8,}})(?=[\"']|\s*$)"
    ), "secret-value", 2),
)

_SECRET_NEEDLES = ("secret", "token", "passw", "api_key", "apikey", "private_key", "privatekey", "access_key",
                   "accesskey", "credential")
# What every match of a pattern holds, so a text without it is not searched: for the private keys (on the
# whole text, case kept) one string; for each pattern after them, in order, lower-case strings of which a
# match holds at least one. A needle that misses a way the pattern can match would let a secret through;
# tests/summary/test_redact.py checks each against matches generated from the pattern itself.
_KEY_NEEDLE = "PRIVATE KEY"
_NEEDLES: tuple[tuple[str, ...], ...] = (
    ("_live_", "_test_"),
    ("whsec_",),
    ("sk-ant-",),
    ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ("xox",),
    ("akia", "asia", "agpa", "aida", "aroa"),
    ("aws",),
    ("/", "+"),
    ("eyj",),
    ("://",),
    _SECRET_NEEDLES,
    _SECRET_NEEDLES,
)

_NEEDLE_AUTOMATON = ahocorasick_rs.AhoCorasick(
    sorted({needle for needles in _NEEDLES for needle in needles}),
    implementation=ahocorasick_rs.Implementation.DFA,
)

# 13-19 digits, optionally grouped by spaces or dashes; card numbers start 2-6 (IIN ranges), which
# also keeps millisecond timestamps and most database ids out.
_CARD_RE = re.compile(r"(?<![\w.-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\w.-])")


def redact_finding(finding: Finding) -> Finding:
    """The finding with secrets masked in its message and help; a fix that would print one is dropped."""
    message, help_text = redact(finding.message), redact(finding.help)
    fix = finding.fix
    if fix is not None and redact(fix.replacement) != fix.replacement:
        fix = None  # a suggestion carrying a secret cannot be shown, and a masked one would be wrong
    if message == finding.message and help_text == finding.help and fix is finding.fix:
        return finding
    return finding.with_changes(message=message, help=help_text, fix=fix)
