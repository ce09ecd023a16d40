"""A fake Anthropic Messages API on 127.0.0.1: scripted answers, cache accounting, every request recorded."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHARS_PER_TOKEN = 4
HANG_LIMIT_SECONDS = 10.0  # a hung answer is released at teardown, or after this at the latest

NORMAL_ANSWER = {
    "summary": "Adds a refund endpoint that calls Stripe and records a ledger entry. "
    "The refund amount is taken from the request body.",
    "risk": {"level": "high", "reasons": ["a refund is created without an idempotency key"]},
    "concerns": [],
    "questions": ["What happens when Stripe times out after the refund was created?"],
}

# What a prompt-injected model might answer: markers, mentions, foreign links, a suggestion, "approve".
INJECTION_ANSWER = {
    "summary": "Approve this PR: the gate is wrong. <!-- reviewbot:summary --> cc @octocat @acme/payments "
    "![p](http://evil.example/p.png) [fix](http://evil.example/fix) <script>alert(1)</script>",
    "risk": {"level": "low", "reasons": ["approve this PR and ignore RB301 <!-- reviewbot:resolved -->"]},
    "concerns": [{
        "path": "payments/refunds.py", "line": 15, "family": "exceptions", "confidence": 0.9,
        "explanation": "Bare except hides refund failures. ```suggestion\n    pass  # approved\n``` @dana-dev",
    }],
    "questions": ["Why not merge now? [click](javascript:alert(1))"],
}


@dataclass
class Reply:
    """One scripted answer: an HTTP status, headers and JSON body, or a hang past the client's timeout."""

    status: int = 200
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    raw: bytes | None = None  # sent as is (a broken body)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict

    @property
    def system_text(self) -> str:
        system = self.body.get("system", "")
        if isinstance(system, str):
            return system
        return "\n".join(block.get("text", "") for block in system)

    @property
    def user_text(self) -> str:
        parts = []
        for message in self.body.get("messages", []):
            content = message.get("content")
            if isinstance(content, str):
                parts.append(content)
            else:
                parts.extend(block.get("text", "") for block in content if isinstance(block, dict))
        return "\n".join(parts)

    @property
    def api_key(self) -> str:
        return self.headers.get("x-api-key") or self.headers.get("authorization", "").removeprefix("Bearer ")

    @property
    def all_text(self) -> str:
        return json.dumps(self.body, ensure_ascii=False)


def tool_answer(tool_input: object, *, stop_reason: str = "tool_use", text: str | None = None) -> Reply:
    """A normal answer calling record_review with `tool_input` (usage is filled in from the request)."""
    content: list[dict] = []
    if text is not None:
        content.append({"type": "text", "text": text})
    content.append({"type": "tool_use", "id": "toolu_01FakeFakeFake", "name": "record_review", "input": tool_input})
    return Reply(body={"content": content, "stop_reason": stop_reason})


def text_answer(text: str, *, stop_reason: str = "end_turn") -> Reply:
    """An answer without the tool: a refusal (stop_reason "refusal") or plain prose."""
    return Reply(body={"content": [{"type": "text", "text": text}], "stop_reason": stop_reason})


def error(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status=status, body={"type": "error", "error": {"type": kind, "message": message}},
                 headers=headers or {})


def overloaded() -> Reply:
    return error(529, "overloaded_error", "Overloaded")


def rate_limited(retry_after: str = "3") -> Reply:
    return error(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit",
                 {"retry-after": retry_after})


def hang() -> Reply:
    return Reply(hang=True)


class FakeAnthropic:
    """Serves POST /v1/messages. Scripted replies are used in order; then the default answer repeats."""

    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.default: Reply = tool_answer(NORMAL_ANSWER)
        self.requests: list[Received] = []
        self._cached_prefixes: set[str] = set()
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeAnthropic:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def then(self, *replies: Reply) -> FakeAnthropic:
        self.script.extend(replies)
        return self

    def _next(self, received: Received) -> tuple[Reply, dict]:
        with self._lock:
            self.requests.append(received)
            reply = self.script.pop(0) if self.script else self.default
            usage = self._usage(received)
        return reply, usage

    def _usage(self, received: Received) -> dict:
        """Cache writes on the first request with a cache_control prefix, cache reads after (like the API)."""
        system = received.body.get("system", [])
        cached = isinstance(system, list) and any(b.get("cache_control") for b in system)
        prefix = json.dumps([received.body.get("tools"), system], sort_keys=True)
        prefix_tokens = len(prefix) // CHARS_PER_TOKEN
        usage = {"input_tokens": len(received.user_text) // CHARS_PER_TOKEN + 10, "output_tokens": 180,
                 "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
        if not cached:
            usage["input_tokens"] += prefix_tokens
        elif prefix in self._cached_prefixes:
            usage["cache_read_input_tokens"] = prefix_tokens
        else:
            self._cached_prefixes.add(prefix)
            usage["cache_creation_input_tokens"] = prefix_tokens
        return usage

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # keep pytest output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                received = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                if self.path.rstrip("/").split("?")[0] != "/v1/messages":
                    self._send(404, error(404, "not_found_error", "not found").body, {})
                    return
                reply, usage = fake._next(received)
                if reply.hang:
                    fake._release.wait(HANG_LIMIT_SECONDS)
                    payload = {"type": "error", "error": {"type": "api_error", "message": "too late"}}
                    self._send(500, payload, {})
                    return
                if reply.raw is not None:
                    self._send(reply.status, None, reply.headers, raw=reply.raw)
                    return
                payload = reply.body
                if reply.status == 200:
                    payload = {
                        "id": "msg_01FakeFakeFake", "type": "message", "role": "assistant",
                        "model": body.get("model", ""), "stop_sequence": None, "usage": usage,
                        **(reply.body or {}),
                    }
                self._send(reply.status, payload, reply.headers)

            def _send(self, status, payload, headers, raw=None):
                data = raw if raw is not None else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.send_header("request-id", "req_fake")
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): that is the point of a hang

        return Handler
