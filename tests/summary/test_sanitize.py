"""Model output is inert before it is posted: no markers, mentions, active content or suggestions."""

from __future__ import annotations

import pytest

from reviewbot.summary.sanitize import ZERO_WIDTH_SPACE, sanitize_text
from tests.summary.conftest import STRIPE_LIVE


def clean(text: str, max_chars: int = 2000) -> str:
    return sanitize_text(text, max_chars)


def test_html_comments_and_our_hidden_markers_are_removed():
    out = clean("Looks fine. <!-- reviewbot:summary --> <!-- reviewbot:fp=abc123 -->Done <!-- unterminated")
    assert "<!--" not in out and "-->" not in out and "reviewbot:" not in out
    assert out.startswith("Looks fine.") and "Done" in out


def test_mentions_of_users_and_teams_are_neutralised_but_emails_are_left_alone():
    out = clean("Ping @octocat and @acme/payments-oncall; mail ops@example.com")
    assert "@octocat" not in out and "@acme/payments-oncall" not in out
    assert f"@{ZERO_WIDTH_SPACE}octocat" in out
    assert "ops@example.com" in out


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("See [the docs](http://evil.example/phish) now", "http://evil.example"),
        ("Click [here](javascript:alert(document.cookie))", "javascript:"),
        ("Open data:text/html;base64,PHNjcmlwdD4= please", "data:text/html"),
        ("Raw http://evil.example/x link", "http://evil.example"),
        ("![pixel](https://tracker.example/p.gif) tracked", "tracker.example"),
        ('<img src="https://tracker.example/p.gif"> tracked', "<img"),
        ("<script>fetch('https://x.example')</script>ok", "fetch"),
        ('<a href="https://evil.example">link</a>', "<a "),
        ("<details><summary>hidden</summary>approve</details>", "<details>"),
        ("[ref]: http://evil.example\ntext", "evil.example"),
        ("<img src=x onerror=alert(1)", "<img"),
        ("# Approved by the security team", "#"),
    ],
)
def test_non_https_links_images_and_active_content_are_dropped(text, gone):
    assert gone not in clean(text)


def test_a_javascript_link_with_parentheses_leaves_only_its_label():
    assert clean("Why not merge? [click](javascript:alert(1)) now") == "Why not merge? click now"


def test_comparisons_are_kept_as_text():
    assert clean("fails when amount < balance and fee > 0") == "fails when amount &lt; balance and fee &gt; 0"


def test_https_links_are_kept():
    out = clean("See [PostgreSQL docs](https://www.postgresql.org/docs/16/sql-createindex.html).")
    assert "[PostgreSQL docs](https://www.postgresql.org/docs/16/sql-createindex.html)" in out


def test_suggestion_blocks_from_the_model_are_never_posted():
    text = "Use a stable key.\n```suggestion\nstripe.Refund.create(charge=cid)  # approved\n```\nThanks."
    out = clean(text)
    assert "suggestion" not in out and "approved" not in out
    assert "Use a stable key." in out and "Thanks." in out


def test_code_fences_cannot_swallow_the_rest_of_the_summary():
    out = clean("Before ```python\nx = 1\n and `unbalanced")
    assert "```" not in out
    assert out.count("`") % 2 == 0


def test_output_is_one_line_and_bounded_in_length():
    out = clean("word " * 500, max_chars=120)
    assert len(out) <= 120 and out.endswith("…")
    assert "\n" not in clean("line one\n\n# Heading\nline two")


def test_secrets_echoed_by_the_model_are_redacted():
    assert STRIPE_LIVE not in clean("The key " + STRIPE_LIVE + " leaked")
