"""Every code reviewbot can report: its own rules and the codes of the tools it runs.

Selectors (`--select`, `--ignore`, `select`, `ignore`, `per-file-ignores`, `[severity]` keys) are checked
against it, so that a typo is an error with a did-you-mean instead of a gate that silently checks nothing.
Tool codes are known by asking the tool when it can be asked (ruff lists its rules) and from fixed lists
otherwise (mypy error codes, go vet analyzers, tsc's `TS<number>`).
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from reviewbot.config import Config, matches_selector
from reviewbot.core.rules import Family, RuleInfo
from reviewbot.errors import ConfigError, UsageError

# mypy's error codes (mypy.readthedocs.io/en/stable/error_code_list.html and error_code_list2.html).
MYPY_CODES = frozenset({
    "abstract", "annotation-unchecked", "arg-type", "assert-type", "assignment", "attr-defined",
    "await-not-async", "call-arg", "call-overload", "comparison-overlap", "deprecated", "dict-item",
    "empty-body", "exhaustive-match", "exit-return", "explicit-any", "explicit-override",
    "func-returns-value", "has-type", "ignore-without-code", "import", "import-not-found", "import-untyped",
    "index", "list-item", "literal-required", "maybe-unrecognized-str-typeform", "metaclass", "method-assign",
    "misc", "mutable-override", "name-defined", "name-match", "narrowed-type-not-subtype", "no-any-return",
    "no-any-unimported", "no-overload-impl", "no-redef", "no-untyped-call", "no-untyped-def",
    "nonetype-type", "operator", "overload-cannot-match", "overload-overlap", "override",
    "possibly-undefined", "prop-decorator", "redundant-cast", "redundant-expr", "redundant-self", "return",
    "return-value", "safe-super", "str-bytes-safe", "str-format", "str-unpack", "syntax", "top-level-await",
    "truthy-bool", "truthy-function", "truthy-iterable", "type-abstract", "type-arg", "type-var",
    "typeddict-item", "typeddict-readonly-mutated", "typeddict-unknown-key", "unimported-reveal",
    "union-attr", "unreachable", "untyped-decorator", "unused-awaitable", "unused-coroutine",
    "unused-ignore", "used-before-def", "valid-newtype", "valid-type", "var-annotated",
})
# go vet's analyzers (`go tool vet help`), the names its diagnostics carry.
GO_VET_ANALYZERS = frozenset({
    "appends", "asmdecl", "assign", "atomic", "bools", "buildtag", "cgocall", "composites", "copylocks",
    "defers", "directive", "errorsas", "framepointer", "hostport", "httpresponse", "ifaceassert",
    "loopclosure", "lostcancel", "nilfunc", "printf", "shift", "sigchanyzer", "slog", "stdmethods",
    "stdversion", "stringintconv", "structtag", "testinggoroutine", "tests", "timeformat", "unmarshal",
    "unreachable", "unsafeptr", "unusedresult", "waitgroup",
})
# Codes the adapters themselves give: ruff's syntax errors.
ADAPTER_CODES = frozenset({"invalid-syntax"})
TSC_CODE_RE = re.compile(r"TS\d*", re.IGNORECASE)  # TS2322; "TS23" selects a range, "TS" all of tsc
# A well-formed ruff code or prefix (E, E7, E722, PLR0913, FURB101), accepted when ruff cannot be asked.
RUFF_CODE_RE = re.compile(r"[A-Z]{1,6}[0-9]{0,4}")
RUFF_TIMEOUT_SECONDS = 30


@dataclass(frozen=True, slots=True)
class ToolRule:
    """A tool's own code, as `explain` shows it."""

    code: str
    tool: str
    name: str = ""
    summary: str = ""
    explanation: str = ""
    url: str = ""
    family: str = Family.TYPES.value
    severity: str = "error"
    same_as: tuple[str, ...] = ()  # our rules that report the same defect (ours is shown, not the tool's)


def _treesitter_rules() -> list[RuleInfo]:
    from reviewbot.analyzers.go.rules import RETIRED as GO_RETIRED
    from reviewbot.analyzers.go.rules import RULES as GO_RULES
    from reviewbot.analyzers.typescript.rules import RULES as TS_RULES

    return [*(rule.info() for rule in TS_RULES), *(rule.info() for rule in GO_RULES), *GO_RETIRED]


def _python_rules() -> list[RuleInfo]:
    from reviewbot.analyzers.python.rules import RULES

    return [rule.info() for rule in RULES]


def _migration_rules() -> list[RuleInfo]:
    from reviewbot.analyzers.migrations.rules import MIGRATION_RULES

    return [rule.info() for rule in MIGRATION_RULES]


