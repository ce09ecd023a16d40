"""The GitHub REST client: PyGithub underneath, typed objects out, bounded retries, no double posts."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import github
import requests
from github.GithubException import GithubException

from reviewbot.clients.github_models import (
    Annotation,
    CheckOutput,
    CheckRun,
    IssueComment,
    PullFile,
    PullRequest,
    Review,
    ReviewComment,
    ReviewCommentDraft,
)
from reviewbot.errors import GitHubError

DEFAULT_API_URL = "https://api.github.com"
USER_AGENT = "reviewbot"
PER_PAGE = 100  # GitHub's maximum page size ("max 100")
MAX_PULL_FILES = 3000  # pulls/list-files returns at most 3000 files
TIMEOUT_SECONDS = 30
READ_ONLY_MESSAGE = "Resource not accessible by integration"
SECONDARY_LIMIT_WAIT_SECONDS = 60.0  # GitHub: "wait at least one minute" without Retry-After
MAX_WAIT_SECONDS = 300.0  # never wait longer than this for a rate limit; give up instead

Sleep = Callable[[float], None]
Clock = Callable[[], float]
_Json = dict[str, Any]  # GitHub's JSON; never leaves this module


class ReadOnlyTokenError(GitHubError):
    """403 "Resource not accessible by integration": a fork PR or a token without write scopes."""

    kind = "GitHub permission error"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry 5xx, timeouts and rate limits."""

    attempts: int = 4
    base_delay_seconds: float = 2.0
    max_delay_seconds: float = 120.0


