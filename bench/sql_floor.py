"""The bare pglast parse of SQL files, the floor under any SQL linter: `python -m bench.sql_floor FILE…`.

Prints how many files parse and how many statements they hold (nothing else: no runner, no rules).
"""

from __future__ import annotations

import sys
from pathlib import Path

from pglast import parse_sql
from pglast.parser import ParseError


def main(argv: list[str]) -> None:
    parsed = failed = statements = 0
    for name in argv:
        try:
            statements += len(parse_sql(Path(name).read_text(encoding="utf-8", errors="replace")))
            parsed += 1
        except ParseError:
            failed += 1
    print(f"{parsed} files parsed, {failed} not, {statements} statements")


if __name__ == "__main__":
    main(sys.argv[1:])
