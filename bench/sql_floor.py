"""The bare pglast parse of SQL files, the floor under any SQL linter: `python -m bench.sql_floor FILE…`.

Prints how many files parse and how many statements they hold (nothing else: no runner, no rules).
"""

from __future__ import annotations

import sys
from pathlib import Path

from pglast import parse_sql
from pglast.parser import ParseError


def parse_files(paths: list[Path]) -> tuple[int, int, int]:
    """Read and parse every file with pglast.parse_sql: (files parsed, files not, statements)."""
    parsed = failed = statements = 0
    for path in paths:
        try:
            statements += len(parse_sql(path.read_text(encoding="utf-8", errors="replace")))
            parsed += 1
        except ParseError:
            failed += 1
    return parsed, failed, statements


def main(argv: list[str]) -> None:
    parsed, failed, statements = parse_files([Path(name) for name in argv])
    print(f"{parsed} files parsed, {failed} not, {statements} statements")


if __name__ == "__main__":
    main(sys.argv[1:])
