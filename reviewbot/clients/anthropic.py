"""The Anthropic Messages client: the one module importing `anthropic`; typed objects, bounded retries."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reviewbot.errors import ReviewbotError

if TYPE_CHECKING:  # the SDK is imported lazily, so `reviewbot --version` never loads it
    import anthropic
    from anthropic.types import TextBlockParam, ToolParam

DEFAULT_BASE_URL = "https://api.anthropic.com"
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 16.0
# A longer Retry-After is not worth holding a CI job for: give up and post the deterministic summary.
MAX_RETRY_AFTER_SECONDS = 60.0
OVERLOADED_STATUS = 529  # Anthropic's "overloaded_error"
RETRYABLE_STATUSES = frozenset({408, 409, 429})  # plus every 5xx; the SDK's own retry rule

Sleep = Callable[[float], None]
JsonObject = dict[str, object]


class AnthropicCallError(ReviewbotError):
    """The Messages API gave no usable answer after the allowed attempts."""

    kind = "Anthropic API error"

    def __init__(self, message: str, attempts: int, hint: str = "") -> None:
        super().__init__(message, hint)
        self.attempts = attempts


@dataclass(frozen=True, slots=True)
class SystemBlock:
    text: str
    cache: bool = False  # marks the end of the cacheable prefix (tools + system)


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    description: str
    input_schema: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class MessageRequest:
    """One forced tool call: the system blocks, one user message, one tool the model must call."""

    model: str
    max_tokens: int
    system: tuple[SystemBlock, ...]
    user: str
    tool: ToolSpec


@dataclass(frozen=True, slots=True)
class TokenUsage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0

    @property
    def total(self) -> int:
        return (self.input_tokens + self.output_tokens + self.cache_creation_input_tokens
                + self.cache_read_input_tokens)


@dataclass(frozen=True, slots=True)
class MessageResult:
    model: str
    stop_reason: str  # "tool_use", "end_turn", "max_tokens", "refusal", ...
    tool_input: JsonObject | None  # the input of the first call of the requested tool
    text: str  # any text blocks, joined
    usage: TokenUsage
    attempts: int


class AnthropicClient:
    """Sends one `MessageRequest`; retries timeouts, 429 (Retry-After), 529 and 5xx, then gives up."""

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout_seconds: float = 60.0,
        max_retries: int = 2,
        sleep: Sleep = time.sleep,
    ) -> None:
        self._api_key = api_key
        self.base_url = base_url
        self.timeout_seconds = timeout_seconds
        self.max_retries = max_retries
        self._sleep = sleep
        self._sdk: anthropic.Anthropic | None = None

    def create_message(self, request: MessageRequest) -> MessageResult:
        """The model's answer to `request`, or AnthropicCallError after at most 1 + max_retries attempts."""
        import anthropic

        sdk = self._client()
        reason = ""
        for attempt in range(1, self.max_retries + 2):
            try:
                response = sdk.messages.with_raw_response.create(
                    model=request.model,
                    max_tokens=request.max_tokens,
                    system=[_system_param(block) for block in request.system],
                    messages=[{"role": "user", "content": request.user}],
                    tools=[_tool_param(request.tool)],
                    tool_choice={"type": "tool", "name": request.tool.name},
                )
                return parse_message(response.json(), request.tool.name, attempt)
            except ValueError as err:  # the body is not JSON at all
                raise AnthropicCallError(f"unreadable response ({_attempts(attempt)})", attempt) from err
            except anthropic.APITimeoutError:
                reason, delay = f"timed out after {self.timeout_seconds:g}s", _backoff(attempt)
            except anthropic.APIConnectionError:
                reason, delay = "could not connect", _backoff(attempt)
            except anthropic.APIStatusError as err:
                status = err.status_code
                if status not in RETRYABLE_STATUSES and status < 500:
                    raise AnthropicCallError(
                        f"the API rejected the request ({status} {_error_type(err.body)})", attempt,
                        hint="check ANTHROPIC_API_KEY and [tool.reviewbot.llm] model",
                    ) from err
                reason = {429: "rate limited (429)", OVERLOADED_STATUS: "overloaded (529)"}.get(
                    status, f"server error ({status})"
                )
                delay = _retry_after(err.response.headers) or _backoff(attempt)
            except anthropic.APIError as err:  # anything else the SDK raises: no retry helps
                raise AnthropicCallError(f"unusable response: {type(err).__name__}", attempt) from err
            if attempt > self.max_retries:
                break
            if delay > MAX_RETRY_AFTER_SECONDS:
                reason += f"; asked to wait {delay:g}s"
                break
            self._sleep(delay)
        raise AnthropicCallError(f"{reason} ({_attempts(attempt)})", attempt)

    def _client(self) -> anthropic.Anthropic:
        if self._sdk is None:
            import anthropic

            # Retries are ours (above), so that Retry-After is honoured and the sleeper is injectable.
            self._sdk = anthropic.Anthropic(
                api_key=self._api_key, base_url=self.base_url, timeout=self.timeout_seconds, max_retries=0
            )
        return self._sdk


