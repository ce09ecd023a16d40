"""The libcst parse floor, and parse + PositionProvider for reference: `python -m bench.parse_floor DIR [--positions]`."""

from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider


def main(argv: list[str]) -> None:
    root = Path(argv[0])
    positions = "--positions" in argv
    for path in sorted(root.rglob("*.py")):
        try:
            module = cst.parse_module(path.read_bytes())
        except (cst.ParserSyntaxError, UnicodeDecodeError):
            continue
        if positions:
            MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


if __name__ == "__main__":
    main(sys.argv[1:])
