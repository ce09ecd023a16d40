"""[tool.reviewbot] (pyproject.toml) or reviewbot.toml -> a frozen, validated Config.

Keys are kebab-case in TOML and on the command line; this module alone maps them to the
snake_case fields below. Each section is a frozen dataclass; the loader derives the accepted
keys and their types from the dataclass, so adding a field is the whole change.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import re
import reprlib
import typing
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields, replace
from functools import cached_property, lru_cache
from pathlib import Path

from reviewbot.core.findings import Severity
from reviewbot.core.jobs import cpu_count
from reviewbot.core.rules import Family, family_of_code
from reviewbot.errors import ConfigError, UsageError

FAIL_ON_CHOICES = ("error", "warning", "info", "never")
DIFF_FILTERS = ("added", "diff_context", "file", "all")
KNOWN_TOOLS = ("ruff", "mypy", "tsc", "go-vet", "semgrep")
# Every type checker and ruff; each is skipped with a note when its toolchain is missing.
DEFAULT_TOOLS = ("ruff", "mypy", "tsc", "go-vet")
TEST_POLICIES = ("relaxed", "strict")
CONFIDENCE_CHOICES = ("high", "medium", "low")
# The languages reviewbot's own analyzers read (sql: the migration gate); `languages` turns them off.
LANGUAGES = ("python", "typescript", "go", "sql")

DEFAULT_MONEY_NAMES: tuple[str, ...] = (
    "amount", "amounts", "price", "prices", "total", "totals", "subtotal", "fee", "fees",
    "balance", "balances", "cost", "costs", "refund", "refunds", "payout", "payouts",
    "charge", "charges", "tax", "taxes", "tip", "tips", "discount", "discounts", "cents",
    "minor", "money", "revenue", "payment", "payments", "credit", "debit", "settlement",
    "surcharge", "commission", "deposit", "withdrawal", "net", "gross", "paid", "owed",
    "outstanding", "capture", "captured", "authorized", "remaining", "vat", "gst",
)
# Words that turn a money-looking name into a ratio or a measure that may be a float.
DEFAULT_NON_MONEY_WORDS: tuple[str, ...] = (
    "rate", "rates", "ratio", "pct", "percent", "percentage", "bps", "basis", "score",
    "latency", "lat", "lng", "lon", "latitude", "longitude", "probability", "prob",
    "fraction", "factor", "multiplier", "weight", "seconds", "secs", "ms", "millis",
    "duration", "timeout", "elapsed", "count", "share", "split", "exchange", "fx",
    "threshold", "confidence", "avg", "mean", "std", "variance", "id", "ids", "name",
    "names", "type", "status", "currency", "key", "url", "count", "number", "version",
    "time", "times", "tokens", "bytes", "proportion", "coverage", "progress", "size", "length",
    "us", "ns",
)
DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".git", ".hg", ".svn", ".venv", "venv", ".env", "env", ".tox", ".nox", "__pycache__",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", "node_modules", "build", "dist",
    "*.egg-info", "site-packages", "vendor", "vendored", "third_party", "_vendor",
    ".reviewbot-cache", ".reviewbot_cache",
)
DEFAULT_TEST_PATHS: tuple[str, ...] = (
    "tests/**", "test/**", "**/tests/**", "**/test/**", "**/test_*.py", "**/*_test.py",
    "test_*.py", "*_test.py", "**/conftest.py", "conftest.py", "**/*.spec.ts",
    "**/*.test.ts", "**/*_test.go", "**/__tests__/**", "**/*.test.tsx", "**/*.spec.tsx",
    "**/*.test.js", "**/*.spec.js", "**/*.test.mts", "**/*.spec.mts", "**/testutil/**", "**/testutils/**",
    "**/testdata/**",
)


def _choices(*values: str) -> dict[str, tuple[str, ...]]:
    return {"choices": values}


# One place of an idempotency key in a PspCall's `key` (several are separated by commas).
_KEY_PLACE_RE = re.compile(
    r"kwarg:\w+(@\d+)?|(options|option-dict|param):\w+|header(:[\w-]+)?|body:\w+(\|\w+)*"
)


@dataclass(frozen=True, slots=True)
class PspCall:
    """One money-moving call shape and where its idempotency key goes (RB301-RB304).

    `call` is one of
      "stripe.Refund.create"       the call's qualified name, imports resolved; a method called on an
                                   instance of the class (`intent.capture()`) matches too
      "*.v1.refunds.create"        a call whose attribute chain ends so, whatever the receiver; only in
                                   files that mention `module` (e.g. "stripe"), and never a call that
                                   looks like an ORM related manager (`order.refunds.create(amount=...)`)
      "http:/payments/*/capture"   an HTTP POST (`.post(url)`, `.request("POST", url)`) whose URL path
                                   ends with these segments; `*` is any one segment
    `key` lists the places that carry the key, separated by commas; any one of them is enough:
      "kwarg:idempotency_key"      keyword argument (or a key of a `**mapping` argument);
                                   "kwarg:idempotency_key@1" also accepts it as positional argument 1
      "options:idempotency_key"    a key of the `options=` dict (StripeClient) or of a dict argument
      "option-dict:paypal_request_id"  a key of the call's options dict argument (PayPal server SDK)
      "param:api_request_key"      a key of a params dict argument (Braintree)
      "header" / "header:Cko-Idempotency-Key"  an HTTP header; bare "header" means any of
                                   [idempotency].idempotency-headers
      "body:payment_id|refund_id"  a field of the `json=`/`data=` body (Hyperswitch)
    `severity` is "error" or "warning"; `provider` names the PSP in messages and docs.
    """

    call: str
    key: str = "kwarg:idempotency_key"
    severity: str = "error"
    provider: str = ""
    module: str = ""

    def __post_init__(self) -> None:
        if not self.call.strip():
            raise ConfigError(
                "a psp call needs a non-empty `call`",
                hint='e.g. { call = "stripe.Refund.create", key = "kwarg:idempotency_key" }',
            )
        for place in self.key.split(","):
            if not _KEY_PLACE_RE.fullmatch(place.strip()):
                raise ConfigError(
                    f"psp call {self.call!r}: {place.strip()!r} is not a key place",
                    hint='use kwarg:NAME, options:NAME, option-dict:NAME, param:NAME, header[:NAME] or body:NAME',
                )
        if self.severity not in ("error", "warning"):
            raise ConfigError(
                f"psp call {self.call!r}: severity must be error or warning, not {show(self.severity)}",
                hint='write severity = "error" or severity = "warning"',
            )


@dataclass(frozen=True, slots=True)
class IdempotencyConfig:
    psp_calls: tuple[PspCall, ...] = ()
    extend_psp_calls: tuple[PspCall, ...] = ()
    idempotency_headers: tuple[str, ...] = ("Idempotency-Key",)


MIGRATION_RUNNERS = (
    "auto", "ignore", "psql", "drizzle", "diesel", "golang-migrate", "flyway", "prisma", "dbmate", "sqitch", "atlas",
    "alembic", "django",
)


@dataclass(frozen=True, slots=True)
class MigrationPath:
    """`[[tool.reviewbot.migrations.paths]]`: files matching `glob` run under `runner` ("ignore": not gated)."""

    glob: str
    runner: str = field(default="auto", metadata=_choices(*MIGRATION_RUNNERS))


@dataclass(frozen=True, slots=True)
class MigrationsConfig:
    postgres_version: int = 16
    paths: tuple[MigrationPath, ...] = ()
    lock_timeout_set_by_runner: bool = False
    session_timezone_utc: bool = False
    tables_created_elsewhere_are_new: bool = False


@dataclass(frozen=True, slots=True)
class TraceConfig:
    """[trace]: replaying a change's migrations on a disposable PostgreSQL (`--trace`, `reviewbot trace`)."""

    rows: int = 10000  # synthetic rows in every table the new migrations touch
    probe_timeout_ms: int = 20  # lock_timeout of the second session's read and write probes
    statement_timeout_seconds: int = 300
    postgres_bin: str = ""  # directory with initdb and pg_ctl (default: PATH, /usr/lib/postgresql/*/bin)
    python: str = ""  # the project's interpreter for `alembic upgrade --sql` (default: .venv, venv, ours)


