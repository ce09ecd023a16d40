"""Generated input for the fuzz suite: Python programs, mutants of our own payment code, migrations,
odd paths and configurations (issue #15).

Mutants start from code this repository owns (the reference platform in fixtures/ and every rule's
Bad/Good examples), never from the real-code corpora.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import hypothesmith
from hypothesis import strategies as st

from reviewbot.analyzers.migrations.rules import MIGRATION_RULES
from reviewbot.analyzers.python.rules import RULES
from tests.fuzz.budget import MODE

REPO_ROOT = Path(__file__).resolve().parents[2]
PLATFORM = REPO_ROOT / "fixtures" / "platform"


@dataclass(frozen=True)
class Seed:
    path: str
    data: bytes


def _platform(pattern: str) -> list[Seed]:
    return [Seed(p.relative_to(PLATFORM).as_posix(), p.read_bytes()) for p in sorted(PLATFORM.glob(pattern))]


def _examples(rule_types: object, suffix: str, part: str = "") -> list[Seed]:
    seeds = []
    for rule in rule_types:
        for example in rule.examples:
            if example.path.endswith(suffix) and part in example.path:
                seeds.append(Seed(example.path, example.code.encode("utf-8")))
    return seeds


PYTHON_SEEDS = _platform("app/*.py") + _examples(RULES, ".py")
SQL_SEEDS = _platform("migrations/sql/*.sql") + _examples(MIGRATION_RULES, ".sql")
ALEMBIC_SEEDS = _platform("migrations/alembic/versions/*.py") + _examples(MIGRATION_RULES, ".py", "alembic/versions")
DJANGO_SEEDS = _examples(MIGRATION_RULES, ".py", "/migrations/")

# Codecs a coding cookie may name: text codecs, codecs that are not text (rot13, hex, zlib…), idna,
# which refuses the error handlers a decoder uses, a multi-byte codec, and names that do not exist.
CODECS = (
    "utf-8", "latin-1", "cp1252", "ascii", "utf-8-sig", "utf-16", "rot13", "hex", "base64", "zlib", "bz2",
    "uu", "quopri", "idna", "punycode", "unicode_escape", "raw_unicode_escape", "undefined", "no-such-codec",
)
ODD_BYTES = (b"\x00", b"\xff", b"\xe9", b"\x80", b"\xc3", b"\r", b"\x0c", b"\t", b"\\", b"\x1b[31m", b"\xef\xbb\xbf")

# Sizes of the deep constructs: small enough in CI to keep the suite in minutes, up to the sizes that
# crashed libcst (SIGSEGV past ~6,000 levels on an 8 MB stack) under the bench.
DEPTHS = (40, 150, 400, 1200) if MODE != "bench" else (40, 150, 400, 1200, 3000, 6000, 9000)
# A construct written on many lines escapes the long-line screen and reaches libcst: keep it shallower.
MULTILINE_DEPTHS = (40, 150, 400) if MODE != "bench" else (40, 150, 400, 1200, 3000)


def _deep(kind: str, n: int) -> bytes:
    text = {
        "attribute": "x = a" + ".b" * n,
        "plus": "x = " + " + ".join(["amount"] * n),
        "and": "x = " + " and ".join(["a"] * n),
        "brackets": "x = " + "[" * n + "]" * n,
        "unclosed": "x = " + "(" * n + "1 +",
        "calls": "x = f" + "()" * n,
        "subscripts": "x = a" + "[0]" * n,
        "not": "x = " + "not " * n + "a",
        "minus": "x = " + "-" * n + "a",
        "concat": "x = (" + " ".join(['"a"'] * n) + ")",
        "lambda": "x = " + "lambda: " * n + "0",
        "ifexp": "x = " + "a if b else " * n + "c",
        "dict": "x = " + "{'k': " * n + "1" + "}" * n,
        "fstring": "x = " + "f'{" * min(n, 200) + "1" + "}'" * min(n, 200),
        "blocks": "".join("    " * i + "if a:\n" for i in range(min(n, 120))) + "    " * min(n, 120) + "pass",
        "elif": "if a:\n    pass\n" + "elif a:\n    pass\n" * n,
    }[kind]
    return text.encode() + b"\n"


def _deep_multiline(kind: str, n: int) -> bytes:
    text = {
        "attribute": "x = (a\n" + "    .b\n" * n + ")",
        "plus": "x = (amount\n" + "    + amount\n" * n + ")",
        "and": "x = (a\n" + "    and a\n" * n + ")",
    }[kind]
    return text.encode() + b"\n"


DEEP_KINDS = (
    "attribute", "plus", "and", "brackets", "unclosed", "calls", "subscripts", "not", "minus", "concat",
    "lambda", "ifexp", "dict", "fstring", "blocks", "elif",
)

Mutation = tuple[object, ...]


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def mutate(data: bytes, mutation: Mutation, comment: bytes = b"#") -> bytes:
    """Apply one mutation to a file's bytes (positions are fractions, so they fit any file)."""
    kind = mutation[0]
    lines = _lines(data)

    def at(fraction: object) -> int:
        return min(len(lines) - 1, int(float(fraction) * len(lines)))

    if kind == "delete_line":
        del lines[at(mutation[1])]
    elif kind == "duplicate_line":
        i = at(mutation[1])
        lines.insert(i, lines[i])
    elif kind == "swap_lines":
        i, j = at(mutation[1]), at(mutation[2])
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "truncate":
        return data[: int(float(mutation[1]) * len(data))]
    elif kind == "insert_bytes":
        pos = int(float(mutation[1]) * len(data))
        return data[:pos] + bytes(mutation[2]) + data[pos:]
    elif kind == "comment_bytes":  # a comment line holding odd bytes: nothing the code means changes
        lines.insert(at(mutation[1]), comment + b" " + bytes(mutation[2]) + b"\n")
    elif kind == "cookie":
        return f"{comment.decode()} -*- coding: {mutation[1]} -*-\n".encode() + data
    elif kind == "latin1_cookie_comment":  # a valid latin-1 file: cookie + a latin-1 byte in a comment
        return f"{comment.decode()} -*- coding: latin-1 -*-\n".encode() + comment + " café\n".encode("latin-1") + data
    elif kind == "bom":
        return b"\xef\xbb\xbf" + data
    elif kind == "line_endings":
        return data.replace(b"\n", bytes(mutation[1]))
    elif kind == "indent":
        i = at(mutation[1])
        lines[i] = b"   " + lines[i]
    elif kind == "deep":
        return data.rstrip(b"\n") + b"\n" + _deep(str(mutation[1]), int(mutation[2]))
    elif kind == "deep_multiline":
        return data.rstrip(b"\n") + b"\n" + _deep_multiline(str(mutation[1]), int(mutation[2]))
    elif kind == "unterminated":
        return data.rstrip(b"\n") + b"\nnote = " + str(mutation[1]).encode() + b"a" * int(mutation[2]) + b"\n"
    elif kind == "huge":  # past the repository's max-file-bytes
        return data + (comment + b" " + b"x" * 100 + b"\n") * int(mutation[1])
    return b"".join(lines)


