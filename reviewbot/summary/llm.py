"""The advisory LLM summary: one model call per review, validated, sanitised, costed, never gating."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from reviewbot.clients.anthropic import (
    AnthropicCallError,
    AnthropicClient,
    MessageRequest,
    MessageResult,
    SystemBlock,
    TokenUsage,
    ToolSpec,
)
from reviewbot.config import LlmConfig
from reviewbot.core.changes import ChangeSet
from reviewbot.core.findings import Finding, Severity, Span
from reviewbot.summary.prompt import (
    CONCERN_FAMILIES,
    TOOL_DESCRIPTION,
    TOOL_NAME,
    TOOL_SCHEMA,
    LlmRequest,
    OmittedFile,
    SentFile,
    build_prompt,
    fixed_prompt_tokens,
)
from reviewbot.summary.sanitize import sanitize_text

__all__ = ["LlmOutcome", "LlmRequest", "LlmUsage", "summarize"]

MIN_PROMPT_TOKENS = 1500  # below this the PR cannot be described usefully; skip the call
MIN_CONFIDENCE = 0.5  # the prompt asks for concerns at or above this confidence
MAX_SUMMARY_CHARS = 900
MAX_ITEM_CHARS = 400
MAX_SECTION_CHARS = 6000
MAX_OMITTED_LISTED = 10
LLM_RULE = "LLM"
ADVISORY_PREFIX = "advisory (model output): "
LLM_HELP = "Written by a language model from the diff; it may be wrong and never affects the gate."

# List prices in USD per million tokens: input, output, cache write (5-minute TTL), cache read. The most
# specific prefix wins; a model not listed gets no cost estimate rather than a wrong one.
PRICES_PER_MTOK: tuple[tuple[str, tuple[Decimal, Decimal, Decimal, Decimal]], ...] = (
    ("claude-opus-4-0", (Decimal(15), Decimal(75), Decimal("18.75"), Decimal("1.50"))),
    ("claude-opus-4-1", (Decimal(15), Decimal(75), Decimal("18.75"), Decimal("1.50"))),
    ("claude-opus-4-2025", (Decimal(15), Decimal(75), Decimal("18.75"), Decimal("1.50"))),
    ("claude-opus", (Decimal(5), Decimal(25), Decimal("6.25"), Decimal("0.50"))),
    ("claude-sonnet", (Decimal(3), Decimal(15), Decimal("3.75"), Decimal("0.30"))),
    ("claude-3-7-sonnet", (Decimal(3), Decimal(15), Decimal("3.75"), Decimal("0.30"))),
    ("claude-haiku", (Decimal(1), Decimal(5), Decimal("1.25"), Decimal("0.10"))),
    ("claude-3-5-haiku", (Decimal("0.80"), Decimal(4), Decimal(1), Decimal("0.08"))),
)


@dataclass(frozen=True, slots=True)
class LlmUsage:
    """Tokens of the one call, and its estimated cost in integer micro-dollars (None: no price known)."""

    model: str
    tokens: TokenUsage
    cost_micro_usd: int | None
    attempts: int

    @property
    def cost_usd(self) -> Decimal | None:
        return None if self.cost_micro_usd is None else Decimal(self.cost_micro_usd) / Decimal(1_000_000)

    def footer(self) -> str:
        """One line for the summary: model, tokens by kind, estimated cost."""
        t = self.tokens
        cost = f"est. ${self.cost_usd:.4f}" if self.cost_usd is not None else "cost not estimated"
        return (
            f"{self.model} · {t.input_tokens:,} input, {t.cache_creation_input_tokens:,} cache-write, "
            f"{t.cache_read_input_tokens:,} cache-read, {t.output_tokens:,} output tokens · {cost}"
        )


@dataclass(frozen=True, slots=True)
class LlmOutcome:
    """What the review posts from the model: a section, advisory findings, a note, usage. Never a verdict."""

    status: str  # "ok", "off" (no key), "skipped" (budget/nothing to send), "failed" (fell back)
    section: str | None = None  # sanitised Markdown for render_summary(llm_section=...)
    findings: tuple[Finding, ...] = ()  # severity info, tool "llm", on changed lines, never blocking
    note: str | None = None  # one line for the summary's notes when the model did not help
    usage: LlmUsage | None = None
    omitted: tuple[OmittedFile, ...] = ()
    dropped_concerns: int = 0
    redactions: int = 0

    def stats(self) -> dict[str, object]:
        """The `llm` entry of the JSON stats: status, tokens, cost in micro-dollars, what was withheld."""
        data: dict[str, object] = {"status": self.status}
        if self.usage is not None:
            t = self.usage.tokens
            data |= {
                "model": self.usage.model,
                "attempts": self.usage.attempts,
                "input_tokens": t.input_tokens,
                "output_tokens": t.output_tokens,
                "cache_creation_input_tokens": t.cache_creation_input_tokens,
                "cache_read_input_tokens": t.cache_read_input_tokens,
                "cost_micro_usd": self.usage.cost_micro_usd,
            }
        data |= {
            "concerns": len(self.findings),
            "dropped_concerns": self.dropped_concerns,
            "files_omitted": len(self.omitted),
            "redactions": self.redactions,
        }
        return data


def summarize(request: LlmRequest, config: LlmConfig, client: AnthropicClient | None) -> LlmOutcome:
    """At most one model call; any failure yields the deterministic summary's note, never an exception."""
    if client is None:
        return LlmOutcome("off")
    budget = min(config.budget_tokens, config.hard_cap_tokens - config.max_tokens - fixed_prompt_tokens())
    if budget < MIN_PROMPT_TOKENS:
        return LlmOutcome("skipped", note=(
            f"LLM summary skipped: hard-cap-tokens {config.hard_cap_tokens} leaves {max(budget, 0)} tokens "
            f"for the pull request (at least {MIN_PROMPT_TOKENS} needed)"
        ))
    prompt = build_prompt(request, budget)
    if not prompt.sent:
        return LlmOutcome("skipped", note="LLM summary skipped: no reviewable hunks to send",
                          omitted=prompt.omitted, redactions=prompt.redactions)
    message = MessageRequest(
        model=config.model,
        max_tokens=config.max_tokens,
        system=(SystemBlock(prompt.system, cache=True),),
        user=prompt.user,
        tool=ToolSpec(TOOL_NAME, TOOL_DESCRIPTION, TOOL_SCHEMA),
    )
    try:
        result = client.create_message(message)
    except AnthropicCallError as err:
        return LlmOutcome("failed", note=f"LLM summary unavailable: {err.message}; deterministic summary only",
                          omitted=prompt.omitted, redactions=prompt.redactions)
    usage = LlmUsage(result.model or config.model, result.usage, estimate_cost_micro_usd(
        result.model or config.model, result.usage), result.attempts)
    answer, problem = _answer(result)
    if answer is None:
        failed = f"LLM summary unavailable: {problem}; deterministic summary only ({usage.footer()})"
        return LlmOutcome("failed", note=failed, usage=usage, omitted=prompt.omitted, redactions=prompt.redactions)
    findings, dropped = advisory_findings(answer, request.changes, request.findings, prompt.sent,
                                          config.max_concerns)
    section = render_section(answer, findings, dropped, usage, prompt.omitted)
    note: str | None = None
    if result.usage.total > config.hard_cap_tokens:
        note = f"LLM call used {result.usage.total:,} tokens, above hard-cap-tokens {config.hard_cap_tokens:,}"
    return LlmOutcome("ok", section, findings, note, usage, prompt.omitted, dropped, prompt.redactions)


