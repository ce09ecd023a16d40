"""Positions come from one code generation pass, and equal libcst's MetadataWrapper + PositionProvider."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from reviewbot.analyzers.python.engine import node_positions

REPO_ROOT = Path(__file__).resolve().parents[3]
PRETIX = Path("/work/corpora/pretix")


def _sample(root: Path, every: int, limit: int) -> list[Path]:
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    return files[::every][:limit]


FIXTURES = sorted((REPO_ROOT / "fixtures").rglob("*.py"))
# Real code nobody here wrote: the standard library is always there; the pretix corpus where it is.
REAL = _sample(Path(sysconfig.get_paths()["stdlib"]), 25, 60) + (_sample(PRETIX, 15, 80) if PRETIX.is_dir() else [])


def _assert_same_positions(path: Path) -> int:
    try:
        module = cst.parse_module(path.read_bytes())
    except cst.ParserSyntaxError:
        return 0  # a file libcst cannot parse has no positions either way
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    got = node_positions(module)
    assert got.keys() == expected.keys(), path
    mismatched = [node for node in expected if got[node] != expected[node]]
    assert not mismatched, f"{path}: {type(mismatched[0]).__name__} {got[mismatched[0]]} != {expected[mismatched[0]]}"
    return len(expected)


def test_the_fixtures_have_the_same_positions_as_libcsts_provider():
    assert len(FIXTURES) >= 20
    assert sum(_assert_same_positions(path) for path in FIXTURES) > 10_000


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_code_has_the_same_positions_as_libcsts_provider(path):
    _assert_same_positions(path)


def test_line_breaks_of_every_kind_move_positions_the_same_way():
    source = b"def refund(amount_cents):\r\n    fee = 30\r    return (amount_cents\n        - fee)  # cents\r\n"
    module = cst.parse_module(source)
    assert node_positions(module) == dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))