_fraction = st.floats(min_value=0, max_value=1, allow_nan=False)
_SMALL_MUTATIONS = st.one_of(
    st.tuples(st.just("delete_line"), _fraction),
    st.tuples(st.just("duplicate_line"), _fraction),
    st.tuples(st.just("swap_lines"), _fraction, _fraction),
    st.tuples(st.just("truncate"), _fraction),
    st.tuples(st.just("insert_bytes"), _fraction, st.sampled_from(ODD_BYTES) | st.binary(min_size=1, max_size=4)),
    st.tuples(st.just("comment_bytes"), _fraction, st.sampled_from(ODD_BYTES)),
    st.tuples(st.just("cookie"), st.sampled_from(CODECS)),
    st.tuples(st.just("latin1_cookie_comment")),
    st.tuples(st.just("bom")),
    st.tuples(st.just("line_endings"), st.sampled_from([b"\r\n", b"\r"])),
    st.tuples(st.just("indent"), _fraction),
)
_PYTHON_ONLY = st.one_of(
    st.tuples(st.just("deep"), st.sampled_from(DEEP_KINDS), st.sampled_from(DEPTHS)),
    st.tuples(st.just("deep_multiline"), st.sampled_from(("attribute", "plus", "and")), st.sampled_from(MULTILINE_DEPTHS)),
    st.tuples(st.just("unterminated"), st.sampled_from(["'", '"', '"""', "f'", "b'"]), st.sampled_from([10, 5_000, 300_000])),
    st.tuples(st.just("huge"), st.just(3_000)),
)
# A few ordinary edits, then at most one hostile construct last (so no later edit can defuse it).
PYTHON_MUTATIONS = st.builds(
    lambda small, hostile: small + hostile,
    st.lists(_SMALL_MUTATIONS, max_size=2),
    st.lists(_PYTHON_ONLY, max_size=1),
).filter(bool)
MIGRATION_MUTATIONS = st.lists(_SMALL_MUTATIONS, min_size=1, max_size=3)