def client_from_env(
    environ: Mapping[str, str], *, timeout_seconds: float, max_retries: int, sleep: Sleep = time.sleep
) -> AnthropicClient | None:
    """A client when ANTHROPIC_API_KEY is set (ANTHROPIC_BASE_URL honoured); None means: no call at all."""
    key = environ.get("ANTHROPIC_API_KEY", "").strip()
    if not key:
        return None
    base_url = environ.get("ANTHROPIC_BASE_URL", "").strip() or DEFAULT_BASE_URL
    return AnthropicClient(key, base_url, timeout_seconds=timeout_seconds, max_retries=max_retries, sleep=sleep)


def _system_param(block: SystemBlock) -> TextBlockParam:
    if block.cache:
        return {"type": "text", "text": block.text, "cache_control": {"type": "ephemeral"}}
    return {"type": "text", "text": block.text}


def _tool_param(tool: ToolSpec) -> ToolParam:
    return {"name": tool.name, "description": tool.description, "input_schema": dict(tool.input_schema)}


def parse_message(data: object, tool_name: str, attempts: int) -> MessageResult:
    """The Messages API's JSON answer as a MessageResult; AnthropicCallError when it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("content"), list):
        raise AnthropicCallError(f"the answer is not a message ({_attempts(attempts)})", attempts)
    tool_input: JsonObject | None = None
    texts: list[str] = []
    for block in data["content"]:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "tool_use" and block.get("name") == tool_name and tool_input is None:
            raw = block.get("input")
            # A non-object input is kept as an empty object: the caller's schema check rejects it.
            tool_input = {str(k): v for k, v in raw.items()} if isinstance(raw, dict) else {}
        elif block.get("type") == "text" and isinstance(block.get("text"), str):
            texts.append(block["text"])
    usage = data.get("usage")
    counts = usage if isinstance(usage, dict) else {}
    model, stop = data.get("model"), data.get("stop_reason")
    return MessageResult(
        model=model if isinstance(model, str) else "",
        stop_reason=stop if isinstance(stop, str) else "",
        tool_input=tool_input,
        text="\n".join(texts),
        usage=TokenUsage(*(_count(counts.get(name)) for name in (
            "input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"))),
        attempts=attempts,
    )


def _attempts(count: int) -> str:
    return f"{count} attempt" if count == 1 else f"{count} attempts"


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _backoff(attempt: int) -> float:
    delay: float = BACKOFF_BASE_SECONDS * 2.0 ** (attempt - 1)
    return min(delay, BACKOFF_MAX_SECONDS)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from `retry-after-ms` or `retry-after` (seconds form; an HTTP date falls back to backoff)."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            continue
        if seconds >= 0:
            return seconds
    return None


def _error_type(body: object) -> str:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("type"), str):
            return str(error["type"])
    return "error"
