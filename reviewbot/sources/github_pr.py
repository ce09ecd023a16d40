"""A pull request as a ChangeSet: the event file or the API for metadata, git (or the files API) for the diff."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from reviewbot.clients.github import GitHubClient, PullFile
from reviewbot.core.changes import ChangeSet, FileChange, Mode, SkippedFile, SkipReason
from reviewbot.errors import SourceError
from reviewbot.sources.git import collect_range
from reviewbot.sources.gitcmd import git
from reviewbot.sources.patch import parse_diff

PR_EVENTS = ("pull_request", "pull_request_target")
DEEPEN_STEPS = (50, 500)  # commits fetched per step when a shallow clone lacks the merge base
GITHUB_DIFF_FILE_LIMIT = 300  # GitHub's own diff (.diff, compare) stops at 300 files

Log = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class PullRequestRef:
    """What reviewbot needs to know about the PR under review."""

    repo: str  # owner/name of the base repository, where comments go
    number: int
    head_sha: str
    base_sha: str
    head_repo: str | None  # None when the fork was deleted
    title: str = ""
    changed_files: int = 0
    body: str = ""

    @property
    def is_fork(self) -> bool:
        return self.head_repo != self.repo


def read_event(path: Path, repo: str | None = None) -> PullRequestRef:
    """Read GITHUB_EVENT_PATH (a pull_request or pull_request_target payload)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise SourceError(
            f"cannot read the event file {path}: {err}", hint="GITHUB_EVENT_PATH must name the runner's event file"
        ) from err
    except json.JSONDecodeError as err:
        raise SourceError(
            f"the event file {path} is not JSON: {err}", hint="GITHUB_EVENT_PATH must name the runner's event file"
        ) from err
    except RecursionError as err:
        raise SourceError(f"the event file {path} nests JSON too deeply", hint="pass --repo and --pr instead") from err
    pull = data.get("pull_request") if isinstance(data, dict) else None
    if not isinstance(pull, dict):
        raise SourceError(
            f"the event in {path} is not a pull request",
            hint="run `reviewbot review` on pull_request or pull_request_target, or pass --repo and --pr",
        )
    head = _table(pull.get("head"))
    base = _table(pull.get("base"))
    head_repo = _table(head.get("repo"))
    base_repo = _table(base.get("repo"))
    number = pull.get("number", data.get("number"))
    head_sha, base_sha = head.get("sha"), base.get("sha")
    if not isinstance(number, int) or not isinstance(head_sha, str) or not isinstance(base_sha, str):
        raise SourceError(
            f"the event in {path} lacks the PR number or its head/base sha", hint="pass --repo and --pr instead"
        )
    return PullRequestRef(
        repo=str(base_repo.get("full_name") or repo or ""),
        number=number,
        head_sha=head_sha,
        base_sha=base_sha,
        head_repo=str(head_repo["full_name"]) if head_repo.get("full_name") else None,
        title=str(pull.get("title") or ""),
        changed_files=pull["changed_files"] if isinstance(pull.get("changed_files"), int) else 0,
        body=str(pull.get("body") or ""),
    )


def _table(value: object) -> dict[str, object]:
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def read_pull(client: GitHubClient, number: int) -> PullRequestRef:
    """`--repo OWNER/NAME --pr N`: the PR's metadata from the API."""
    pull = client.get_pull(number)
    return PullRequestRef(
        repo=pull.base_repo,
        number=pull.number,
        head_sha=pull.head_sha,
        base_sha=pull.base_sha,
        head_repo=pull.head_repo,
        title=pull.title,
        changed_files=pull.changed_files,
    )


def collect_pull_request(
    root: Path, pr: PullRequestRef, client: GitHubClient | None, log: Log
) -> tuple[ChangeSet, tuple[str, ...]]:
    """base…head from the local checkout (fetching what a shallow clone lacks), else the files API."""
    notes: list[str] = []
    if pr.changed_files > GITHUB_DIFF_FILE_LIMIT:
        notes.append(
            f"large PR: {pr.changed_files} files changed; GitHub's own diff view stops at "
            f"{GITHUB_DIFF_FILE_LIMIT} files, so some inline comments may be hard to find"
        )
    if (root / ".git").exists() and ensure_commits(root, pr.base_sha, pr.head_sha, log):
        return collect_range(root, pr.base_sha, pr.head_sha), tuple(notes)
    if client is None:
        raise SourceError(
            f"commits {pr.base_sha[:12]}…{pr.head_sha[:12]} are not in the checkout at {root}",
            hint="use actions/checkout with fetch-depth: 0, or pass a token so the PR files API can be used",
        )
    log("the PR's commits are not in the checkout; reading the diff from the PR files API")
    changes, api_notes = collect_from_api(root, client, pr)
    return changes, (*notes, *api_notes)