@dataclass(frozen=True, slots=True)
class MypyConfig:
    python: str = ""  # the interpreter that runs mypy (it must have mypy installed)
    python_executable: str = ""  # the project's interpreter: mypy reads its installed packages
    args: tuple[str, ...] = ()
    cache_dir: str = ".mypy_cache"


@dataclass(frozen=True, slots=True)
class TscConfig:
    command: str = ""  # default: the project's node_modules/.bin/tsc (tsgo where the project uses it)
    args: tuple[str, ...] = ()
    cache_dir: str = ""  # incremental build info; default: the user cache dir, never the project


@dataclass(frozen=True, slots=True)
class GoVetConfig:
    command: str = ""  # the go executable; default: `go` on PATH
    args: tuple[str, ...] = ()  # build flags, e.g. ["-tags", "integration"]


@dataclass(frozen=True, slots=True)
class RuffConfig:
    command: str = ""
    args: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SemgrepConfig:
    """[semgrep]: the team's own semgrep rules (`configs`: files, directories, registry names)."""

    command: str = ""
    args: tuple[str, ...] = ()
    configs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LlmConfig:
    """[llm]: the advisory model summary (issue #7); it never changes the verdict."""

    model: str = "claude-sonnet-5-5"  # the newest Sonnet in the installed SDK's model list
    max_tokens: int = 2000  # the model's answer
    budget_tokens: int = 24000  # the user prompt: PR text, findings and hunks
    hard_cap_tokens: int = 60000  # system + user + answer, per review
    timeout_seconds: int = 60
    max_retries: int = 2
    max_concerns: int = 8

    def __post_init__(self) -> None:
        for name in ("max_tokens", "budget_tokens", "hard_cap_tokens", "timeout_seconds"):
            if getattr(self, name) <= 0:
                raise ConfigError(
                    f"[llm] {name.replace('_', '-')} must be positive",
                    hint=f"remove {name.replace('_', '-')} to use the default",
                )
        if self.max_retries < 0 or self.max_concerns < 0:
            raise ConfigError("[llm] max-retries and max-concerns cannot be negative", hint="use 0 or more")
        if self.max_tokens >= self.hard_cap_tokens:
            raise ConfigError(
                f"[llm] max-tokens ({self.max_tokens}) must be below hard-cap-tokens ({self.hard_cap_tokens})",
                hint="raise hard-cap-tokens or lower max-tokens",
            )