def estimate_cost_micro_usd(model: str, usage: TokenUsage) -> int | None:
    """Integer micro-dollars, rounded up: tokens times USD per million tokens is micro-dollars exactly."""
    for prefix, prices in PRICES_PER_MTOK:
        if model.startswith(prefix):
            counts = (usage.input_tokens, usage.output_tokens, usage.cache_creation_input_tokens,
                      usage.cache_read_input_tokens)
            total = sum((Decimal(n) * price for n, price in zip(counts, prices, strict=True)), Decimal(0))
            return int(total.to_integral_value(rounding=ROUND_CEILING))
    return None


def _answer(result: MessageResult) -> tuple[ReviewAnswer | None, str]:
    if result.stop_reason == "refusal":
        return None, "the model declined to review this change"
    if result.tool_input is None:
        return None, f"the model answered without the {TOOL_NAME} tool (stop reason {result.stop_reason or 'none'})"
    if result.stop_reason == "max_tokens":
        return None, "the model's answer was cut off at max-tokens"
    answer = parse_answer(result.tool_input)
    if isinstance(answer, str):
        return None, f"the model's answer did not match the schema ({answer})"
    return answer, ""


def advisory_findings(
    answer: ReviewAnswer, changes: ChangeSet, gate_findings: Sequence[Finding], sent: Sequence[SentFile],
    max_concerns: int,
) -> tuple[tuple[Finding, ...], int]:
    """The model's concerns that sit on changed lines of files it was shown, as non-blocking findings."""
    shown = {s.path: s.lines for s in sent}
    taken = {(f.path, f.line, f.family) for f in gate_findings}
    findings: list[Finding] = []
    dropped = 0
    for concern in sorted(answer.concerns, key=lambda c: -c.confidence):
        change = changes.get(concern.path)
        in_diff = (
            change is not None
            and concern.path in shown
            and concern.line <= shown[concern.path]
            and change.is_line_in_hunk(concern.line)
        )
        key = (concern.path, concern.line, concern.family)
        message = sanitize_text(concern.explanation, MAX_ITEM_CHARS)
        if (not in_diff or key in taken or concern.confidence < MIN_CONFIDENCE or not message
                or len(findings) >= max_concerns):
            dropped += 1
            continue
        taken.add(key)
        digest = hashlib.sha256(f"llm|{concern.path}|{concern.line}|{concern.family}".encode()).hexdigest()
        findings.append(Finding(
            rule=LLM_RULE, family=concern.family, severity=Severity.INFO, path=concern.path,
            span=Span(concern.line), message=ADVISORY_PREFIX + message, help=LLM_HELP,
            tool="llm", fingerprint=digest[:16], in_diff=True, blocking=False,
        ))
    return tuple(sorted(findings, key=lambda f: f.sort_key)), dropped


