"""Positions equal libcst's MetadataWrapper + PositionProvider: every node from one code generation pass,
and the reported nodes alone from their statements' code."""

from __future__ import annotations

import random
import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from reviewbot.analyzers.python.names import iter_descendants
from reviewbot.analyzers.python.positions import (
    _report_positions,
    _Unplaced,
    node_positions,
    report_positions,
)

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


# ------------------------------------------------ positions of the reported nodes only (issue #18)


def _assert_reported_positions_match(path: Path, sample: int) -> int:
    """Each of `sample` random nodes alone, and groups of them, get exactly the provider's range from
    report_positions, which generated only their statements' code (no fallback to the whole module)."""
    source = path.read_bytes()
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        return 0
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = list(iter_descendants(module))
    rng = random.Random(path.name)
    chosen = rng.sample(nodes, min(sample, len(nodes)))
    for node in chosen:
        got = _report_positions(module, source, {node})  # raises _Unplaced instead of falling back
        assert got == {node: expected[node]}, f"{path}: {type(node).__name__}"
    for size in (3, 20):
        group = set(rng.sample(nodes, min(size, len(nodes))))
        got = _report_positions(module, source, group)
        assert got == {node: expected[node] for node in group}, path
    return len(chosen)


def test_reported_nodes_get_the_providers_positions_in_the_fixtures():
    assert sum(_assert_reported_positions_match(path, 60) for path in FIXTURES) > 1_500


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_reported_nodes_get_the_providers_positions_in_real_code(path):
    _assert_reported_positions_match(path, 40)


@pytest.mark.parametrize(
    "source",
    [
        # every block kind between the module and the node: elif, else, except, finally, match, async
        b"async def f(x):\n    if x:\n        pass\n    elif x > 1:\n        y = 1; z = 2\n    else:\n"
        b"        try:\n            pass\n        except ValueError as e:\n            raise\n"
        b"        else:\n            pass\n        finally:\n            x = 3\n"
        b"    match x:\n        case 1:\n            async with a as b:\n                async for i in b:\n"
        b"                    await i\n    while x:\n        break\n    else:\n        return x\n",
        # decorators spanning lines, comments and blank lines before statements, a tab-indented block
        b"@decorate(\n    1,\n)\n# comment\n\nclass C:\n\tdef m(self):\n\t\treturn (\n\t\t\t1 +\n\t\t\t2)\n",
        # a statement continued with a backslash, and a one-line suite
        b"x = 1 + \\\n    2\nif x: y = 3; z = 4\n",
        # try/except* (3.11)
        b"try:\n    pass\nexcept* ValueError:\n    total = 1\n",
    ],
)
def test_reported_positions_in_every_kind_of_block(source):
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    for node in iter_descendants(module):
        assert _report_positions(module, source, {node}) == {node: expected[node]}, type(node).__name__


@pytest.mark.parametrize(
    "source",
    [
        b"x = 1\r    \ry = 2\rz = (1 +\n 2)\n",  # lone CRs: CPython numbers lines differently
        b"def f[T](x: T) -> T:\n    return x\n",  # syntax newer than the running Python's ast
    ],
)
def test_what_cannot_be_placed_with_certainty_falls_back_to_the_whole_module(source):
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = list(iter_descendants(module))
    with pytest.raises((_Unplaced, SyntaxError)):  # the fast path refuses; the fallback answers
        _report_positions(module, source, set(nodes))
    assert report_positions(module, source, nodes) == {node: expected[node] for node in nodes}