# Mutations that keep every statement of a migration: its findings must survive them.
PRESERVING = ("comment_bytes", "latin1_cookie_comment", "bom", "line_endings")


def mutant(seeds: list[Seed], mutations: st.SearchStrategy[list[Mutation]], comment: bytes = b"#") -> st.SearchStrategy[tuple[Seed, list[Mutation], bytes]]:
    """(seed, the mutations applied, the mutated bytes)."""

    def build(seed: Seed, applied: list[Mutation]) -> tuple[Seed, list[Mutation], bytes]:
        data = seed.data
        for mutation in applied:
            data = mutate(data, mutation, comment)
        return seed, applied, data

    return st.builds(build, st.sampled_from(seeds), mutations)


def python_programs() -> st.SearchStrategy[str]:
    """Random programs from Python's grammar (hypothesmith), and libcst-valid modules."""
    return hypothesmith.from_grammar(auto_target=False) | hypothesmith.from_node(auto_target=False)


# ------------------------------------------------------------ paths

_NAME_PARTS = (
    "café", "中文", "naïve", "💸", "a b", 'quo"te', "back\\slash", "tab\there", "new\nline", "-dash", "#hash",
    "*star", "[set]", "q?", "semi;colon", "dollar$x", "pct%20", "trailing ", " leading", "ünïcödé", "x" * 120,
)


@st.composite
def odd_name(draw: Callable[..., object]) -> bytes:
    """A file name (bytes) that git must quote, escape or pass through as non-UTF-8."""
    parts: list[bytes] = []
    for _ in range(draw(st.integers(min_value=1, max_value=2))):
        choice = draw(st.sampled_from(_NAME_PARTS + ("latin1",)))
        parts.append("é".encode("latin-1") + b"\xff" if choice == "latin1" else str(choice).encode())
    return b"".join(parts)


@st.composite
def odd_paths(draw: Callable[..., object]) -> list[bytes]:
    """Distinct repository-relative paths of Python files with odd names, some in odd directories."""
    names: list[bytes] = draw(st.lists(odd_name(), min_size=1, max_size=4, unique=True))
    paths = []
    for index, name in enumerate(names):
        directory = draw(st.sampled_from([b"", b"app/", "dé p/".encode(), b"x/y/z/"]))
        paths.append(directory + name + f"_{index}.py".encode())
    return paths


# ------------------------------------------------------------ configurations

