"""Migration bytes -> text: the encoding the runner will use, and a finding where it cannot decode them."""

from __future__ import annotations

import codecs
import io
import re
import tokenize

from reviewbot.analyzers.migrations.model import ParseProblem

# `SET client_encoding = 'LATIN1'` (or psql's `\encoding`) tells PostgreSQL how to read the bytes that
# follow; these are the server encodings a migration names in practice, as Python codecs.
_CLIENT_ENCODING = re.compile(
    rb"""^\s*(?:set\s+(?:session\s+)?client_encoding\s*(?:=|to)\s*['"]?|\\encoding\s+)([A-Za-z0-9_-]+)""",
    re.IGNORECASE | re.MULTILINE,
)
_PG_CODECS = {
    "utf8": "utf-8", "unicode": "utf-8", "latin1": "latin-1", "latin9": "iso8859-15", "win1252": "cp1252",
    "win1250": "cp1250", "win1251": "cp1251", "latin2": "iso8859-2", "sql_ascii": "latin-1",
}


def decode_migration(path: str, raw: bytes) -> tuple[str, ParseProblem | None]:
    """The file's text and, when its bytes do not decode, an RB901 problem (the text is still checked).

    Python modules decode as Python would import them (PEP 263 coding cookie, else UTF-8); SQL files as
    UTF-8 unless the file sets `client_encoding`, which is how PostgreSQL will read them. A byte that
    does not decode is replaced, so every statement is still checked, and the file gets RB901, because
    the runner will refuse it (Python's import) or store mangled text (PostgreSQL).
    """
    if path.endswith(".py"):
        encoding, cookie_problem = _python_encoding(raw)
        runner = "Python will not import this migration"
    else:
        encoding, cookie_problem = _sql_encoding(raw), None
        runner = "PostgreSQL rejects the file or stores mangled text"
    if cookie_problem is not None:
        return raw.decode("utf-8", errors="replace"), cookie_problem
    try:
        return raw.decode(encoding), None
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        byte = raw[err.start : err.start + 1].hex()
        name = codecs.lookup(encoding).name
        message = (
            f"not valid {name} (byte 0x{byte} on line {line}): {runner}; "
            "the file was checked with the byte replaced"
        )
        try:
            return raw.decode(encoding, errors="replace"), ParseProblem(message, line)
        except UnicodeError:  # idna and its kind refuse the "replace" handler
            return raw.decode("utf-8", errors="replace"), ParseProblem(message, line)
    except UnicodeError as err:  # idna and its kind refuse bytes without saying where
        message = f"cannot be decoded as {encoding} ({err}): {runner}; checked as UTF-8"
        return raw.decode("utf-8", errors="replace"), ParseProblem(message, 1)


def _python_encoding(raw: bytes) -> tuple[str, ParseProblem | None]:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        if not codecs.lookup(encoding)._is_text_encoding:
            raise LookupError(f"{encoding!r} is not a text encoding")
    except (SyntaxError, LookupError) as err:
        message = f"unusable coding declaration ({err}): Python will not import this migration; checked as UTF-8"
        return "utf-8", ParseProblem(message, 1)
    return encoding, None


def _sql_encoding(raw: bytes) -> str:
    if b"encoding" not in raw.lower():
        return "utf-8"  # both spellings name it; a plain search is ~10x cheaper than the pattern's
    match = _CLIENT_ENCODING.search(raw)
    if match is None:
        return "utf-8"
    name = match.group(1).decode("ascii").lower().replace("-", "")
    return _PG_CODECS.get(name, "utf-8")