def render_section(
    answer: ReviewAnswer, findings: Sequence[Finding], dropped: int, usage: LlmUsage,
    omitted: Sequence[OmittedFile],
) -> str:
    """The sanitised Markdown under the deterministic summary's "Advisory notes (LLM)" heading."""
    lines = [f"**What this PR does.** {sanitize_text(answer.summary, MAX_SUMMARY_CHARS)}", ""]
    reasons = [r for r in (sanitize_text(r, MAX_ITEM_CHARS) for r in answer.reasons) if r]
    lines.append(f"**Money risk: {answer.risk}.**" + (" " + "; ".join(reasons) if reasons else ""))
    if findings:
        lines += ["", "**Concerns on changed lines** (model output, not checked by rules):"]
        lines += [f"- {_code(f'{f.path}:{f.line}')} ({f.family}) {f.message.removeprefix(ADVISORY_PREFIX)}"
                  for f in findings]
    if dropped:
        lines += ["", f"_{dropped} further model concern(s) dropped: off the changed lines, duplicates, "
                      "low confidence or over the limit._"]
    questions = [q for q in (sanitize_text(q, MAX_ITEM_CHARS) for q in answer.questions) if q]
    if questions:
        lines += ["", "**Questions for the author:**"]
        lines += [f"- {q}" for q in questions]
    body = "\n".join(lines)
    if len(body) > MAX_SECTION_CHARS:
        body = body[:MAX_SECTION_CHARS].rsplit("\n", 1)[0] + "\n- …"
    footer = [usage.footer()]
    if omitted:
        names = ", ".join(f"{_code(o.path)} ({o.reason})" for o in omitted[:MAX_OMITTED_LISTED])
        more = len(omitted) - MAX_OMITTED_LISTED
        footer.append("not sent: " + names + (f" and {more} more" if more > 0 else ""))
    return body + "\n\n_" + " · ".join(footer) + "_"


def _code(path: str) -> str:
    # File names are chosen by the PR's author: a code span keeps them inert, so it must stay closed.
    return "`" + "".join(ch if ch.isprintable() else " " for ch in path).replace("`", "'") + "`"


@dataclass(frozen=True, slots=True)
class Concern:
    path: str
    line: int
    family: str
    explanation: str
    confidence: float  # the model's own 0-1 estimate; only compared with MIN_CONFIDENCE


@dataclass(frozen=True, slots=True)
class ReviewAnswer:
    """The record_review tool input, validated."""

    summary: str
    risk: str
    reasons: tuple[str, ...]
    concerns: tuple[Concern, ...]
    questions: tuple[str, ...]


def parse_answer(data: Mapping[str, object]) -> ReviewAnswer | str:
    """The validated answer, or what is wrong with it (then the whole answer is discarded)."""
    try:
        _keys(data, {"summary", "risk", "concerns", "questions"}, "answer")
        risk = _object(data["risk"], "risk")
        _keys(risk, {"level", "reasons"}, "risk")
        level = _string(risk["level"], "risk.level")
        if level not in ("low", "medium", "high"):
            raise _Invalid(f"risk.level {level[:20]!r} is not low, medium or high")
        concerns = []
        for index, item in enumerate(_list(data["concerns"], "concerns")):
            where = f"concerns[{index}]"
            concern = _object(item, where)
            _keys(concern, {"path", "line", "family", "explanation", "confidence"}, where)
            line, confidence = concern["line"], concern["confidence"]
            if isinstance(line, bool) or not isinstance(line, int) or line < 1:
                raise _Invalid(f"{where}.line is not a positive integer")
            if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
                raise _Invalid(f"{where}.confidence is not a number from 0 to 1")
            family = _string(concern["family"], f"{where}.family")
            if family not in CONCERN_FAMILIES:
                raise _Invalid(f"{where}.family {family[:20]!r} is not a rule family")
            concerns.append(Concern(_string(concern["path"], f"{where}.path"), line, family,
                                    _string(concern["explanation"], f"{where}.explanation"), float(confidence)))
        summary = _string(data["summary"], "summary")
        if not summary.strip():
            raise _Invalid("summary is empty")
        return ReviewAnswer(
            summary, level, tuple(_string(r, "risk.reasons[]") for r in _list(risk["reasons"], "risk.reasons")),
            tuple(concerns), tuple(_string(q, "questions[]") for q in _list(data["questions"], "questions")),
        )
    except _Invalid as err:
        return str(err)


class _Invalid(Exception):
    """One schema violation in the model's answer."""


def _keys(data: Mapping[str, object], expected: set[str], where: str) -> None:
    missing, extra = expected - set(data), set(data) - expected
    if missing:
        raise _Invalid(f"{where} lacks {', '.join(sorted(missing))}")
    if extra:
        raise _Invalid(f"{where} has unexpected keys {', '.join(sorted(k[:20] for k in extra))}")


def _object(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise _Invalid(f"{where} is not an object")
    return value


def _list(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise _Invalid(f"{where} is not a list")
    return value


def _string(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"{where} is not a string")
    return value