@dataclass(frozen=True, slots=True)
class GithubConfig:
    max_inline_comments: int = 30
    check_name: str = "reviewbot"


@dataclass(frozen=True)
class Config:
    """The whole configuration; CLI options are applied with `Config.override`.

    Not slotted: the cached_property helpers below need an instance __dict__.
    """

    root: str = "."
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: tuple[tuple[str, str], ...] = ()
    fail_on: str = field(default="error", metadata=_choices(*FAIL_ON_CHOICES))
    diff_filter: str = field(default="added", metadata=_choices(*DIFF_FILTERS))
    # Findings below this confidence never block: an `error` is shown as a `warning` (DESIGN.md).
    min_confidence: str = field(default="high", metadata=_choices(*CONFIDENCE_CHOICES))
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES  # replaces the defaults, like ruff's `exclude`
    extend_exclude: tuple[str, ...] = ()
    test_paths: tuple[str, ...] = DEFAULT_TEST_PATHS
    test_policy: str = field(default="relaxed", metadata=_choices(*TEST_POLICIES))
    money_names: tuple[str, ...] = DEFAULT_MONEY_NAMES
    extend_money_names: tuple[str, ...] = ()
    non_money_words: tuple[str, ...] = DEFAULT_NON_MONEY_WORDS
    languages: tuple[str, ...] = LANGUAGES
    tools: tuple[str, ...] = DEFAULT_TOOLS
    optional_tools: tuple[str, ...] = ()
    tool_timeout_seconds: int = 300
    # A Python file over this size is reported (RB901) instead of parsed: libcst holds ~500 bytes per
    # byte of source, so 2 MiB keeps one file under about 1 GiB.
    max_file_bytes: int = 2 * 1024 * 1024
    # One file's parse and rules; past this its worker is stopped and the file reported (RB901).
    file_timeout_seconds: int = 120
    baseline: str = ".reviewbot-baseline.json"
    jobs: int = 0
    # The results cache (README, "Cache"): `cache = false` or `--no-cache` turns it off; `cache-dir`
    # is relative to the repository root ("" = .reviewbot_cache).
    cache: bool = True
    cache_dir: str = ""
    idempotency: IdempotencyConfig = IdempotencyConfig()
    migrations: MigrationsConfig = MigrationsConfig()
    trace: TraceConfig = TraceConfig()
    mypy: MypyConfig = MypyConfig()
    tsc: TscConfig = TscConfig()
    go_vet: GoVetConfig = GoVetConfig()
    ruff: RuffConfig = RuffConfig()
    semgrep: SemgrepConfig = SemgrepConfig()
    llm: LlmConfig = LlmConfig()
    github: GithubConfig = GithubConfig()
    source: str = ""  # the file this came from, for messages ("" = defaults)

    def override(self, **changes: object) -> Config:
        """Apply CLI options (already validated by `validate_value`)."""
        return replace(self, **changes)  # type: ignore[arg-type]  # names checked by the CLI

    @cached_property
    def _money_words(self) -> frozenset[str]:
        return frozenset(n.lower() for n in (*self.money_names, *self.extend_money_names))

    @cached_property
    def _non_money_words(self) -> frozenset[str]:
        return frozenset(n.lower() for n in self.non_money_words)

    @cached_property
    def _money_name_cache(self) -> dict[str, bool]:
        return {}

    def is_money_name(self, name: str) -> bool:
        """True for `amount`, `refund_cents`, `totalPrice`; False for `fee_rate`, `tax_pct`."""
        cache = self._money_name_cache
        known = cache.get(name)
        if known is not None:
            return known
        words = split_words(name)
        result = (
            bool(words)
            and not any(w in self._non_money_words for w in words)
            and any(w in self._money_words for w in words)
        )
        cache[name] = result
        return result

    @cached_property
    def _severity_map(self) -> dict[str, Severity]:
        return {code: Severity(value) for code, value in self.severity}

    def severity_for(self, code: str, default: Severity) -> Severity:
        return self._severity_map.get(code, default)

    def is_selected(self, code: str, family: str, path: str = "") -> bool:
        """select/ignore by code, code prefix or family; then per-file ignores."""
        if self.select and not any(matches_selector(s, code, family) for s in self.select):
            return False
        if any(matches_selector(s, code, family) for s in self.ignore):
            return False
        if path:
            for pattern, selectors in self.per_file_ignores:
                if path_matches(path, pattern) and any(
                    matches_selector(s, code, family) for s in selectors
                ):
                    return False
        return True

    def is_test_path(self, path: str) -> bool:
        return glob_matcher(tuple(self.test_paths))(path)


