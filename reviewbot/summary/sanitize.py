"""Model output made safe to post: no hidden markers, mentions, active content, foreign links or suggestions."""

from __future__ import annotations

import re

from reviewbot.summary.redact import redact

ZERO_WIDTH_SPACE = "\u200b"
ELLIPSIS = "…"

_SUGGESTION_BLOCK_RE = re.compile(
    r"(?ms)^[ \t]*(`{3,}|~{3,})[ \t]*suggestion\b.*?(?:^[ \t]*\1[ \t]*$|\Z)"
)
_INLINE_SUGGESTION_RE = re.compile(r"(`{3,}|~{3,})\s*suggestion\b.*?(?:\1|\Z)", re.S)
_HTML_COMMENT_RE = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_DANGEROUS_ELEMENT_RE = re.compile(
    r"(?is)<\s*(script|style|iframe|object|embed|svg|math|template|textarea|form)\b.*?(?:<\s*/\s*\1\s*>|\Z)"
)
_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>")
_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)?")
_LINK_RE = re.compile(r"\[([^\]]*)\]\(\s*((?:[^()\s]|\([^()\s]*\))*)[^)]*\)")
_REFERENCE_DEFINITION_RE = re.compile(r"(?m)^[ \t]*\[[^\]]+\]:\s*\S+.*$")
_ACTIVE_SCHEME_RE = re.compile(r"(?i)\b(?:javascript|vbscript|data|file|blob)\s*:\S*")
_URL_RE = re.compile(r"(?i)\b(?:https?|ftp|wss?)://[^\s)\]]+")
_MENTION_RE = re.compile(r"(?<![\w`/.@])@(?=[A-Za-z0-9][A-Za-z0-9-]*)")
_FENCE_RE = re.compile(r"`{3,}|~{3,}")
_SPACE_RE = re.compile(r"\s+")


def sanitize_text(text: str, max_chars: int) -> str:
    """One line of model prose, safe to embed in our Markdown: inert, redacted and at most `max_chars`."""
    text = _SUGGESTION_BLOCK_RE.sub(" ", text)
    text = _INLINE_SUGGESTION_RE.sub(" ", text)
    text = _HTML_COMMENT_RE.sub(" ", text)
    text = text.replace("-->", " ").replace("<!--", " ")
    text = _DANGEROUS_ELEMENT_RE.sub(" ", text)
    text = _TAG_RE.sub(" ", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    text = _IMAGE_RE.sub(" ", text)
    text = _REFERENCE_DEFINITION_RE.sub(" ", text)
    text = _LINK_RE.sub(_link, text)
    text = _ACTIVE_SCHEME_RE.sub(" ", text)
    text = _URL_RE.sub(_url, text)
    text = _FENCE_RE.sub(" ", text)
    text = _MENTION_RE.sub("@" + ZERO_WIDTH_SPACE, text)
    text = redact(text)
    text = _SPACE_RE.sub(" ", text).strip().lstrip("#> ")  # it is embedded after a bullet: no heading or quote
    text = _balance_backticks(text)
    return truncate(text, max_chars)


def truncate(text: str, max_chars: int) -> str:
    """`text` cut at a word boundary so that it is at most `max_chars` long, ending with an ellipsis."""
    if len(text) <= max_chars:
        return text
    cut = text[: max(max_chars - 1, 0)]
    space = cut.rfind(" ")
    if space > max_chars // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def _link(match: re.Match[str]) -> str:
    label, url = match.group(1).strip(), match.group(2)
    if _is_safe_url(url):
        return f"[{label or url}]({url})"
    return f" {label} "


def _url(match: re.Match[str]) -> str:
    url = match.group(0)
    return url if _is_safe_url(url) else " "


def _is_safe_url(url: str) -> bool:
    return bool(re.fullmatch(r"https://[A-Za-z0-9.-]+(?::\d+)?(?:/[^\s\"'<>()\[\]]*)?", url))


def _balance_backticks(text: str) -> str:
    # An odd backtick would open a code span that swallows the rest of our Markdown.
    return text if text.count("`") % 2 == 0 else text.replace("`", "'")
