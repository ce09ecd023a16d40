"""The libcst parse floor, and parse + positions: `python -m bench.parse_floor DIR [--positions | --node-positions]`.

`--positions`: libcst's MetadataWrapper + PositionProvider; `--node-positions`: reviewbot's one-pass equivalent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider


def main(argv: list[str]) -> None:
    root = Path(argv[0])
    positions = "--positions" in argv
    ours = "--node-positions" in argv
    if ours:
        from reviewbot.analyzers.python.positions import node_positions
    for path in sorted(root.rglob("*.py")):
        try:
            module = cst.parse_module(path.read_bytes())
        except (cst.ParserSyntaxError, UnicodeDecodeError):
            continue
        if positions:
            MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        elif ours:
            node_positions(module)


if __name__ == "__main__":
    main(sys.argv[1:])