_WORD_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def split_words(name: str) -> tuple[str, ...]:
    """`refund_amount_cents` -> (refund, amount, cents); `totalPrice` -> (total, price)."""
    return tuple(w.lower() for w in _WORD_RE.findall(name))


def matches_selector(selector: str, code: str, family: str) -> bool:
    sel = selector.strip()
    if not sel:
        return False
    if sel.upper() == "ALL":
        return True
    if sel.lower() == family:
        return True
    return code == sel or (sel[:1].isalpha() and code.upper().startswith(sel.upper()))


def path_matches(path: str, pattern: str) -> bool:
    """Glob match on a repository-relative posix path; `**/` also matches no directory."""
    if fnmatch.fnmatchcase(path, pattern):
        return True
    if pattern.startswith("**/") and fnmatch.fnmatchcase(path, pattern[3:]):
        return True
    if pattern.endswith("/**") and (path == pattern[:-3] or path.startswith(pattern[:-2])):
        return True
    return "/" not in pattern and fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern)


@lru_cache(maxsize=256)
def glob_matcher(patterns: tuple[str, ...]) -> typing.Callable[[str], bool]:
    """`any(path_matches(path, p) for p in patterns)` as one compiled test: two regular expressions, one
    for whole paths and one for the file name (patterns without `/`), instead of a glob match per pattern
    per path (an audit asks it of every file under the tree)."""
    whole: list[str] = []
    names: list[str] = []
    for pattern in patterns:
        whole.append(fnmatch.translate(pattern))
        if pattern.startswith("**/"):
            whole.append(fnmatch.translate(pattern[3:]))
        if pattern.endswith("/**"):
            whole.append(rf"(?s:{re.escape(pattern[:-3])}(?:/.*)?)\Z")
        if "/" not in pattern:
            names.append(fnmatch.translate(pattern))
    whole_re = re.compile("|".join(whole)) if whole else None
    name_re = re.compile("|".join(names)) if names else None

    def matches(path: str) -> bool:
        if whole_re is not None and whole_re.match(path):
            return True
        return name_re is not None and name_re.match(path.rsplit("/", 1)[-1]) is not None

    return matches


