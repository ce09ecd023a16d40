"""Exclude and test-path globs: the compiled matcher answers exactly as a glob match per pattern."""

from __future__ import annotations

import random

import pytest

from reviewbot.config import DEFAULT_TEST_PATHS, Config, glob_matcher, path_matches
from reviewbot.sources.paths import is_excluded

PATTERNS = [
    *Config().exclude, *DEFAULT_TEST_PATHS,
    "**/x.py", "a/**", "docs/*", "*.min.js", "tests/regressions/", "b/c/**", "**/d/**", "[ab]*.py", "?.go", "a.b/**",
]
PARTS = ["a", "b", "c", "d", "x.py", "tests", "docs", "node_modules", "y.min.js", "z.go", "a.py", "test_x.py",
         "x_test.go", "__tests__", "e.spec.ts", ".venv", "migrations", "0001.sql", "a.b", "aXb"]


@pytest.mark.parametrize("seed", range(4))
def test_the_compiled_matcher_agrees_with_path_matches_on_every_pattern(seed):
    rng = random.Random(seed)
    for _ in range(3000):
        path = "/".join(rng.choice(PARTS) for _ in range(rng.randint(1, 5)))
        patterns = tuple(rng.sample(PATTERNS, rng.randint(0, 6)))
        assert glob_matcher(patterns)(path) == any(path_matches(path, p) for p in patterns), (path, patterns)


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("a/b/c.py", "a/**", True),
        ("a", "a/**", True),
        ("ab/c.py", "a/**", False),
        ("x/y/z.py", "**/z.py", True),
        ("z.py", "**/z.py", True),
        ("deep/name.min.js", "*.min.js", True),
        ("a.b/c.py", "a.b/**", True),
        ("aXb/c.py", "a.b/**", False),  # a dot in a pattern is a dot, not any character
    ],
)
def test_glob_cases(path, pattern, expected):
    assert glob_matcher((pattern,))(path) is expected
    assert is_excluded(path, (pattern,)) is expected
