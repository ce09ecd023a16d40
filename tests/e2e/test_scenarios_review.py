"""Each fixtures/prs scenario through `reviewbot review` against the fake GitHub: what it posts matches expected.json."""

from __future__ import annotations

import json

import pytest

from reviewbot.review import ReviewOptions, run_review
from tests.conftest import SHARED, Repo
from tests.e2e.scenario_runner import prepare, scenarios
from tests.fakes.github import FakeGitHub, Pull
from tests.review.conftest import pull_files

SCENARIOS = scenarios()
LEVELS = {"error": "failure", "warning": "warning", "info": "notice"}  # check-run annotation levels


def event_env(github: FakeGitHub, repo, base: str, head: str, tmp_path) -> dict[str, str]:
    event = json.loads((SHARED / "contracts" / "pull_request_event.json").read_text(encoding="utf-8"))
    pull = event["pull_request"]
    pull["number"] = event["number"] = 42
    pull["head"]["sha"], pull["base"]["sha"] = head, base
    for side in ("head", "base"):
        pull[side]["repo"]["full_name"] = github.repo
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return {
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_REPOSITORY": github.repo,
        "GITHUB_TOKEN": github.token,
        "GITHUB_API_URL": github.url,
        "GITHUB_WORKSPACE": str(repo),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "step-summary.md"),
    }


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_review_posts_exactly_the_expected_findings(scenario, tmp_path):
    repo, base, head = prepare(scenario, tmp_path)
    github = FakeGitHub().start()
    try:
        github.add_pull(Pull(42, head, base, pull_files(Repo(repo), base, head)))
        env = event_env(github, repo, base, head, tmp_path)
        log: list[str] = []
        # The same tools as the diff scenarios: our rules, ruff and mypy (go vet would need the modules a
        # Go scenario adds to go.mod, tsc the API's node_modules; neither is in the scenario's copy).
        code = run_review(ReviewOptions(root=repo, tools="ruff,mypy"), env, sleep=lambda _s: None, echo=lambda _t: None, log=log.append)
    finally:
        github.stop()
    expected = scenario.expected()
    (check,) = github.check_runs
    annotated = {(a["title"].split()[0], a["path"], a["start_line"]) for a in check["_annotations"]}
    assert annotated == expected, log
    levels = {(a["title"].split()[0], a["path"], a["start_line"]): a["annotation_level"] for a in check["_annotations"]}
    assert {key: levels[key] for key in scenario.expected_severities()} == {
        key: LEVELS[severity] for key, severity in scenario.expected_severities().items()
    }
    inline = {(c["path"], c.get("start_line") or c["line"]) for c in github.review_comments}
    assert inline == {(path, line) for _, path, line in expected}
    summaries = [c for c in github.issue_comments if "reviewbot" in c["body"]]
    assert len(summaries) == 1
    assert code in (0, 1)
    assert check["conclusion"] == ("failure" if code == 1 else ("neutral" if expected else "success"))
