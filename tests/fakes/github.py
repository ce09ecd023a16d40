"""A fake GitHub REST server on 127.0.0.1 that checks requests against shared/contracts and keeps state."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT4

CONTRACTS = Path(__file__).resolve().parents[2].parent / "shared" / "contracts"
MAX_BODY_CHARS = 65536
BOT = {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"}
HUMAN = {"login": "dana-dev", "id": 81234567, "type": "User"}
READ_ONLY = "Resource not accessible by integration"
OUTSIDE_DIFF = (
    "Pull request review thread line must be part of the diff and "
    "Pull request review thread diff hunk can't be blank"
)
SAME_HUNK = "Pull request review thread start line must be part of the same hunk as the line."
PRECEDE = "Pull request review thread start line must precede the end line."


def openapi_to_jsonschema(node):  # OpenAPI 3.0 `nullable: true` -> an explicit null alternative
    if isinstance(node, list):
        return [openapi_to_jsonschema(v) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: openapi_to_jsonschema(v) for k, v in node.items()}
    if node.pop("nullable", False) is True:
        node = {"anyOf": [{"type": "null"}, node]}
    return node


@cache
def contract():
    data = openapi_to_jsonschema(json.loads((CONTRACTS / "github-rest.json").read_text(encoding="utf-8")))
    registry = Registry().with_resource("urn:github-rest", DRAFT4.create_resource(data))
    templates = [
        (t, re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(t)) + "$")) for t in data["paths"]
    ]
    return data, registry, templates


def template_of(path: str) -> str | None:
    for template, pattern in contract()[2]:
        if pattern.match(path):
            return str(template)
    return None


def validate_request_body(method: str, template: str, body) -> str | None:
    """None when valid, else the validation message (the schema and unknown top-level keys)."""
    data, registry, _ = contract()
    operation = data["paths"][template].get(method.lower(), {})
    if "requestBody" not in operation:
        return None
    pointer = template.replace("~", "~0").replace("/", "~1")
    ref = f"urn:github-rest#/paths/{pointer}/{method.lower()}/requestBody/content/application~1json/schema"
    try:
        jsonschema.Draft4Validator({"$ref": ref}, registry=registry).validate(body)
    except jsonschema.ValidationError as err:
        return str(err.message)
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    known = schema.get("properties")
    if known is not None and isinstance(body, dict):
        unknown = sorted(set(body) - set(known))
        if unknown:
            return f"unknown keys {unknown}"
    return None


@dataclass
class Recorded:
    method: str
    path: str
    template: str | None
    query: dict[str, str]
    body: object
    headers: dict[str, str]


@dataclass
class Fault:
    method: str
    template: str
    kind: str  # "5xx" | "lost" (apply, then drop the connection) | "secondary" | "reset" (drop, not applied)
    times: int = 1
    retry_after: str = "0"


@dataclass
class Pull:
    number: int
    head_sha: str
    base_sha: str
    files: list[dict[str, Any]]  # [{"filename", "status", "patch"?, "previous_filename"?}]
    title: str = "Retry refunds against the PSP"
    head_repo: str | None = None


def commentable(patch: str) -> list[tuple[set[int], set[int]]]:
    """Per hunk: (RIGHT lines, LEFT lines) that take a review comment."""
    hunks: list[tuple[set[int], set[int]]] = []
    new = old = 0
    for line in patch.splitlines():
        match = re.match(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@", line)
        if match:
            old, new = int(match.group(1)), int(match.group(2))
            hunks.append((set(), set()))
        elif not hunks or line.startswith("\\"):
            continue
        elif line.startswith("+"):
            hunks[-1][0].add(new)
            new += 1
        elif line.startswith("-"):
            hunks[-1][1].add(old)
            old += 1
        else:
            hunks[-1][0].add(new)
            hunks[-1][1].add(old)
            new += 1
            old += 1
    return hunks


@dataclass
class FakeGitHub:
    repo: str = "acme-pay/payments-api"
    token: str = "ghs_fake_installation_token"
    read_only: bool = False
    pulls: dict[Any, Any] = field(default_factory=dict)
    review_comments: list[Any] = field(default_factory=list)
    reviews: list[Any] = field(default_factory=list)
    issue_comments: list[Any] = field(default_factory=list)
    check_runs: list[Any] = field(default_factory=list)
    statuses: list[Any] = field(default_factory=list)
    requests: list[Any] = field(default_factory=list)
    faults: list[Any] = field(default_factory=list)
    rate_remaining: int = 1000
    _next_id: int = 1000
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------ control

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeGitHub:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # keep pytest output clean
                return

            def do_GET(self):
                fake._handle(self, "GET")

            def do_POST(self):
                fake._handle(self, "POST")

            def do_PATCH(self):
                fake._handle(self, "PATCH")

            def do_DELETE(self):
                fake._handle(self, "DELETE")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def add_pull(self, pull: Pull) -> None:
        self.pulls[pull.number] = pull

    def inject(self, method: str, template: str, kind: str, times: int = 1, retry_after: str = "0") -> None:
        self.faults.append(Fault(method, template, kind, times, retry_after))

    def add_reply(self, comment_id: int, body: str) -> dict[str, Any]:
        """A human's reply in the thread of review comment `comment_id`."""
        parent = next(c for c in self.review_comments if c["id"] == comment_id)
        reply = {**parent, "id": self._new_id(), "body": body, "in_reply_to_id": comment_id, "user": HUMAN}
        self.review_comments.append(reply)
        return reply

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method != "GET"]

    # ------------------------------------------------------------ HTTP

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        template = template_of(parts.path)
        body: object = None
        record = Recorded(method, parts.path, template, query, None, dict(handler.headers))
        with self._lock:
            self.requests.append(record)
            status, payload, headers = self._answer(handler, method, parts.path, template, query, raw, record)
        if status is None:  # the connection drops without an answer
            handler.close_connection = True
            return
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for key, value in self._rate_headers().items():
            handler.send_header(key, value)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(data)
        del body

    def _rate_headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": "1000",
            "x-ratelimit-remaining": str(self.rate_remaining),
            "x-ratelimit-used": str(1000 - self.rate_remaining),
            "x-ratelimit-reset": "1893456000",
            "x-ratelimit-resource": "core",
        }

    def _answer(self, handler, method, path, template, query, raw, record):
        if not handler.headers.get("User-Agent"):
            return 403, {"message": "Request forbidden by administrative rules. Please make sure your request has a User-Agent header"}, {}
        if handler.headers.get("Authorization") not in (f"token {self.token}", f"Bearer {self.token}"):
            return 401, {"message": "Bad credentials", "status": "401"}, {}
        self.rate_remaining -= 1
        if template is None:
            return 404, {"message": "Not Found", "status": "404"}, {}
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                return 400, {"message": "Problems parsing JSON"}, {}
            if not isinstance(body, dict):
                return 400, {"message": "Body should be a JSON object"}, {}
        record.body = body
        if method != "GET" and body is not None:
            if "annotations" in (body.get("output") or {}) and len(body["output"]["annotations"]) > 50:
                count = len(body["output"]["annotations"])
                return 422, {"message": f"Invalid request.\n\nNo more than 50 items are allowed; {count} were supplied.", "status": "422"}, {}
            problem = validate_request_body(method, template, body)
            if problem is not None:
                return 422, {"message": f"Invalid request.\n\n{problem}", "status": "422"}, {}
            text = body.get("body")
            if isinstance(text, str) and len(text) > MAX_BODY_CHARS:
                return 422, {"message": "Validation Failed", "errors": [{"resource": "IssueComment", "code": "unprocessable", "field": "data", "message": "Body is too long (maximum is 65536 characters)"}], "status": "422"}, {}
        fault = next((f for f in self.faults if f.method == method and f.template == template and f.times > 0), None)
        if fault is not None:
            fault.times -= 1
            if fault.kind == "5xx":
                return 502, {"message": "Server Error"}, {}
            if fault.kind == "reset":
                return None, None, None
            if fault.kind == "secondary":
                return 403, {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", "status": "403"}, {"retry-after": fault.retry_after}
        if self.read_only and method != "GET":
            return 403, {"message": READ_ONLY, "documentation_url": "https://docs.github.com/rest", "status": "403"}, {"x-accepted-github-permissions": "pull_requests=write"}
        answer = self._route(method, template, path, query, body, handler)
        if fault is not None and fault.kind == "lost":
            return None, None, None
        return answer

    def _route(self, method, template, path, query, body, handler):
        segments = path.strip("/").split("/")
        repo = "/".join(segments[1:3]) if segments[0] == "repos" else None
        if repo is not None and repo != self.repo:
            return 404, {"message": "Not Found", "status": "404"}, {}
        key = (method, template)
        if key == ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}"):
            pull = self.pulls.get(int(segments[4]))
            return (200, self._pull_json(pull), {}) if pull else (404, {"message": "Not Found"}, {})
        if key == ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files"):
            return self._page(self.pulls[int(segments[4])].files[:3000], query, handler)
        if key == ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/comments"):
            number = int(segments[4])
            return self._page([c for c in self.review_comments if c["_pull"] == number], query, handler)
        if key == ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"):
            return self._page([r for r in self.reviews if r["_pull"] == int(segments[4])], query, handler)
        if key == ("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"):
            return self._create_review(int(segments[4]), body)
        if key == ("PATCH", "/repos/{owner}/{repo}/pulls/comments/{comment_id}"):
            comment = next((c for c in self.review_comments if c["id"] == int(segments[5])), None)
            if comment is None:
                return 404, {"message": "Not Found"}, {}
            comment["body"] = body["body"]
            return 200, self._public(comment), {}
        if key == ("DELETE", "/repos/{owner}/{repo}/pulls/comments/{comment_id}"):
            self.review_comments = [c for c in self.review_comments if c["id"] != int(segments[5])]
            return 204, {}, {}
        if key == ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments"):
            return self._page([c for c in self.issue_comments if c["_pull"] == int(segments[4])], query, handler)
        if key == ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"):
            comment = {"id": self._new_id(), "body": body["body"], "user": BOT, "_pull": int(segments[4])}
            self.issue_comments.append(comment)
            return 201, self._public(comment), {}
        if key == ("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}"):
            comment = next((c for c in self.issue_comments if c["id"] == int(segments[5])), None)
            if comment is None:
                return 404, {"message": "Not Found"}, {}
            comment["body"] = body["body"]
            return 200, self._public(comment), {}
        if key == ("POST", "/repos/{owner}/{repo}/check-runs"):
            run = {"id": self._new_id(), **{k: v for k, v in body.items() if k != "output"}}
            run["output"] = {k: v for k, v in (body.get("output") or {}).items() if k != "annotations"}
            run["_annotations"] = list((body.get("output") or {}).get("annotations") or [])
            self.check_runs.append(run)
            return 201, self._check_json(run), {}
        if key == ("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}"):
            found = next((r for r in self.check_runs if r["id"] == int(segments[4])), None)
            if found is None:
                return 404, {"message": "Not Found"}, {}
            run = found
            output = body.get("output") or {}
            run["_annotations"].extend(output.get("annotations") or [])
            run["output"].update({k: v for k, v in output.items() if k != "annotations"})
            run.update({k: v for k, v in body.items() if k != "output"})
            return 200, self._check_json(run), {}
        if key == ("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs"):
            runs = [r for r in self.check_runs if r["head_sha"] == segments[4]
                    and ("check_name" not in query or r["name"] == query["check_name"])]
            status, items, headers = self._page(runs, query, handler, render=self._check_json)
            return status, {"total_count": len(runs), "check_runs": items}, headers
        if key == ("POST", "/repos/{owner}/{repo}/statuses/{sha}"):
            self.statuses.append({"sha": segments[4], **body})
            return 201, {"id": self._new_id(), **body}, {}
        if key == ("GET", "/repos/{owner}/{repo}"):
            return 200, {"id": 904411201, "name": self.repo.split("/")[1], "full_name": self.repo}, {}
        if key == ("GET", "/user"):
            return 403, {"message": READ_ONLY, "status": "403"}, {}
        if key == ("GET", "/rate_limit"):
            return 200, {"resources": {}, "rate": {"limit": 1000, "remaining": self.rate_remaining}}, {}
        return 404, {"message": "Not Found", "status": "404"}, {}

    def _page(self, items, query, handler, render=None):
        per_page = min(int(query.get("per_page", 30)), 100)
        page = int(query.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        last = max((len(items) + per_page - 1) // per_page, 1)
        headers = {}
        if last > 1:
            host = handler.headers.get("Host")
            base = f"http://{host}{urlsplit(handler.path).path}"
            links = []
            if page < last:
                links.append(f'<{base}?{urlencode({**query, "page": page + 1})}>; rel="next"')
                links.append(f'<{base}?{urlencode({**query, "page": last})}>; rel="last"')
            if page > 1:
                links.append(f'<{base}?{urlencode({**query, "page": page - 1})}>; rel="prev"')
                links.append(f'<{base}?{urlencode({**query, "page": 1})}>; rel="first"')
            headers["link"] = ", ".join(links)
        return 200, [(render or self._public)(i) for i in chunk], headers

    def _create_review(self, number, body):
        pull = self.pulls[number]
        if body.get("event") in ("COMMENT", "REQUEST_CHANGES") and not body.get("body"):
            return 422, {"message": "Unprocessable Entity", "errors": ["Body is required"], "status": "422"}, {}
        files = {f["filename"]: commentable(f["patch"]) for f in pull.files if f.get("patch")}
        problems = []
        for comment in body.get("comments") or []:
            hunks = files.get(comment["path"], [])
            side = 0 if comment.get("side", "RIGHT") == "RIGHT" else 1
            hunk = next((h for h in hunks if comment.get("line") in h[side]), None)
            if hunk is None:
                problems.append(OUTSIDE_DIFF)
                continue
            start = comment.get("start_line")
            if start is not None:
                if start >= comment["line"]:
                    problems.append(PRECEDE)
                elif start not in hunk[side]:
                    problems.append(SAME_HUNK)
        if problems:
            return 422, {"message": "Unprocessable Entity", "errors": [" and ".join(dict.fromkeys(problems))],
                         "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
                         "status": "422"}, {}
        review = {"id": self._new_id(), "body": body.get("body", ""), "commit_id": body.get("commit_id") or pull.head_sha,
                  "state": "COMMENTED", "user": BOT, "_pull": number}
        self.reviews.append(review)
        for comment in body.get("comments") or []:
            self.review_comments.append({
                "id": self._new_id(), "pull_request_review_id": review["id"], "body": comment["body"],
                "path": comment["path"], "line": comment["line"], "start_line": comment.get("start_line"),
                "side": comment.get("side", "RIGHT"), "commit_id": review["commit_id"], "in_reply_to_id": None,
                "user": BOT, "_pull": number,
            })
        return 200, self._public(review), {}

    def _pull_json(self, pull: Pull) -> dict[str, Any]:
        head_repo = pull.head_repo or self.repo
        return {
            "number": pull.number, "title": pull.title, "state": "open", "changed_files": len(pull.files),
            "head": {"sha": pull.head_sha, "ref": "feature", "repo": {"full_name": head_repo, "fork": head_repo != self.repo}},
            "base": {"sha": pull.base_sha, "ref": "main", "repo": {"full_name": self.repo, "fork": False}},
        }

    @staticmethod
    def _check_json(run: dict[str, Any]) -> dict[str, Any]:
        public = {k: v for k, v in run.items() if not k.startswith("_")}
        public["output"] = {**run.get("output", {}), "annotations_count": len(run["_annotations"])}
        return public

    @staticmethod
    def _public(item: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in item.items() if not k.startswith("_")}