# --------------------------------------------------------------------------- loading

CONFIG_FILES = ("reviewbot.toml", "pyproject.toml")
# `jobs`/`-j` above this is a typo, not a machine: each worker holds its own parse (~60 MB and up).
# Below it, the analyzers use at most one worker per CPU they may run on.
MAX_JOBS = 256
_SHOW = reprlib.Repr()
_SHOW.maxstring = 60
_SHOW.maxother = 60
_SHOW.maxlevel = 2
_SHOW.maxlist = _SHOW.maxtuple = _SHOW.maxdict = 4


def show(value: object) -> str:
    """A user's value, quoted for a message: bounded in length and nesting."""
    return _SHOW.repr(value)


def _read_toml(path: Path) -> dict[str, object]:
    """The TOML document at `path`, or ConfigError naming the file (tomllib recurses per nesting level)."""
    import tomllib  # here: the fork server and its workers import this module and never read a file
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path} is not valid TOML: {err}", hint="fix the TOML syntax at the line named") from err
    except RecursionError as err:
        raise ConfigError(
            f"{path} nests arrays or tables too deeply to read",
            hint="no reviewbot key takes nested arrays; flatten the value",
        ) from err
    except UnicodeDecodeError as err:
        raise ConfigError(f"cannot read {path}: it is not UTF-8 ({err.reason})", hint="save the file as UTF-8") from err
    except OSError as err:
        raise ConfigError(
            f"cannot read {path}: {err.strerror or err}", hint="check that the file exists and is readable"
        ) from err


def find_config_file(root: Path) -> Path | None:
    """reviewbot.toml, else a pyproject.toml with a [tool.reviewbot] table, at the root."""
    candidate = root / "reviewbot.toml"
    if candidate.is_file():
        return candidate
    candidate = root / "pyproject.toml"
    if candidate.is_file():
        try:
            data = _read_toml(candidate)
        except ConfigError:
            return candidate  # load_config reports the problem with the file named
        tool = data.get("tool")
        if isinstance(tool, dict) and "reviewbot" in tool:
            return candidate
    return None


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """Read the configuration for the repository at `root` (or the explicit file)."""
    path = explicit if explicit is not None else find_config_file(root)
    if path is None:
        return Config(root=str(root))
    if explicit is not None and not explicit.is_file():
        raise ConfigError(
            f"config file {explicit} does not exist", hint="pass an existing reviewbot.toml or pyproject.toml"
        )
    data = _read_toml(path)
    tool = data.get("tool")
    if path.name == "pyproject.toml":
        table = tool.get("reviewbot", {}) if isinstance(tool, dict) else {}
        where = "[tool.reviewbot]"
    elif isinstance(tool, dict) and "reviewbot" in tool:
        table, where = tool["reviewbot"], f"[tool.reviewbot] in {path.name}"
    else:
        table, where = data, path.name  # a bare reviewbot.toml; a stray `tool` key is reported as unknown
    if not isinstance(table, dict):
        raise ConfigError(
            f"{where} in {path} must be a table, not {show(table)}",
            hint="write the settings under a [tool.reviewbot] header",
        )
    values = parse_section(Config, table, where)
    config = replace(Config(**values), root=str(root), source=str(path))  # type: ignore[arg-type]  # values were checked against the field types by parse_section
    return resolve_tool_paths(config, path.resolve().parent)