KNOWN_KEYS = (
    "select", "ignore", "per-file-ignores", "severity", "fail-on", "diff-filter", "min-confidence", "exclude",
    "extend-exclude", "test-paths", "test-policy", "money-names", "extend-money-names", "non-money-words", "tools",
    "optional-tools", "tool-timeout-seconds", "max-file-bytes", "file-timeout-seconds", "baseline", "jobs",
    "idempotency", "migrations", "mypy", "ruff", "semgrep", "llm", "github",
)
SECTION_KEYS = {
    "idempotency": ("psp-calls", "extend-psp-calls", "idempotency-headers"),
    "migrations": ("postgres-version", "paths", "lock-timeout-set-by-runner", "session-timezone-utc"),
    "mypy": ("python", "args", "cache-dir"),
    "llm": ("model", "max-tokens", "budget-tokens", "hard-cap-tokens", "timeout-seconds", "max-retries"),
    "github": ("max-inline-comments", "check-name"),
}
_scalars = (
    st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.sampled_from([0, 1, 2, 16, 256, 257, 10_000, -1])
    | st.booleans()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["error", "warning", "RB101", "RB1", "money", "ruff", "mypy", "none", "x", "**/*.py", "high"])
)
TOML_VALUES = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["call", "key", "glob", "runner", "severity", "RB101", "x"]) | st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def toml_value(value: object) -> str:
    """A value written as TOML (inline tables and arrays; JSON string escapes are TOML's too)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


@st.composite
def configurations(draw: Callable[..., object]) -> tuple[str, bytes]:
    """(file name, content): pyproject.toml or reviewbot.toml, well-formed or not, sensible or not."""
    shape = draw(st.sampled_from(["pyproject", "reviewbot", "reviewbot-tool", "deep", "garbage", "section"]))
    entries: dict[str, object] = draw(
        st.dictionaries(
            st.sampled_from(KNOWN_KEYS) | st.sampled_from(["fail_on", "selct", "tool", "Jobs"]) | st.text(string.ascii_lowercase + "-", min_size=1, max_size=8),
            TOML_VALUES,
            max_size=3,
        )
    )
    body = "".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in entries.items())
    if shape == "pyproject":
        return "pyproject.toml", f"[tool.reviewbot]\n{body}".encode()
    if shape == "reviewbot":
        return "reviewbot.toml", body.encode()
    if shape == "reviewbot-tool":
        return "reviewbot.toml", f"tool = {toml_value(draw(TOML_VALUES))}\n{body}".encode()
    if shape == "deep":
        depth = draw(st.sampled_from([10, 100, 1_000, 5_000]))
        key = draw(st.sampled_from(["select", "jobs", "migrations"]))
        return "pyproject.toml", f"[tool.reviewbot]\n{key} = {'[' * depth}{']' * depth}\n".encode()
    if shape == "section":
        section = draw(st.sampled_from(sorted(SECTION_KEYS)))
        inner: dict[str, object] = draw(
            st.dictionaries(st.sampled_from(SECTION_KEYS[section]) | st.text(string.ascii_lowercase, min_size=1, max_size=5), TOML_VALUES, max_size=3)
        )
        lines = "".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in inner.items())
        return "pyproject.toml", f"[tool.reviewbot.{section}]\n{lines}".encode()
    garbage: bytes = draw(st.binary(max_size=40) | st.sampled_from([b"[tool.reviewbot\n", b"\xff\xfe", b"a = ", b"[[tool.reviewbot]]\n"]))
    return draw(st.sampled_from(["pyproject.toml", "reviewbot.toml"])), b"[tool.reviewbot]\n" + garbage


CLI_OPTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("-j"), st.sampled_from(["0", "1", "2", "256", "257", "100000", "-1", "x", ""])),
        st.tuples(st.just("--fail-on"), st.sampled_from(["error", "never", "nope"])),
        st.tuples(st.just("--select"), st.sampled_from(["RB1", "money", "", ",", "RB101,RB2"])),
        st.tuples(st.just("--min-confidence"), st.sampled_from(["high", "low", "x"])),
    ),
    max_size=2,
)
