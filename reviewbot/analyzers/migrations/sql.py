"""SQL text -> Operations, with pglast (libpg_query, the real PostgreSQL parser); one line per statement."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace

from pglast.parser import ParseError, split

from reviewbot.analyzers.migrations.model import Operation, ParseProblem
from reviewbot.analyzers.migrations.pgjson import CharOffsets, Fields, parse_statements
from reviewbot.analyzers.migrations.plpgsql import body_statements, do_body
from reviewbot.analyzers.migrations.statements import statement_operations


@dataclass(frozen=True, slots=True)
class SqlResult:
    operations: tuple[Operation, ...]
    problems: tuple[ParseProblem, ...] = ()
    statements: int = 0

    @property
    def problem(self) -> ParseProblem | None:
        return self.problems[0] if self.problems else None


TOO_DEEP = "too deeply nested to analyse"
_IDENTIFIER_ASCII = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_$")


class LineIndex:
    """Character offset -> 1-based line (pglast reports character offsets, not bytes)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        # str.find runs in C; a Python loop over every character cost more than the parse (issue #18).
        newline = text.find("\n")
        while newline >= 0:
            self.starts.append(newline + 1)
            newline = text.find("\n", newline + 1)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def skip_trivia(text: str, pos: int, end: int) -> int:
    """The first offset at or after `pos` that is not whitespace or a SQL comment."""
    while pos < end:
        if text[pos].isspace():
            pos += 1
        elif text.startswith("--", pos):
            newline = text.find("\n", pos)
            pos = end if newline < 0 else newline + 1
        elif text.startswith("/*", pos):
            close = text.find("*/", pos + 2)
            pos = end if close < 0 else close + 2
        else:
            break
    return pos


def parse_sql_operations(text: str, first_line: int = 1, *, whole: bool = True, literals: bool = True) -> SqlResult:
    """Every statement's operations; `first_line` is the file line of the text's first line.

    A statement too deeply nested to analyse is RB901 on its own: the file's other statements, split
    by PostgreSQL's scanner, are still checked (`whole` is False for those single statements).
    `literals` False leaves every `Operation.string_literals` empty: pass `may_add_enum_value(text)` for a
    text that is a whole migration.
    """
    index = LineIndex(text)
    problems: list[ParseProblem] = []
    nul = text.find("\x00")
    if nul >= 0:
        # libpg_query reads a C string: without this, a NUL would silently end the file there.
        problems.append(ParseProblem(
            "NUL byte in SQL text: PostgreSQL rejects it; the rest of the file was checked as if it were a space",
            index.line_of(nul) + first_line - 1,
        ))
        text = text.replace("\x00", " ")
    try:
        statements = parse_statements(text)
    except ParseError as err:
        message = str(err.args[0]) if err.args else str(err)
        offset = err.args[1] if len(err.args) > 1 and isinstance(err.args[1], int) else 0
        line = index.line_of(offset)
        if "stack depth" in message or "memory exhausted" in message:
            if whole:
                return _statement_by_statement(text, index, first_line, problems, literals)
            problems.append(ParseProblem(f"SQL statement {TOO_DEEP} ({message})", line + first_line - 1))
        else:
            problems.append(ParseProblem(f"cannot parse SQL: {message}", line + first_line - 1))
        return SqlResult((), tuple(problems))
    ops: list[Operation] = []
    for ordinal, raw in enumerate(statements, start=1):
        start = raw.location
        length = raw.length or (len(text) - start)
        end = start + length
        begin = skip_trivia(text, start, end)
        stop = end
        while stop > begin and (text[stop - 1].isspace() or text[stop - 1] == ";"):
            stop -= 1
        line = index.line_of(begin) + first_line - 1
        end_line = index.line_of(max(stop - 1, begin)) + first_line - 1
        if not raw.tag:
            continue
        key = (line, ordinal)
        ops.extend(statement_operations(raw.tag, raw.node, line, end_line, key, literals=literals))
        if raw.tag == "DoStmt":
            inner_ops, inner_problems = do_block_operations(raw.node, index, first_line, key, raw.offsets, literals)
            ops.extend(inner_ops)
            problems.extend(inner_problems)
    return SqlResult(tuple(ops), tuple(problems), statements=len(statements))


def may_add_enum_value(text: str) -> bool:
    """Whether the SQL text can hold `ALTER TYPE … ADD VALUE` (the keyword VALUE appears as a token).

    Operations' string literals are read by one rule only (RB415: a new enum value used in the
    transaction that adds it), and walking every statement's whole tree for them cost up to a sixth of
    the pass. No text without the word can add an enum value: a keyword is never split or escaped, and
    an EXECUTE string inside a DO block is in the text too.
    """
    lowered = text.lower()
    start = lowered.find("value")
    while start >= 0:
        end = start + len("value")
        # VALUE is the keyword only where neither neighbour continues an identifier ("values", "my_value")
        if not (start and _is_identifier_char(lowered[start - 1])) and not (
                end < len(lowered) and _is_identifier_char(lowered[end])):
            return True
        start = lowered.find("value", end)
    return False


def _is_identifier_char(char: str) -> bool:
    """PostgreSQL's scanner (scan.l, ident_cont): letters, digits, `_`, `$`, and every non-ASCII character."""
    return char in _IDENTIFIER_ASCII or ord(char) >= 0x80


def _statement_by_statement(
    text: str, index: LineIndex, first_line: int, problems: list[ParseProblem], literals: bool
) -> SqlResult:
    ops: list[Operation] = []
    count = 0
    for piece in split(text, with_parser=False, only_slices=True):
        start = piece.start or 0
        result = parse_sql_operations(text[piece], index.line_of(start) + first_line - 1, whole=False,
                                      literals=literals)
        ops.extend(result.operations)
        problems.extend(result.problems)
        count += result.statements
    return SqlResult(tuple(ops), tuple(problems), statements=count)


def do_block_operations(
    stmt: Fields, index: LineIndex, first_line: int, key: tuple[int, int], offsets: CharOffsets, literals: bool
) -> tuple[list[Operation], list[ParseProblem]]:
    """The operations of the SQL a DO block runs, on their own lines, as one statement's."""
    found = do_body(stmt)
    if found is None:
        return [], []
    body, offset = found
    body_line = index.line_of(offsets.char_index(offset)) + first_line - 1
    try:
        inner = body_statements(body)
    except ParseError:
        # PostgreSQL parsed the DO statement; its body is checked only when DO runs. What we cannot
        # read here is left to that check (the statement itself was parsed, so this is not RB901).
        return [], []
    except RecursionError:
        return [], [ParseProblem(f"DO block {TOO_DEEP}", body_line)]
    ops: list[Operation] = []
    problems: list[ParseProblem] = []
    for statement in inner:
        line = body_line + statement.line - 1
        # A dynamic EXECUTE string is reported on the EXECUTE line: its own lines are not the file's.
        result = parse_sql_operations(statement.sql, first_line=line, literals=literals)
        problems.extend(p for p in result.problems if TOO_DEEP in p.message)
        for op in result.operations:
            if statement.dynamic:
                op = replace(op, line=line, end_line=line)
            ops.append(replace(op, statement=key, in_do_block=True))
    return ops, problems