class GitHubClient:
    """One repository's REST API; every method returns typed values or raises GitHubError."""

    def __init__(
        self,
        token: str,
        repo: str,
        api_url: str = DEFAULT_API_URL,
        *,
        sleep: Sleep = time.sleep,
        clock: Clock = time.time,
        policy: RetryPolicy | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.repo = repo
        self.sleep = sleep
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.log = log or (lambda _message: None)
        # Retries are ours (GithubRetry would retry POSTs blindly and sleep for real); so is throttling.
        self._gh = github.Github(
            base_url=api_url.rstrip("/"),
            auth=github.Auth.Token(token),
            retry=None,
            timeout=TIMEOUT_SECONDS,
            user_agent=USER_AGENT,
            per_page=PER_PAGE,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        self._requester = self._gh.requester
        self._prefix = f"/repos/{repo}"

    # ------------------------------------------------------------------ reads

    def get_pull(self, number: int) -> PullRequest:
        data = self._object(self._call("GET", f"{self._prefix}/pulls/{number}"))
        head, base = _dict(data.get("head")), _dict(data.get("base"))
        head_repo = data["head"].get("repo") if isinstance(data.get("head"), dict) else None
        return PullRequest(
            number=int(data.get("number", number)),
            title=str(data.get("title") or ""),
            head_sha=str(head.get("sha") or ""),
            base_sha=str(base.get("sha") or ""),
            head_repo=str(head_repo["full_name"]) if isinstance(head_repo, dict) else None,
            base_repo=str(_dict(base.get("repo")).get("full_name") or self.repo),
            changed_files=int(data.get("changed_files") or 0),
        )

    def list_pull_files(self, number: int) -> tuple[PullFile, ...]:
        items = self._paginate(f"{self._prefix}/pulls/{number}/files", limit=MAX_PULL_FILES)
        return tuple(
            PullFile(
                filename=str(i["filename"]),
                status=str(i.get("status") or "modified"),
                patch=i.get("patch") if isinstance(i.get("patch"), str) else None,
                previous_filename=i.get("previous_filename") if isinstance(i.get("previous_filename"), str) else None,
            )
            for i in items
        )

    def list_review_comments(self, number: int) -> tuple[ReviewComment, ...]:
        return tuple(
            ReviewComment(
                id=int(i["id"]),
                body=str(i.get("body") or ""),
                path=str(i.get("path") or ""),
                line=i.get("line") if isinstance(i.get("line"), int) else None,
                in_reply_to_id=i.get("in_reply_to_id") if isinstance(i.get("in_reply_to_id"), int) else None,
            )
            for i in self._paginate(f"{self._prefix}/pulls/{number}/comments")
        )

    def list_reviews(self, number: int) -> tuple[Review, ...]:
        return tuple(
            Review(int(i["id"]), str(i.get("body") or ""), str(i.get("commit_id") or ""))
            for i in self._paginate(f"{self._prefix}/pulls/{number}/reviews")
        )

    def list_issue_comments(self, number: int) -> tuple[IssueComment, ...]:
        return tuple(
            IssueComment(int(i["id"]), str(i.get("body") or ""))
            for i in self._paginate(f"{self._prefix}/issues/{number}/comments")
        )

    def list_check_runs(self, sha: str, name: str) -> tuple[CheckRun, ...]:
        runs: list[CheckRun] = []
        path = f"{self._prefix}/commits/{sha}/check-runs"
        for page in self._pages(path, {"check_name": name}):
            for item in _dict(page).get("check_runs") or []:
                runs.append(
                    CheckRun(
                        id=int(item["id"]),
                        name=str(item.get("name") or ""),
                        head_sha=str(item.get("head_sha") or ""),
                        external_id=str(item.get("external_id") or ""),
                        conclusion=item.get("conclusion") if isinstance(item.get("conclusion"), str) else None,
                    )
                )
        return tuple(runs)

    # ------------------------------------------------------------------ writes

    def create_review(
        self, number: int, commit_id: str, body: str, comments: Sequence[ReviewCommentDraft], marker: str
    ) -> int:
        """A COMMENT review with inline comments; `marker` (in `body`) finds it after a lost answer."""
        payload: _Json = {
            "commit_id": commit_id,
            "body": body,
            "event": "COMMENT",
            "comments": [_comment_json(c) for c in comments],
        }

        def recover() -> _Json | None:
            found = [r for r in self.list_reviews(number) if marker in r.body]
            return {"id": found[0].id} if found else None

        return int(self._post(f"{self._prefix}/pulls/{number}/reviews", payload, recover)["id"])

    def update_review_comment(self, comment_id: int, body: str) -> None:
        self._call("PATCH", f"{self._prefix}/pulls/comments/{comment_id}", {"body": body})

    def create_issue_comment(self, number: int, body: str, marker: str) -> int:
        def recover() -> _Json | None:
            found = [c for c in self.list_issue_comments(number) if marker in c.body]
            return {"id": found[0].id} if found else None

        return int(self._post(f"{self._prefix}/issues/{number}/comments", {"body": body}, recover)["id"])

    def update_issue_comment(self, comment_id: int, body: str) -> None:
        self._call("PATCH", f"{self._prefix}/issues/comments/{comment_id}", {"body": body})

    def create_check_run(
        self,
        name: str,
        head_sha: str,
        external_id: str,
        conclusion: str,
        output: CheckOutput,
        annotations: Sequence[Annotation],
    ) -> int:
        """A completed check run; `external_id` finds it again after a lost answer."""
        payload: _Json = {
            "name": name,
            "head_sha": head_sha,
            "external_id": external_id,
            "status": "completed",
            "conclusion": conclusion,
            "output": _output_json(output, annotations),
        }

        def recover() -> _Json | None:
            found = [r for r in self.list_check_runs(head_sha, name) if r.external_id == external_id]
            return {"id": found[0].id} if found else None

        return int(self._post(f"{self._prefix}/check-runs", payload, recover)["id"])

    def update_check_run(
        self,
        check_run_id: int,
        output: CheckOutput,
        annotations: Sequence[Annotation] = (),
        conclusion: str | None = None,
        external_id: str | None = None,
    ) -> None:
        """PATCH a check run; its annotations are appended to the ones it already has."""
        payload: _Json = {"output": _output_json(output, annotations)}
        if conclusion is not None:
            payload["status"] = "completed"
            payload["conclusion"] = conclusion
        if external_id is not None:
            payload["external_id"] = external_id
        # Re-sending a PATCH whose answer was lost would append its annotations twice; PATCHes that carry
        # annotations are therefore not retried after a lost answer (a missing batch beats a doubled one).
        self._call("PATCH", f"{self._prefix}/check-runs/{check_run_id}", payload, idempotent=not annotations)

    # ------------------------------------------------------------------ plumbing

    def _paginate(self, path: str, limit: int | None = None) -> list[_Json]:
        items: list[_Json] = []
        for page in self._pages(path, {}):
            if not isinstance(page, list):
                raise GitHubError(f"GitHub answered GET {path} with an unexpected shape")
            items.extend(_dict(i) for i in page)
            if limit is not None and len(items) >= limit:
                return items[:limit]
        return items

    def _pages(self, path: str, params: Mapping[str, str]) -> list[Any]:
        """Every page of a list endpoint, following the `link: rel="next"` URLs as opaque."""
        pages: list[Any] = []
        url: str | None = path
        parameters: dict[str, Any] | None = {**params, "per_page": PER_PAGE}
        while url is not None:
            headers, data = self._call_raw("GET", url, parameters=parameters)
            pages.append(data)
            url = _next_link(headers)
            parameters = None  # the next URL already carries its query
        return pages

    def _post(self, path: str, body: _Json, recover: Callable[[], _Json | None]) -> _Json:
        """POST at most once per attempt; before re-posting, look whether the last one landed."""
        attempt = 0
        while True:
            attempt += 1
            try:
                _headers, data = self._requester.requestJsonAndCheck("POST", path, input=body)
                return self._object(data)
            except (GithubException, requests.exceptions.RequestException) as err:
                delay, ambiguous = self._classify(err, "POST", path, attempt)
            self.log(f"POST {path} failed (attempt {attempt}); retrying in {delay:.0f}s")
            self.sleep(delay)
            if ambiguous:
                found = recover()
                if found is not None:
                    self.log(f"POST {path} had reached GitHub; not posting it again")
                    return found

    def _call(self, verb: str, path: str, body: _Json | None = None, idempotent: bool = True) -> Any:
        return self._call_raw(verb, path, body=body, idempotent=idempotent)[1]

    def _call_raw(
        self,
        verb: str,
        url: str,
        body: _Json | None = None,
        parameters: dict[str, Any] | None = None,
        idempotent: bool = True,
    ) -> tuple[dict[str, Any], Any]:
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._requester.requestJsonAndCheck(verb, url, parameters=parameters, input=body)
            except (GithubException, requests.exceptions.RequestException) as err:
                delay, ambiguous = self._classify(err, verb, url, attempt)
            if ambiguous and not idempotent:
                raise GitHubError(f"{verb} {url}: the connection failed and the request cannot be safely repeated")
            self.log(f"{verb} {url} failed (attempt {attempt}); retrying in {delay:.0f}s")
            self.sleep(delay)

    def _classify(
        self, err: GithubException | requests.exceptions.RequestException, verb: str, url: str, attempt: int
    ) -> tuple[float, bool]:
        """(seconds to wait, whether the request may have been applied), or raise when not retryable."""
        what = f"{verb} {url.split('?')[0]}"
        exhausted = attempt >= self.policy.attempts
        backoff = min(self.policy.base_delay_seconds * 2 ** (attempt - 1), self.policy.max_delay_seconds)
        if isinstance(err, requests.exceptions.RequestException):
            if exhausted:
                raise GitHubError(
                    f"{what}: no answer from GitHub after {attempt} attempts ({type(err).__name__})",
                    hint="GitHub may be degraded; re-run the job",
                ) from err
            return backoff, True
        data = err.data if isinstance(err.data, dict) else {}
        message = str(data.get("message") or err.message or "")
        headers = {k.lower(): str(v) for k, v in (err.headers or {}).items()}
        status = err.status
        if status == 403 and READ_ONLY_MESSAGE in message:
            raise ReadOnlyTokenError(
                f"{what}: 403 {READ_ONLY_MESSAGE}",
                hint="the token is read-only (a fork PR, or missing pull-requests/checks: write permissions)",
            ) from err
        if status == 401:
            raise GitHubError(f"{what}: 401 {message or 'Bad credentials'}", hint="check GITHUB_TOKEN / --token") from err
        delay: float | None = None
        if status >= 500:
            delay = backoff
        elif status in (403, 429):
            if "retry-after" in headers:
                delay = _seconds(headers["retry-after"])
            elif headers.get("x-ratelimit-remaining") == "0":
                delay = max(_seconds(headers.get("x-ratelimit-reset", "0")) - self.clock(), 0.0)
            elif "secondary rate limit" in message.lower():
                delay = max(SECONDARY_LIMIT_WAIT_SECONDS, backoff)
        if delay is None:
            raise GitHubError(f"{what}: {status} {message}{_errors_text(data)}") from err
        if exhausted or delay > MAX_WAIT_SECONDS:
            raise GitHubError(
                f"{what}: {status} {message} (gave up after {attempt} attempts)",
                hint="GitHub is rate limiting or failing; re-run the job later",
            ) from err
        return delay, status >= 500

    @staticmethod
    def _object(data: Any) -> _Json:
        if not isinstance(data, dict):
            raise GitHubError("GitHub answered with an unexpected shape (expected an object)")
        return data


def _dict(value: Any) -> _Json:
    return value if isinstance(value, dict) else {}


def _seconds(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return SECONDARY_LIMIT_WAIT_SECONDS


def _errors_text(data: _Json) -> str:
    errors = data.get("errors")
    if not isinstance(errors, list) or not errors:
        return ""
    parts = [e if isinstance(e, str) else str(_dict(e).get("message") or e) for e in errors]
    return ": " + "; ".join(parts)


def _next_link(headers: Mapping[str, Any]) -> str | None:
    link = next((str(v) for k, v in headers.items() if k.lower() == "link"), "")
    for part in link.split(","):
        url, _, rel = part.partition(";")
        if 'rel="next"' in rel:
            return url.strip().strip("<>")
    return None


def _comment_json(comment: ReviewCommentDraft) -> _Json:
    out: _Json = {"path": comment.path, "body": comment.body, "line": comment.line, "side": "RIGHT"}
    if comment.start_line is not None and comment.start_line < comment.line:
        out["start_line"] = comment.start_line
        out["start_side"] = "RIGHT"
    return out


def _output_json(output: CheckOutput, annotations: Sequence[Annotation]) -> _Json:
    out: _Json = {"title": output.title, "summary": output.summary}
    if output.text:
        out["text"] = output.text
    if annotations:
        out["annotations"] = [
            {
                "path": a.path,
                "start_line": a.start_line,
                "end_line": a.end_line,
                "annotation_level": a.level,
                "message": a.message,
                **({"title": a.title} if a.title else {}),
            }
            for a in annotations
        ]
    return out


__all__ = [
    "DEFAULT_API_URL",
    "Annotation",
    "CheckOutput",
    "CheckRun",
    "GitHubClient",
    "IssueComment",
    "PullFile",
    "PullRequest",
    "ReadOnlyTokenError",
    "RetryPolicy",
    "Review",
    "ReviewComment",
    "ReviewCommentDraft",
]