# Section fields that name an executable: a relative path in them is relative to the config file.
TOOL_PATH_FIELDS = ("command", "python")


def resolve_tool_paths(config: Config, base: Path) -> Config:
    """`command = ".venv/bin/ruff"` in a section means next to the config file, wherever reviewbot runs.

    Tools run with the repository root as their working directory, so a relative path would otherwise
    be looked up there (or fail); a bare name (`ruff`) is still looked up on PATH.
    """
    changes: dict[str, object] = {}
    for fld in fields(config):
        section = getattr(config, fld.name)
        if not hasattr(section, "__dataclass_fields__"):
            continue
        updates = {
            name: resolve_command(getattr(section, name), base)
            for name in TOOL_PATH_FIELDS
            if isinstance(getattr(section, name, None), str) and getattr(section, name)
        }
        updates = {k: v for k, v in updates.items() if v != getattr(section, k)}
        if updates:
            changes[fld.name] = replace(section, **updates)
    return replace(config, **changes) if changes else config  # type: ignore[arg-type]  # field names come from fields(config)


def resolve_command(command: str, base: Path) -> str:
    """A relative executable path (it has a `/`) made absolute against `base`; names and absolute paths kept."""
    head, sep, rest = command.partition(" ")
    if (base / command).exists():
        head, sep, rest = command, "", ""
    expanded = os.path.expanduser(head)
    if "/" not in expanded or os.path.isabs(expanded):
        return command if expanded == head else expanded + sep + rest
    return str(base / expanded) + sep + rest


def parse_section(cls: type, table: Mapping[str, object], where: str) -> dict[str, object]:
    """Validate a TOML table against a section dataclass; return its fields' values."""
    hints = typing.get_type_hints(cls)
    by_key = {f.name.replace("_", "-"): f for f in fields(cls) if f.name not in ("root", "source")}
    out: dict[str, object] = {}
    for key, raw in table.items():
        fld = by_key.get(key)
        if fld is None:
            close = difflib.get_close_matches(key.replace("_", "-"), list(by_key), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(sorted(by_key))}"
            raise ConfigError(f"unknown key {show(key)} in {where}", hint=hint)
        out[fld.name] = convert_value(hints[fld.name], raw, f"{where}.{key}", fld.metadata.get("choices"))
    required = [
        f.name.replace("_", "-")
        for f in fields(cls)
        if f.name not in out and f.default is MISSING and f.default_factory is MISSING
    ]
    if required:
        example = ", ".join(f'{name} = "…"' for name in required)
        raise ConfigError(f"{where} needs {', '.join(required)}", hint=f"add {example} to that entry")
    return out


_TYPE_HINTS = {
    bool: "write true or false, without quotes",
    int: "write a whole number without quotes, e.g. 4",
    str: 'write a quoted string, e.g. "value"',
}


