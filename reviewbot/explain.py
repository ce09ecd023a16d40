"""The one renderer of rule docs: `explain`, `rules`, SARIF help and comment footers use it."""

from __future__ import annotations

import difflib
import json
import textwrap
from collections.abc import Iterable

from reviewbot.analyzers.codes import ToolRule, find_tool_rule, rules_covering
from reviewbot.analyzers.codes import (
    all_rules as all_rules,  # re-exported: explain is where rule docs are read
)
from reviewbot.config import Config
from reviewbot.core.rules import Bad, FixSafety, Good, RuleInfo
from reviewbot.errors import UsageError


def rule_index(codes: Iterable[str] | None = None) -> dict[str, RuleInfo]:
    """code -> RuleInfo of every rule; given `codes`, registries load only until all of them are known."""
    if codes is None:
        return {r.code: r for r in all_rules()}
    return rules_covering(codes)


def find_rule(code: str) -> RuleInfo:
    """The rule with this code or name; UsageError naming the nearest codes otherwise."""
    wanted = code.strip()
    rules = all_rules()
    for rule in rules:
        if rule.code.upper() == wanted.upper() or rule.name == wanted.lower():
            return rule
    close = nearest_codes(wanted, [r.code for r in rules])
    close += [c for c in difflib.get_close_matches(wanted.lower(), [r.name for r in rules], n=3) if c not in close]
    hint = f"nearest: {', '.join(close[:3])}" if close else "run `reviewbot rules` to list every code"
    raise UsageError(f"unknown rule {code!r}", hint=hint)


def nearest_codes(wanted: str, codes: list[str]) -> list[str]:
    """Codes sharing the longest prefix with `wanted`, numerically closest first (RB9999 -> RB9xx)."""
    target = wanted.upper()
    typo = target[:2] + target[2:].replace("O", "0").replace("I", "1").replace("L", "1")  # letters for digits
    if typo != target and typo in codes:
        return [typo]
    if not target.startswith("RB") or len(target) < 3:
        return difflib.get_close_matches(target, codes, n=3, cutoff=0.6)

    def shared(code: str) -> int:
        n = 0
        while n < min(len(code), len(target)) and code[n] == target[n]:
            n += 1
        return n

    best = max((shared(c) for c in codes), default=0)
    if best < 3:
        return []
    digits = int("".join(ch for ch in target[2:] if ch.isdigit())[:3].ljust(3, "0") or 0)
    pool = [c for c in codes if shared(c) == best and c[2:].isdigit()]
    return sorted(pool, key=lambda c: abs(int(c[2:]) - digits))[:3]


def fix_label(rule: RuleInfo) -> str:
    if rule.fix_safety is FixSafety.SAFE:
        return "safe fix"
    if rule.fix_safety is FixSafety.UNSAFE:
        return "suggested fix"
    return "no fix"


def _example_lang(rule: RuleInfo) -> str:
    return {"python": "python", "sql": "sql", "typescript": "typescript", "go": "go"}.get(rule.language, "")


def render_text(rule: RuleInfo) -> str:
    lines = [f"{rule.code} {rule.name}", f"family: {rule.family.value} · severity: {rule.severity.value} · {fix_label(rule)}"]
    if rule.tool != "reviewbot":
        lines[-1] += f" · runs in {rule.tool} ({rule.language})"
    if rule.retired:
        lines.append("RETIRED: this rule no longer runs; its code is never reused.")
    lines += ["", rule.summary, "", "Why:", *_indent(rule.rationale)]
    if rule.lock:
        lines += ["", "Lock:", *_indent(rule.lock)]
    if rule.postgres:
        lines += ["", "PostgreSQL:", *_indent(rule.postgres)]
    if rule.evidence:
        lines += ["", "Confidence (only high blocks by default; see min-confidence):"]
        for ev in rule.evidence:
            lines += _indent(f"{ev.level.value}: {ev.text}")
    for bad in rule.bad_examples:
        label = f"Example ({bad.confidence.value} confidence):" if bad.confidence else "Example:"
        lines += ["", label, *_indent_code(bad.code)]
        if bad.fixed is not None:
            lines += ["Fixed:", *_indent_code(bad.fixed)]
    for good in rule.good_examples:
        lines += ["", "Instead:", *_indent_code(good.code)]
    lines += ["", "Fix:", *_indent(rule.help)]
    if rule.options:
        lines += ["", "Options: " + ", ".join(rule.options)]
    if rule.references:
        lines += ["", "References:", *("  " + r for r in rule.references)]
    return "\n".join(lines) + "\n"


def render_markdown(rule: RuleInfo, heading: str = "##") -> str:
    lang = _example_lang(rule)
    out = [
        f"{heading} {rule.code} {rule.name}",
        "",
        f"*family* `{rule.family.value}` · *severity* `{rule.severity.value}` · {fix_label(rule)}",
        "",
        rule.summary,
        "",
        "**Why.** " + rule.rationale,
    ]
    if rule.lock:
        out += ["", "**Lock.** " + rule.lock]
    if rule.evidence:
        out += ["", "**Confidence.**", ""]
        out += [f"- *{ev.level.value}*: {ev.text}" for ev in rule.evidence]
    for bad in rule.bad_examples:
        label = f"**Example** ({bad.confidence.value} confidence)" if bad.confidence else "**Example**"
        out += ["", label, "", f"```{lang}", example_code(bad.code), "```"]
    for good in rule.good_examples:
        out += ["", "**Instead**", "", f"```{lang}", example_code(good.code), "```"]
    out += ["", "**Fix.** " + rule.help]
    if rule.references:
        out += ["", "References: " + ", ".join(f"<{r}>" for r in rule.references)]
    return "\n".join(out) + "\n"