def _trace_rules() -> list[RuleInfo]:
    from reviewbot.analyzers.trace.rule import TRACE_RULES

    return [rule.info() for rule in TRACE_RULES]


# Cheapest first: the Python rules import libcst (a quarter of a second), so a SQL-only change, whose
# findings the migration registry covers, never loads it.
_REGISTRIES = (_treesitter_rules, _migration_rules, _python_rules, _trace_rules)


def all_rules() -> tuple[RuleInfo, ...]:
    """Every rule reviewbot knows: Python, migrations, TypeScript, Go (retired codes too) and meta; by code."""
    from reviewbot.core.meta import META_RULES

    infos: list[RuleInfo] = [info for load in _REGISTRIES for info in load()]
    infos.extend(META_RULES)
    return tuple(sorted(infos, key=lambda r: r.code))


def rules_covering(codes: Iterable[str]) -> dict[str, RuleInfo]:
    """code -> RuleInfo for at least `codes`: registries load only until all of them are known."""
    from reviewbot.core.meta import META_RULES

    wanted = set(codes)
    index = {r.code: r for r in META_RULES}
    for load in _REGISTRIES:
        if wanted <= index.keys():
            break
        index.update((info.code, info) for info in load())
    return index


@cache
def our_codes() -> frozenset[str]:
    return frozenset(rule.code for rule in all_rules())


@cache
def ruff_rules(command: tuple[str, ...]) -> dict[str, ToolRule] | None:
    """ruff's own rule list (`ruff rule --all`), or None when ruff cannot be asked."""
    try:
        # An argument list, never a shell; ruff answers in a few milliseconds.
        done = subprocess.run(
            [*command, "rule", "--all", "--output-format", "json"],
            capture_output=True, text=True, encoding="utf-8", errors="replace",
            timeout=RUFF_TIMEOUT_SECONDS, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    try:
        data = json.loads(done.stdout) if done.returncode == 0 else None
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, list):
        return None
    rules: dict[str, ToolRule] = {}
    for item in data:
        if isinstance(item, dict) and isinstance(item.get("code"), str):
            name = str(item.get("name", ""))
            rules[item["code"]] = ToolRule(
                code=item["code"], tool="ruff", name=name, summary=str(item.get("summary", "")),
                explanation=str(item.get("explanation", "")),
                url=f"https://docs.astral.sh/ruff/rules/{name}/" if name else "",
            )
    return rules


def _ruff_rules(config: Config) -> dict[str, ToolRule] | None:
    from reviewbot.analyzers.tools.ruff import find_ruff

    return ruff_rules(tuple(find_ruff(config)))


def _has_user_semgrep_rules(config: Config) -> bool:
    """The user's own semgrep configs may report any rule id."""
    return bool(config.semgrep.configs) or any(
        arg in ("--config", "-c", "-f") or arg.startswith("--config=") for arg in config.semgrep.args
    )


