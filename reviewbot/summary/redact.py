"""Secret redaction for the summary and the prompt: the one detector in core/redact.py."""

from __future__ import annotations

from reviewbot.core.redact import (
    PLACEHOLDER,
    SECRET_FILE_GLOBS,
    Redacted,
    is_luhn_valid,
    is_secret_path,
    redact,
    scrub,
)

__all__ = ["PLACEHOLDER", "SECRET_FILE_GLOBS", "Redacted", "is_luhn_valid", "is_secret_path", "redact", "scrub"]