def has_commit(root: Path, sha: str) -> bool:
    return _ok(root, "cat-file", "-e", f"{sha}^{{commit}}")


def _ok(root: Path, *args: str) -> bool:
    try:
        git(root, *args)
    except SourceError:
        return False
    return True


def _is_shallow(root: Path) -> bool:
    return git(root, "rev-parse", "--is-shallow-repository", check=False).strip() == b"true"


def _merge_base(root: Path, base: str, head: str) -> bool:
    return _ok(root, "merge-base", base, head)


def ensure_commits(root: Path, base_sha: str, head_sha: str, log: Log) -> bool:
    """Make base, head and their merge base available locally; False when that is impossible."""
    missing = [sha for sha in (base_sha, head_sha) if not has_commit(root, sha)]
    if missing:
        log(f"fetching {', '.join(s[:12] for s in missing)} from origin")
        depth = ("--depth=1",) if _is_shallow(root) else ()
        _ok(root, "fetch", "--no-tags", "--quiet", *depth, "origin", *missing)
        if any(not has_commit(root, sha) for sha in missing):
            return False
    if _merge_base(root, base_sha, head_sha):
        return True
    for step in DEEPEN_STEPS:
        if not _is_shallow(root):
            return False
        log(f"shallow clone: deepening by {step} commits to find the merge base")
        _ok(root, "fetch", "--no-tags", "--quiet", f"--deepen={step}", "origin", base_sha, head_sha)
        if _merge_base(root, base_sha, head_sha):
            return True
    if _is_shallow(root):
        _ok(root, "fetch", "--no-tags", "--quiet", "--unshallow", "origin")
    return _merge_base(root, base_sha, head_sha)


def collect_from_api(root: Path, client: GitHubClient, pr: PullRequestRef) -> tuple[ChangeSet, tuple[str, ...]]:
    """The PR's files and patches from `pulls/list-files` (at most 3000 files)."""
    files = client.list_pull_files(pr.number)
    notes = ["the diff came from the PR files API because the checkout lacks the PR's commits"]
    if pr.changed_files > len(files):
        notes.append(f"GitHub lists at most {len(files)} of the PR's {pr.changed_files} files; the rest were not reviewed")
    skipped: list[SkippedFile] = []
    parts: list[str] = []
    for item in files:
        if item.status == "removed":
            skipped.append(SkippedFile(item.filename, SkipReason.DELETED))
        elif item.patch is None:
            if item.status != "renamed":
                skipped.append(SkippedFile(item.filename, SkipReason.TOO_LARGE))
        else:
            parts.append(_file_diff(item))
    parsed, parse_skipped = parse_diff("".join(parts)) if parts else ([], [])
    have_head = has_commit(root, pr.head_sha)
    changed: list[FileChange] = []
    for change in parsed:
        if have_head:
            data = git(root, "show", f"{pr.head_sha}:{change.path}")
            change = replace(change, text=data.decode("utf-8", errors="replace"))
        changed.append(change)
    if not have_head:
        notes.append("file text was read from the checkout, which may differ from the PR head")
    return (
        ChangeSet(
            root=str(root),
            files=tuple(sorted(changed, key=lambda f: f.path)),
            mode=Mode.DIFF,
            skipped=tuple(skipped + parse_skipped),
            base_ref=pr.base_sha,
            head_ref=pr.head_sha,
        ),
        tuple(notes),
    )


def _file_diff(item: PullFile) -> str:
    old = item.previous_filename or item.filename
    source = "/dev/null" if item.status == "added" else f"a/{old}"
    patch = item.patch or ""
    if not patch.endswith("\n"):
        patch += "\n"
    return f"diff --git a/{old} b/{item.filename}\n--- {source}\n+++ b/{item.filename}\n{patch}"
