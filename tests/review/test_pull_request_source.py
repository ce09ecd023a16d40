"""The PR source: shallow checkouts fetch what they lack; without the commits, the files API is used."""

from __future__ import annotations

import shutil
from pathlib import Path

from reviewbot.clients.github import GitHubClient
from reviewbot.review import ReviewOptions
from reviewbot.sources.github_pr import collect_pull_request, read_event
from tests.conftest import git
from tests.review.conftest import REFUNDS_HEAD


def test_event_file_gives_the_pr_number_shas_and_fork_status(scenario):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})

    pr = read_event(Path(scenario.env()["GITHUB_EVENT_PATH"]))

    assert (pr.number, pr.head_sha, pr.base_sha, pr.is_fork) == (42, scenario.heads[-1], scenario.base, False)


def test_shallow_clone_fetches_the_base_and_diffs_base_to_head(scenario, tmp_path):
    head = scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth=1", "--branch", "feature/refund-retries",
        f"file://{scenario.repo.path}", str(clone))
    pr = read_event(Path(scenario.env()["GITHUB_EVENT_PATH"]))
    log: list[str] = []

    changes, _notes = collect_pull_request(clone, pr, None, log.append)

    assert [f.path for f in changes.files] == ["payments/refunds.py"]
    assert changes.head_ref == head
    assert {13, 16, 21} <= changes.files[0].added_lines and 5 not in changes.files[0].added_lines
    assert any("fetching" in line or "deepening" in line for line in log)


def test_checkout_without_the_commits_reads_the_diff_from_the_files_api(scenario, tmp_path):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    plain = tmp_path / "plain"
    shutil.copytree(scenario.repo.path, plain, ignore=shutil.ignore_patterns(".git"))
    pr = read_event(Path(scenario.env()["GITHUB_EVENT_PATH"]))
    client = GitHubClient(scenario.github.token, scenario.github.repo, scenario.github.url)

    changes, notes = collect_pull_request(plain, pr, client, lambda _m: None)

    assert [f.path for f in changes.files] == ["payments/refunds.py"]
    assert 16 in changes.files[0].added_lines and 5 not in changes.files[0].added_lines
    assert any("PR files API" in note for note in notes)


def test_review_of_a_checkout_without_git_still_posts_anchored_comments(scenario, tmp_path):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    plain = tmp_path / "plain"
    shutil.copytree(scenario.repo.path, plain, ignore=shutil.ignore_patterns(".git"))
    env = {**scenario.env(), "GITHUB_WORKSPACE": str(plain)}

    run = scenario.review(ReviewOptions(tools="none"), env=env)

    assert run.exit_code == 1
    assert len(scenario.github.review_comments) == 3
    assert "the default configuration was used" in scenario.github.issue_comments[0]["body"]
