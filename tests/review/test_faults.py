"""`reviewbot review` under GitHub faults: retries are bounded, lost writes are never posted twice."""

from __future__ import annotations

import pytest

from tests.review.conftest import REFUNDS_HEAD

REVIEWS = "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"
ISSUE_COMMENTS = "/repos/{owner}/{repo}/issues/{issue_number}/comments"
CHECK_RUNS = "/repos/{owner}/{repo}/check-runs"


def posts(github, template):
    return [r for r in github.requests if r.method == "POST" and r.template == template]


@pytest.mark.parametrize("template", [REVIEWS, ISSUE_COMMENTS, CHECK_RUNS])
def test_lost_answer_to_a_post_is_found_again_and_not_posted_twice(scenario, template):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    scenario.github.inject("POST", template, "lost")

    run = scenario.review()

    assert run.exit_code == 1
    assert len(posts(scenario.github, template)) == 1
    assert len(scenario.github.reviews) == 1
    assert len(scenario.github.issue_comments) == 1
    assert len(scenario.github.check_runs) == 1
    assert len(scenario.github.review_comments) == 3
    assert any("had reached GitHub; not posting it again" in line for line in run.log)


@pytest.mark.parametrize("template", [REVIEWS, ISSUE_COMMENTS, CHECK_RUNS])
def test_server_error_on_a_post_is_retried_once_after_looking_for_it(scenario, template):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    scenario.github.inject("POST", template, "5xx")

    run = scenario.review()

    assert run.exit_code == 1
    assert len(posts(scenario.github, template)) == 2
    assert (len(scenario.github.reviews), len(scenario.github.issue_comments), len(scenario.github.check_runs)) == (1, 1, 1)
    assert run.sleeps == [2.0]


def test_connection_reset_on_a_read_is_retried(scenario):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    scenario.github.inject("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/comments", "reset")

    run = scenario.review()

    assert run.exit_code == 1
    assert len(scenario.github.issue_comments) == 1
    assert run.sleeps == [2.0]


def test_secondary_rate_limit_waits_as_long_as_retry_after_says(scenario):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    scenario.github.inject("POST", ISSUE_COMMENTS, "secondary", retry_after="1")

    run = scenario.review()

    assert run.exit_code == 1
    assert run.sleeps == [1.0]
    assert len(scenario.github.issue_comments) == 1


def test_persistent_server_errors_give_up_after_four_attempts_and_exit_2(scenario, tmp_path):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    scenario.github.inject("POST", CHECK_RUNS, "5xx", times=100)

    run = scenario.review()

    assert run.exit_code == 2
    assert len(posts(scenario.github, CHECK_RUNS)) == 4
    assert run.sleeps == [2.0, 4.0, 8.0]
    assert "::error file=payments/refunds.py" in run.stdout  # the findings still reach the log
    assert any("could not be posted completely" in line for line in run.log)
    assert "gate failed" in (tmp_path / "step-summary.md").read_text(encoding="utf-8")


def test_second_run_after_a_lost_answer_posts_nothing_new(scenario):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    scenario.github.inject("POST", REVIEWS, "lost")
    scenario.review()
    writes = len(scenario.github.writes())

    run = scenario.review()

    assert run.exit_code == 1
    assert len(scenario.github.writes()) == writes


def test_bad_token_is_an_incomplete_review_with_exit_2(scenario):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    scenario.token = "not-the-token"

    run = scenario.review()

    assert run.exit_code == 2
    assert any("401" in line for line in run.log)
    assert scenario.github.check_runs == []
