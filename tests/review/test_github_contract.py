"""The GitHub client against the fake server's contract: 422 anchors, limits, pagination, read-only."""

from __future__ import annotations

import json

import pytest
import requests

from reviewbot.clients.github import (
    Annotation,
    CheckOutput,
    GitHubClient,
    ReadOnlyTokenError,
    ReviewCommentDraft,
)
from reviewbot.core.changes import ChangeSet, FileChange, FileStatus, Hunk, Mode
from reviewbot.core.findings import Finding, Severity, Span
from reviewbot.core.verdict import Outcome, Verdict
from reviewbot.errors import GitHubError
from reviewbot.reporters.github_check import post_check_run
from reviewbot.reporters.github_review import anchor
from tests.fakes.github import OUTSIDE_DIFF, Pull

PATCH = "@@ -1,3 +1,4 @@\n import hmac\n+import hashlib\n \n def refund():"


@pytest.fixture
def client(github):
    github.add_pull(Pull(7, "a" * 40, "b" * 40, [{"filename": "pay.py", "status": "modified", "patch": PATCH}]))
    return GitHubClient(github.token, github.repo, github.url, sleep=lambda _s: None)


def test_one_comment_outside_the_diff_makes_github_reject_the_whole_review(client, github):
    comments = [ReviewCommentDraft("pay.py", "inside", 2), ReviewCommentDraft("pay.py", "outside", 9)]

    with pytest.raises(GitHubError) as err:
        client.create_review(7, "a" * 40, "body", comments, "<!-- m -->")

    assert OUTSIDE_DIFF in err.value.message
    assert github.reviews == [] and github.review_comments == []


def test_local_anchor_check_agrees_with_the_server_about_hunk_lines():
    change = FileChange("pay.py", FileStatus.MODIFIED, hunks=(Hunk(1, 4, (2,)),))
    changes = ChangeSet(root=".", files=(change,), mode=Mode.DIFF)

    def finding(line, end=0):
        return Finding("RB101", "money", Severity.ERROR, "pay.py", Span(line, 1, end), "m")

    assert anchor(finding(2), changes) == (2, None)
    assert anchor(finding(3, 4), changes) == (4, 3)
    assert anchor(finding(4, 9), changes) == (4, None)
    assert anchor(finding(9), changes) is None


def test_more_than_fifty_annotations_go_out_in_batches_of_fifty(client, github):
    findings = [
        Finding("RB101", "money", Severity.ERROR, "pay.py", Span(line), f"amount {line} is a float",
                fingerprint=f"{line:04x}", in_diff=True, blocking=True)
        for line in range(1, 121)
    ]
    verdict = Verdict(Outcome.FAIL, "120 blocking findings", 120)

    outcome = post_check_run(client, "reviewbot", "a" * 40, verdict, findings, {}, "summary", "summary")

    batches = [len(r.body["output"].get("annotations") or []) for r in github.writes()]
    assert batches == [50, 50, 20]
    assert len(github.check_runs[0]["_annotations"]) == outcome.annotations == 120


def test_the_fake_refuses_fifty_one_annotations_like_github(client, github):
    annotations = [Annotation("pay.py", 1, 1, "failure", "m")] * 51

    with pytest.raises(GitHubError) as err:
        client.create_check_run("reviewbot", "a" * 40, "x", "failure", CheckOutput("t", "s"), annotations)

    assert "No more than 50 items are allowed; 51 were supplied." in err.value.message


def test_comment_bodies_over_65536_characters_are_refused(client, github):
    with pytest.raises(GitHubError) as err:
        client.create_issue_comment(7, "x" * 65537, "<!-- m -->")

    assert "Body is too long (maximum is 65536 characters)" in err.value.message


def test_list_endpoints_follow_link_pages_of_at_most_one_hundred(github):
    files = [{"filename": f"f{i}.py", "status": "added", "patch": "@@ -0,0 +1 @@\n+x = 1"} for i in range(250)]
    github.add_pull(Pull(8, "a" * 40, "b" * 40, files))
    client = GitHubClient(github.token, github.repo, github.url)

    listed = client.list_pull_files(8)

    assert [f.filename for f in listed] == [f"f{i}.py" for i in range(250)]
    gets = [r for r in github.requests if r.path.endswith("/files")]
    assert [r.query.get("page", "1") for r in gets] == ["1", "2", "3"]
    assert {r.query["per_page"] for r in gets} == {"100"}


def test_read_only_token_is_a_typed_error_and_is_not_retried(client, github):
    github.read_only = True

    with pytest.raises(ReadOnlyTokenError):
        client.create_issue_comment(7, "hello", "<!-- m -->")

    assert len(github.writes()) == 1


def test_every_request_carries_a_user_agent_and_requests_without_one_are_refused(client, github):
    client.get_pull(7)
    assert all(r.headers.get("User-Agent") for r in github.requests)

    answer = requests.get(f"{github.url}/repos/{github.repo}/pulls/7", headers={"User-Agent": ""}, timeout=5)
    assert answer.status_code == 403


def test_request_bodies_are_checked_against_the_rest_contract(github):
    headers = {"Authorization": f"token {github.token}", "User-Agent": "t", "Content-Type": "application/json"}
    url = f"{github.url}/repos/{github.repo}/check-runs"

    missing = requests.post(url, data=json.dumps({"head_sha": "a" * 40}), headers=headers, timeout=5)
    garbage = requests.post(url, data="{not json", headers=headers, timeout=5)

    assert missing.status_code == 422 and missing.json()["message"].startswith("Invalid request.\n\n")
    assert garbage.status_code == 400 and garbage.json()["message"] == "Problems parsing JSON"
    assert "x-ratelimit-remaining" in missing.headers


def test_an_oversized_summary_is_cut_to_fit_and_keeps_its_marker(client, github):
    from reviewbot.reporters.github_review import SUMMARY_MARKER, upsert_summary_comment

    assert upsert_summary_comment(client, 7, "x" * 70000, "digest") == "created"
    assert upsert_summary_comment(client, 7, "x" * 70000, "digest") == "unchanged"

    body = github.issue_comments[0]["body"]
    assert len(body) <= 65536 and SUMMARY_MARKER in body and "truncated" in body
