"""Every Python rule's work grows with the size of a file, not with its shape (issue #18).

Work is counted, not timed: the Python calls reviewbot's own code makes while one rule runs on a file, and on
the same file repeated four times over (four times the functions, classes and same-named methods). A rule
that follows calls to every same-named function, or walks a function's body once per caller, does far more
than 4× the work on the 4× file. `python -m bench linearity` reports the same ratios on a real file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.linearity import SLACK, growth, repeated, rule_steps
from reviewbot.analyzers.python.rules import RULES

MODULE = (Path(__file__).parents[2] / "regressions" / "idempotency" / "views_module.py.txt").read_bytes()


def test_the_module_is_repeated_below_itself():
    assert repeated(b"x = 1\n", 3) == b"x = 1\n\nx = 1\n\nx = 1\n"


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_a_rules_work_on_a_file_repeated_four_times_is_at_most_four_times_its_work_on_the_file(rule):
    ratio = growth(MODULE, (rule,), times=4, path="app/views.py")
    assert ratio <= 4 * SLACK, f"{rule.code} does {ratio:.2f}× the work on the file repeated 4×"


def test_the_idempotency_and_concurrency_rules_do_work_on_this_module():
    # The ratio above means something only if the rules under test look into the file's functions.
    for code in ("RB301", "RB303", "RB502"):
        [rule] = [r for r in RULES if r.code == code]
        assert rule_steps(MODULE, (rule,), path="app/views.py") > 1000