def rule_json(rule: RuleInfo) -> dict[str, object]:
    return {
        "code": rule.code,
        "name": rule.name,
        "family": rule.family.value,
        "severity": rule.severity.value,
        "fix": rule.fix_safety.value,
        "tool": rule.tool,
        "language": rule.language,
        "summary": rule.summary,
        "rationale": rule.rationale,
        "help": rule.help,
        "lock": rule.lock,
        "postgres": rule.postgres,
        "options": list(rule.options),
        "references": list(rule.references),
        "evidence": [{"confidence": ev.level.value, "evidence": ev.text} for ev in rule.evidence],
        "examples": [_example_json(e) for e in rule.examples],
        "retired": rule.retired,
    }


def _example_json(example: Bad | Good) -> dict[str, object]:
    if isinstance(example, Bad):
        return {
            "kind": "bad",
            "code": example.code,
            "line": example.line,
            "fixed": example.fixed,
            "confidence": example.confidence.value if example.confidence else None,
        }
    return {"kind": "good", "code": example.code}


def explain_code(code: str, fmt: str, config: Config | None = None) -> str:
    """`reviewbot explain CODE`: one of our rules, or what we know of a tool code we report (E722, arg-type)."""
    try:
        return render_rule(find_rule(code), fmt)
    except UsageError:
        tool_rule = find_tool_rule(code.strip(), config or Config())
        if tool_rule is None:
            raise
    return render_tool_rule(tool_rule, fmt)


def render_tool_rule(rule: ToolRule, fmt: str) -> str:
    """A tool's code: the tool, the family and severity reviewbot gives it, our twin rule, where to read more."""
    title = rule.code if rule.name in ("", rule.code) else f"{rule.code} {rule.name}"
    facts = f"reported by {rule.tool} · family: {rule.family} · severity: {rule.severity}"
    twin = (f"reviewbot's {', '.join(rule.same_as)} reports the same defect; where both fire, only "
            f"{'it' if len(rule.same_as) == 1 else 'they'} is shown") if rule.same_as else ""
    if fmt == "json":
        return json.dumps({
            "code": rule.code, "name": rule.name, "tool": rule.tool, "family": rule.family,
            "severity": rule.severity, "summary": rule.summary, "explanation": rule.explanation,
            "url": rule.url, "same_as": list(rule.same_as),
        }, indent=2) + "\n"
    if fmt == "markdown":
        out = [f"## {title}", "", f"*{facts}*"]
        out += ["", twin + "."] if twin else []
        out += ["", rule.summary] if rule.summary else []
        out += ["", rule.explanation.strip()] if rule.explanation else []
        out += ["", f"More: <{rule.url}>"] if rule.url else []
        return "\n".join(out) + "\n"
    lines = [title, facts]
    if rule.summary:
        lines += ["", rule.summary]
    if twin:
        lines += ["", *_indent(twin + ".")]
    if rule.explanation:
        lines += ["", *rule.explanation.strip().splitlines()]
    lines += ["", f"More: {rule.url}"] if rule.url else []
    lines += ["", f"reviewbot reports {rule.tool}'s findings under its own code; `[tool.reviewbot.severity] "
              f"{rule.code} = \"error\"` changes the severity, `--ignore {rule.code}` drops it."]
    return "\n".join(lines) + "\n"


def render_rule(rule: RuleInfo, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rule_json(rule), indent=2) + "\n"
    if fmt == "markdown":
        return render_markdown(rule)
    return render_text(rule)


def render_rules_table(rules: Iterable[RuleInfo], fmt: str) -> str:
    rules = list(rules)
    if fmt == "json":
        return json.dumps([rule_json(r) for r in rules], indent=2) + "\n"
    if fmt == "markdown":
        rows = ["| code | name | family | severity | fix | summary |", "|---|---|---|---|---|---|"]
        for r in rules:
            where = "" if r.tool == "reviewbot" else f" ({r.language}, {r.tool})"
            if r.tool == "reviewbot" and r.language in ("typescript", "go"):
                where = f" ({r.language})"
            if r.retired:
                where += " — retired"
            summary = r.summary.replace("|", "\\|")
            rows.append(f"| {r.code} | `{r.name}` | {r.family.value} | {r.severity.value} | {fix_label(r)} | {summary}{where} |")
        return "\n".join(rows) + "\n"
    width = max((len(r.name) for r in rules), default=10)
    code_width = max((len(r.code) for r in rules), default=5)
    header = f"{'code':<{code_width}}  {'name':<{width}}  {'family':<12} {'severity':<8} fix"
    lines = [f"{r.code:<{code_width}}  {r.name:<{width}}  {r.family.value:<12} {r.severity.value:<8} {fix_label(r)}"
             + (f"  ({r.language})" if r.language in ("typescript", "go") else "") + ("  retired" if r.retired else "")
             for r in rules]
    return "\n".join([header, *lines]) + "\n"


def help_markdown(rule: RuleInfo) -> str:
    """The short help used in SARIF `help.markdown` and GitHub comment footers."""
    return f"**{rule.code} {rule.name}** — {rule.summary}\n\n{rule.rationale}\n\n**Fix:** {rule.help}\n"


def _indent(text: str) -> list[str]:
    return textwrap.wrap(text, width=88, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False) or ["  "]


def example_code(code: str) -> str:
    """An example as written in a rule (often an indented triple-quoted string), dedented for display."""
    return textwrap.dedent(code).strip("\n")


def _indent_code(code: str) -> list[str]:
    return ["    " + line if line else "" for line in example_code(code).splitlines()]