def convert_value(
    tp: object, raw: object, key: str, choices: Sequence[str] | None = None
) -> object:
    """Convert one TOML value to the annotated field type, or raise ConfigError naming `key`."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is bool:
        if not isinstance(raw, bool):
            raise ConfigError(f"{key} must be true or false, not {show(raw)}", hint=_TYPE_HINTS[bool])
        return raw
    if tp is int:
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            raise ConfigError(f"{key} must be a non-negative integer, not {show(raw)}", hint=_TYPE_HINTS[int])
        return raw
    if tp is str:
        if not isinstance(raw, str):
            raise ConfigError(f"{key} must be a string, not {show(raw)}", hint=_TYPE_HINTS[str])
        if choices and raw not in choices:
            close = difflib.get_close_matches(raw, choices, n=1)
            raise ConfigError(
                f"{key} must be one of {', '.join(choices)}, not {show(raw)}",
                hint=f"did you mean {close[0]!r}?" if close else f'write e.g. "{choices[0]}"',
            )
        return raw
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item_tp = args[0]
        item_origin = typing.get_origin(item_tp)
        if item_origin is tuple and isinstance(raw, dict):
            # tuple[tuple[str, X], ...] is a TOML table: key -> value.
            _key_type, v_tp = typing.get_args(item_tp)
            return tuple(
                (str(k), convert_value(v_tp, v, f"{key}.{k}")) for k, v in raw.items()
            )
        if item_origin is tuple:
            raise ConfigError(
                f"{key} must be a table, not {show(raw)}", hint=f"write it as a table: [{key.strip('[]')}] with key = value lines"
            )
        if isinstance(raw, str):
            raise ConfigError(
                f"{key} must be a list, not the string {show(raw)}",
                hint=f'write {key.rsplit(".", 1)[-1]} = [{json.dumps(raw) if len(raw) <= 60 else show(raw)}]',
            )
        if not isinstance(raw, list):
            example = '["a", "b"]' if item_tp is str else "[{ … }, { … }]"
            raise ConfigError(f"{key} must be a list, not {show(raw)}", hint=f"write a list, e.g. {example}")
        return tuple(convert_value(item_tp, v, f"{key}[{i}]") for i, v in enumerate(raw))
    if isinstance(tp, type) and hasattr(tp, "__dataclass_fields__"):
        if not isinstance(raw, dict):
            raise ConfigError(
                f"{key} must be a table, not {show(raw)}",
                hint="write it as a table: { key = value, … } or under its own [header]",
            )
        return tp(**parse_section(tp, raw, key))
    raise ConfigError(f"{key} has an unsupported type", hint="report this at the project's issue tracker")  # pragma: no cover - schema bug


def validate_config(config: Config) -> Config:
    """Cross-field checks: codes in `severity`, tool names, severities, bounds."""
    for code, value in config.severity:
        if value not in ("error", "warning", "info"):
            raise ConfigError(
                f"severity.{code} must be error, warning or info, not {show(value)}",
                hint="set e.g. RB101 = \"warning\" under [tool.reviewbot.severity]",
            )
    for tool in (*config.tools, *config.optional_tools):
        if tool not in KNOWN_TOOLS and tool != "none":
            close = difflib.get_close_matches(tool, KNOWN_TOOLS, n=1)
            raise ConfigError(
                f"unknown tool {show(tool)} in tools",
                hint=f"did you mean {close[0]!r}?" if close else f"choose from {', '.join(KNOWN_TOOLS)}",
            )
    for language in config.languages:
        if language not in LANGUAGES:
            close = difflib.get_close_matches(language, LANGUAGES, n=1)
            raise ConfigError(
                f"unknown language {language!r} in languages",
                hint=f"did you mean {close[0]!r}?" if close else f"choose from {', '.join(LANGUAGES)}",
            )
    if not 10 <= config.migrations.postgres_version <= 19:
        raise ConfigError(
            f"migrations.postgres-version must be between 10 and 19, not {config.migrations.postgres_version}",
            hint="write the major version your database runs, e.g. postgres-version = 16",
        )
    check_jobs(config.jobs, f"jobs in {config.source or 'the configuration'}", ConfigError)
    for name in ("max_file_bytes", "file_timeout_seconds", "tool_timeout_seconds"):
        if getattr(config, name) == 0:
            key = name.replace("_", "-")
            raise ConfigError(f"{key} must be positive", hint=f"remove {key} to use the default ({getattr(Config(), name)})")
    return config


def check_jobs(jobs: int, name: str, error: type[ConfigError] | type[UsageError]) -> None:
    """`jobs`/`-j`: 0 (one per CPU) up to MAX_JOBS."""
    if not 0 <= jobs <= MAX_JOBS:
        raise error(
            f"{name} must be between 0 and {MAX_JOBS}, not {jobs}",
            hint=f"0 means one worker per CPU ({cpu_count()} here); more workers than CPUs only use memory",
        )


def family_for_selector(selector: str) -> Family | None:
    fam = family_of_code(selector)
    if fam is not None:
        return fam
    try:
        return Family(selector.lower())
    except ValueError:
        return None


__all__ = [
    "Config",
    "GithubConfig",
    "GoVetConfig",
    "IdempotencyConfig",
    "LlmConfig",
    "MigrationPath",
    "MigrationsConfig",
    "MypyConfig",
    "PspCall",
    "RuffConfig",
    "SemgrepConfig",
    "TraceConfig",
    "TscConfig",
    "glob_matcher",
    "load_config",
    "path_matches",
    "split_words",
    "validate_config",
]