class CodeCatalog:
    """Answers "does this selector select anything?" and "what did you mean?"."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def is_selector(self, selector: str) -> bool:
        """A code, prefix or family that matches at least one rule or tool code; ALL."""
        sel = selector.strip()
        if not sel:
            return False
        if sel.upper() == "ALL" or sel.lower() in {f.value for f in Family}:
            return True
        if self._matches_any(sel, our_codes() | MYPY_CODES | GO_VET_ANALYZERS | ADAPTER_CODES):
            return True
        if sel.upper().startswith("RB"):
            return False  # RB is ours alone: a miss here is a typo, whatever the tools say
        if TSC_CODE_RE.fullmatch(sel):
            return True
        ruff = _ruff_rules(self.config)
        if ruff is not None:
            if self._matches_any(sel, ruff):
                return True
        elif RUFF_CODE_RE.fullmatch(sel):
            return True  # ruff cannot be asked: a well-formed ruff code is taken on trust
        return _has_user_semgrep_rules(self.config)

    def is_code(self, code: str) -> bool:
        """An exact code (the keys of [severity] are looked up exactly)."""
        if code in our_codes() or code in MYPY_CODES or code in GO_VET_ANALYZERS or code in ADAPTER_CODES:
            return True
        if code.startswith("RB"):
            return False
        if re.fullmatch(r"TS\d+", code):
            return True
        ruff = _ruff_rules(self.config)
        if ruff is not None:
            if code in ruff:
                return True
        elif re.fullmatch(r"[A-Z]{1,6}[0-9]{1,4}", code):
            return True
        return _has_user_semgrep_rules(self.config)

    def suggest(self, selector: str) -> list[str]:
        """The nearest codes or families, best first (`RB1O1` -> RB101)."""
        sel = selector.strip()
        upper = sel.upper()
        pool = sorted(our_codes() | MYPY_CODES | GO_VET_ANALYZERS | {f.value for f in Family}
                      | set(_ruff_rules(self.config) or ()))
        out: list[str] = []
        # Letters typed for digits: O for 0, I or l for 1.
        fixed = upper[:2] + upper[2:].replace("O", "0").replace("I", "1").replace("L", "1")
        if fixed != upper and self._matches_any(fixed, our_codes()):
            return [fixed]
        for candidate in (upper, sel.lower()):
            out += [c for c in difflib.get_close_matches(candidate, pool, n=3, cutoff=0.6) if c not in out]
        return out[:3]

    @staticmethod
    def _matches_any(selector: str, codes: Iterable[str]) -> bool:
        return any(matches_selector(selector, code, "") for code in codes)


def _hint(catalog: CodeCatalog, selector: str) -> str:
    close = catalog.suggest(selector)
    listing = "`reviewbot rules` lists the codes; a selector is a code, a prefix (RB1, E7) or a family (money)"
    return f"did you mean {', '.join(close)}? {listing}" if close else listing


def check_config_selectors(config: Config) -> None:
    """Every selector of the configuration file selects something; ConfigError naming the key otherwise."""
    if not (config.select or config.ignore or config.per_file_ignores or config.severity):
        return
    catalog = CodeCatalog(config)
    where = config.source or "the configuration"
    keyed: list[tuple[str, str]] = [(f"select[{i}]", s) for i, s in enumerate(config.select)]
    keyed += [(f"ignore[{i}]", s) for i, s in enumerate(config.ignore)]
    for pattern, selectors in config.per_file_ignores:
        keyed += [(f'per-file-ignores."{pattern}"[{i}]', s) for i, s in enumerate(selectors)]
    for key, selector in keyed:
        if not catalog.is_selector(selector):
            raise ConfigError(
                f"{key} = {selector!r} in {where} matches no rule, family or tool code",
                hint=_hint(catalog, selector),
            )
    for code, _severity in config.severity:
        if not catalog.is_code(code):
            selects = catalog.is_selector(code)
            raise ConfigError(
                f"severity.{code} in {where} " + ("is a prefix or a family, not a code" if selects
                                                   else "is not a code reviewbot or its tools report"),
                hint="severity keys are exact codes: list them one by one (RB101 = \"warning\")" if selects
                else _hint(catalog, code),
            )


def check_cli_selectors(config: Config, options: Sequence[tuple[str, Sequence[str]]]) -> None:
    """`--select`/`--ignore` values each select something; UsageError naming the option otherwise."""
    catalog = CodeCatalog(config)
    for option, selectors in options:
        for selector in selectors:
            if not catalog.is_selector(selector):
                raise UsageError(
                    f"{option} {selector} matches no rule, family or tool code", hint=_hint(catalog, selector)
                )


def find_tool_rule(code: str, config: Config) -> ToolRule | None:
    """What reviewbot knows of a tool's code: ruff asks ruff; mypy, tsc and go vet from their lists."""
    from dataclasses import replace

    from reviewbot.analyzers.tools.dedupe import SAME_DEFECT
    from reviewbot.analyzers.tools.ruff import LINT_SEVERITY, PAYMENT_CODES

    ruff = _ruff_rules(config)
    upper = code.upper()
    known = ruff.get(upper) if ruff is not None else None
    if known is None and ruff is None and re.fullmatch(r"[A-Z]{1,6}[0-9]{1,4}", upper):
        known = ToolRule(upper, "ruff", url="https://docs.astral.sh/ruff/rules/")
    if known is not None:
        payment = PAYMENT_CODES.get(upper)
        return replace(
            known,
            family=payment.family.value if payment else Family.LINT.value,
            severity=(payment.severity if payment else LINT_SEVERITY).value,
            same_as=tuple(sorted(SAME_DEFECT.get(upper, ()))),
        )
    if code.lower() in MYPY_CODES:
        name = code.lower()
        return ToolRule(name, "mypy", name=name,
                        url=f"https://mypy.readthedocs.io/en/stable/error_code_list.html#code-{name}")
    if code.lower() in GO_VET_ANALYZERS:
        name = code.lower()
        return ToolRule(name, "go vet", name=name,
                        url=f"https://pkg.go.dev/golang.org/x/tools/go/analysis/passes/{name}")
    if re.fullmatch(r"TS\d+", code.upper()):
        return ToolRule(code.upper(), "tsc")
    return None
