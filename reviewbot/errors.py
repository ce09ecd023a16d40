"""The ReviewbotError tree: what went wrong, what to do, and the exit code.

    ReviewbotError            exit 2, the root; message + hint
    ├── UsageError            bad command-line usage (unknown format, bad option value)
    ├── ConfigError           bad [tool.reviewbot] keys or values
    ├── SourceError           a path, patch, git range or PR that cannot be read
    ├── ToolError             an external tool (ruff, mypy, semgrep) missing or broken
    └── GitHubError           the GitHub API could not complete the review
"""

from __future__ import annotations

from typing import ClassVar

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_ERROR = 2


class ReviewbotError(Exception):
    """An error the user can act on; printed as one line plus a hint, never a traceback."""

    exit_code: ClassVar[int] = EXIT_ERROR
    kind: ClassVar[str] = "error"

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        """The line(s) printed on stderr."""
        text = f"reviewbot: {self.kind}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class UsageError(ReviewbotError):
    kind = "usage error"


class ConfigError(ReviewbotError):
    kind = "configuration error"


class SourceError(ReviewbotError):
    kind = "input error"


class ToolError(ReviewbotError):
    kind = "tool error"


class GitHubError(ReviewbotError):
    kind = "GitHub error"
