"""The RB9xx meta rules: produced by engines and the gate rather than by a visitor."""

from __future__ import annotations

from reviewbot.core.findings import Finding, Severity, Span
from reviewbot.core.rules import Bad, Family, Good, RuleInfo

PARSE_ERROR = RuleInfo(
    code="RB901",
    name="unparsable-file",
    family=Family.META,
    severity=Severity.ERROR,
    summary="A file could not be parsed, so no rule could check it.",
    rationale=(
        "A file the parser rejects is a file the gate did not review. Reporting it keeps the "
        "gate honest: an unparsable migration or payment module must not pass silently."
    ),
    help="Fix the syntax error (the message quotes the parser), then re-run reviewbot.",
    examples=(
        Bad("def refund(amount_minor: int)\n    return amount_minor\n", line=1),
        Good("def refund(amount_minor: int) -> int:\n    return amount_minor\n"),
    ),
)

SUPPRESSION_WITHOUT_REASON = RuleInfo(
    code="RB902",
    name="suppression-without-reason",
    family=Family.META,
    severity=Severity.ERROR,
    summary="A `reviewbot: ignore[...]` comment gives no reason.",
    rationale=(
        "A suppression silences the gate for everyone who reads the code later. Without a "
        "reason, nobody can tell a deliberate exception from a shortcut taken under pressure."
    ),
    help="Add a reason after the bracket: `# reviewbot: ignore[RB301] key set by the caller`.",
    examples=(
        Bad("charge = stripe.Charge.create(amount=amount_minor)  # reviewbot: ignore[RB301]\n", line=1),
        Good(
            "charge = stripe.Charge.create(amount=amount_minor)"
            "  # reviewbot: ignore[RB301] replayed by the outbox with its stored key\n"
        ),
    ),
)

UNUSED_SUPPRESSION = RuleInfo(
    code="RB903",
    name="unused-suppression",
    family=Family.META,
    severity=Severity.WARNING,
    summary="A `reviewbot: ignore[...]` comment suppresses nothing.",
    rationale=(
        "Stale suppressions hide future findings on the same line and mislead readers about "
        "what the gate checked."
    ),
    help="Delete the comment, or fix the code it names.",
    examples=(
        Bad("total_minor = 100  # reviewbot: ignore[RB101] legacy float\n", line=1),
        Good("total_minor = 100\n"),
    ),
)

TOOL_OUTPUT = RuleInfo(
    code="RB904",
    name="unreadable-tool-output",
    family=Family.META,
    severity=Severity.ERROR,
    summary="An external tool printed something reviewbot could not read as a finding.",
    rationale=(
        "mypy prints syntax errors and crashes as plain text even in JSON mode; a line the "
        "adapter cannot parse may be the only sign that a file was never checked."
    ),
    help="Read the quoted output; fix the file or the tool's configuration it points to.",
    examples=(Bad("def capture(\n", line=1), Good("def capture() -> None: ...\n")),
)

INTERNAL_ERROR = RuleInfo(
    code="RB905",
    name="rule-crash",
    family=Family.META,
    severity=Severity.ERROR,
    summary="A reviewbot rule crashed on a file; the rest of the run went on.",
    rationale=(
        "A crash must not turn into a silent pass: the file was not fully checked, so the "
        "gate says so on that file."
    ),
    help="Report the message at the project's issue tracker; suppress RB905 on the file meanwhile.",
    examples=(Bad("", line=1), Good("amount_minor = 100\n")),
)

# A message may quote its input (a parser's complaint, a tool's line): a 1 MB unterminated string must
# not become a 1 MB message in every output.
MAX_MESSAGE_CHARS = 400


def bounded(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` cut to `limit` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


META_RULES: tuple[RuleInfo, ...] = (
    PARSE_ERROR,
    SUPPRESSION_WITHOUT_REASON,
    UNUSED_SUPPRESSION,
    TOOL_OUTPUT,
    INTERNAL_ERROR,
)


def meta_finding(
    info: RuleInfo, path: str, message: str, line: int = 1, column: int = 1, tool: str = "reviewbot"
) -> Finding:
    """An RB9xx finding at `path:line:column`, with the rule's own severity and help."""
    return Finding(
        rule=info.code,
        family=Family.META.value,
        severity=info.severity,
        path=path,
        span=Span(max(line, 1), max(column, 1)),
        message=bounded(message),
        help=info.help,
        tool=tool,
    )
