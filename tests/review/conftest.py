"""Fixtures for `reviewbot review`: a fake GitHub, a PR in a real git repository, and a runner."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reviewbot.review import ReviewOptions, run_review
from tests.conftest import SHARED, Repo, git
from tests.fakes.github import FakeGitHub, Pull

BASE_CONFIG = """\
[project]
name = "payments-api"

[tool.reviewbot]
tools = []
"""

REFUNDS_BASE = """\
def legacy_fee(fee: float) -> int:
    return 0


def lookup(refund_id: str) -> str:
    return refund_id
"""

REFUNDS_HEAD = """\
import hashlib
import hmac


def legacy_fee(fee: float) -> int:
    return 0


def lookup(refund_id: str) -> str:
    return refund_id


def refund(amount: float, currency: str) -> int:
    try:
        return ledger.post(amount, currency)
    except:
        pass


def is_valid(payload: bytes, received: str) -> bool:
    return hmac.new(WEBHOOK_KEY, payload, hashlib.sha256).hexdigest() == received
"""

# Second push: the bare except is gone, everything else shifted down by two lines.
REFUNDS_HEAD_2 = REFUNDS_HEAD.replace('import hashlib\n', '"""Refunds."""\n\nimport hashlib\n').replace(
    "    try:\n        return ledger.post(amount, currency)\n    except:\n        pass\n", "    return 0\n"
)


@pytest.fixture
def github():
    fake = FakeGitHub().start()
    yield fake
    fake.stop()


@dataclass
class Run:
    exit_code: int
    stdout: str
    log: list[str]
    sleeps: list[float]


@dataclass
class PullRequestScenario:
    """A repository with a base commit and PR head commits, an event file and the fake's PR."""

    repo: Repo
    github: FakeGitHub
    tmp: Path
    base: str = ""
    heads: list[str] = field(default_factory=list)
    number: int = 42
    token: str = ""

    def push(self, files: dict[str, str]) -> str:
        """Commit `files` on the PR branch and tell the fake about the new head."""
        for rel, text in files.items():
            self.repo.write(rel, text)
        head = self.repo.commit("push")
        self.heads.append(head)
        self.github.add_pull(Pull(self.number, head, self.base, pull_files(self.repo, self.base, head)))
        return head

    def env(self) -> dict[str, str]:
        event = json.loads((SHARED / "contracts" / "pull_request_event.json").read_text(encoding="utf-8"))
        pull = event["pull_request"]
        pull["number"] = event["number"] = self.number
        pull["head"]["sha"], pull["base"]["sha"] = self.heads[-1], self.base
        for side in ("head", "base"):
            pull[side]["repo"]["full_name"] = self.github.repo
        path = self.tmp / "event.json"
        path.write_text(json.dumps(event), encoding="utf-8")
        return {
            "GITHUB_EVENT_PATH": str(path),
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_REPOSITORY": self.github.repo,
            "GITHUB_TOKEN": self.token or self.github.token,
            "GITHUB_API_URL": self.github.url,
            "GITHUB_WORKSPACE": str(self.repo.path),
            "GITHUB_STEP_SUMMARY": str(self.tmp / "step-summary.md"),
            "GITHUB_OUTPUT": str(self.tmp / "step-output.txt"),
        }

    def review(self, options: ReviewOptions | None = None, env: dict[str, str] | None = None) -> Run:
        out: list[str] = []
        log: list[str] = []
        sleeps: list[float] = []
        code = run_review(
            options or ReviewOptions(), env or self.env(), sleep=sleeps.append, echo=out.append, log=log.append
        )
        return Run(code, "".join(out), log, sleeps)


def pull_files(repo: Repo, base: str, head: str) -> list[dict[str, object]]:
    """What `pulls/list-files` answers: each file's status and its patch from the first @@ on."""
    files = []
    for line in repo.git("diff", "--name-status", "-M", base, head).splitlines():
        status, *paths = line.split("\t")
        path = paths[-1]
        diff = repo.git("diff", "--unified=3", "-M", base, head, "--", *paths)
        patch = diff[diff.index("@@"):] if "@@" in diff else None
        kind = {"A": "added", "M": "modified", "D": "removed"}.get(status[0], "renamed")
        entry: dict[str, object] = {"sha": "0" * 40, "filename": path, "status": kind, "additions": 0, "deletions": 0, "changes": 0}
        if patch is not None:
            entry["patch"] = patch.rstrip("\n")
        if kind == "renamed":
            entry["previous_filename"] = paths[0]
        files.append(entry)
    return files


@pytest.fixture
def scenario(repo: Repo, github: FakeGitHub, tmp_path: Path) -> PullRequestScenario:
    repo.write("pyproject.toml", BASE_CONFIG)
    repo.write("payments/refunds.py", REFUNDS_BASE)
    base = repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature/refund-retries")
    return PullRequestScenario(repo, github, tmp_path, base=base)


__all__ = ["REFUNDS_HEAD", "REFUNDS_HEAD_2", "git"]
