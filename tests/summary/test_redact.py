"""Secrets are replaced by placeholders before anything leaves reviewbot; identifiers survive."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reviewbot.core.redact import (
    _CARD_RE,
    _KEY_NEEDLE,
    _NEEDLES,
    _PATTERNS,
    _card_replacer,
    _replacer,
    scrub_lines,
)
from reviewbot.summary.redact import is_luhn_valid, is_secret_path, redact, scrub
from tests.summary.conftest import (
    STRIPE_LIVE,
    STRIPE_PUBLISHABLE,
    STRIPE_RESTRICTED,
    STRIPE_TEST,
    WEBHOOK_SECRET,
)

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEA1c7Yx9AbCdEfGhIjKlMnOpQrStUvWxYz\n"
    "q2w3e4r5t6y7u8i9o0pPaSdFgHjKlZxCvBnM1234567890ab\n"
    "-----END RSA PRIVATE KEY-----"
)
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjdXNfMTIzIiwicm9sZSI6ImFkbWluIn0."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f'stripe.api_key = "{STRIPE_LIVE}"', STRIPE_LIVE),
        (f"client = StripeClient('{STRIPE_TEST}')", STRIPE_TEST),
        ("RESTRICTED = " + STRIPE_RESTRICTED, STRIPE_RESTRICTED),
        ("publishable: " + STRIPE_PUBLISHABLE, STRIPE_PUBLISHABLE),
        (f"verify(payload, sig, '{WEBHOOK_SECRET}')", WEBHOOK_SECRET),
        ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
        (f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET),
        (f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}", AWS_SECRET),
        (f"headers = {{'Authorization': 'Bearer {JWT}'}}", JWT),
        ("ADYEN_API_KEY=AQEyhmfxK4nJbhdGw0m/n3Q5qf3VaY9UCJ14", "AQEyhmfxK4nJbhdGw0m/n3Q5qf3VaY9UCJ14"),
        ("export PAYPAL_CLIENT_SECRET='EHr8a9sd7f6g5h4j3k2l1'", "EHr8a9sd7f6g5h4j3k2l1"),
        ('settings = {"webhook_secret": "s3cr3t-value-from-dashboard"}', "s3cr3t-value-from-dashboard"),
        ('connect(password="correct-horse-battery")', "correct-horse-battery"),
        ("DATABASE_URL=postgres://payments:Hunter2Hunter2@db:5432/pay", "Hunter2Hunter2"),
        ("card = '4242 4242 4242 4242'", "4242 4242 4242 4242"),
        ("pan=5555-5555-5555-4444", "5555-5555-5555-4444"),
        ("amex 378282246310005 on file", "378282246310005"),
    ],
)
def test_secret_values_are_replaced_by_a_placeholder(text, secret):
    out = redact(text)
    assert secret not in out
    assert "[REDACTED:" in out


def test_a_private_key_block_is_replaced_and_line_numbers_after_it_stay_true():
    text = f"KEY = '''\n{PRIVATE_KEY}\n'''\ncharge()\n"
    out = redact(text)
    assert "MIIEowIBAAKCAQEA" not in out and "BEGIN RSA PRIVATE KEY" not in out
    assert out.count("\n") == text.count("\n")
    assert out.splitlines()[-1] == "charge()"


def test_a_private_key_cut_off_by_a_hunk_is_still_redacted():
    text = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
    assert "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" not in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        'api_key = os.environ["STRIPE_SECRET_KEY"]',
        "token = process.env.GITHUB_TOKEN",
        "STRIPE_SECRET_KEY=${STRIPE_SECRET_KEY}",
        "def rotate_webhook_secret(secret_id: str) -> None:",
        "order_id = 4242424242424241",  # not Luhn-valid
        "created_ms = 1700000000000",  # starts with 1: no card network
        "amount_cents = 1999",
        "idempotency_key = f'refund-{refund.id}'",
    ],
)
def test_identifiers_references_and_ordinary_numbers_are_kept(text):
    assert redact(text) == text


def test_scrub_counts_what_it_replaced():
    result = scrub(STRIPE_LIVE + " and 4000 0566 5566 5556")
    assert sorted(result.kinds) == ["card-number", "psp-key"]
    assert result.count == 2


def test_luhn_check_accepts_test_cards_and_rejects_a_changed_digit():
    assert is_luhn_valid("4242424242424242")
    assert not is_luhn_valid("4242424242424241")


@pytest.mark.parametrize(
    "path",
    [".env", ".env.production", "config/.env.local", "deploy/stripe.pem", "certs/server.key", "id_rsa",
     ".ssh/id_ed25519.pub", "credentials.json", "aws/credentials", "keystore.p12", "client.pfx",
     "config/secrets.yaml"],
)
def test_secret_files_are_recognised_by_name(path):
    assert is_secret_path(path)


@pytest.mark.parametrize("path", ["payments/secrets_rotation.py", "payments/keys.py", "docs/env.md", "README.md"])
def test_ordinary_source_files_are_not_secret_files(path):
    assert not is_secret_path(path)


# Found by `python -m bench fuzz`: an AWS secret access key alone in a SQL comment, and a secret in a
# string literal left unterminated (the RB901 code frame printed it).
AWS_SECRET = "wJalrXUtnFEMI/" + "K7MDENGbPxRfiCYzQ9a1B2c3d4"  # 40 characters


@pytest.mark.parametrize("secret", [AWS_SECRET, "wJalrXUtnFEMI/" + "KxMDENGbPxRfiCYzQaBcDeFgHh"])  # no digit
def test_an_aws_secret_access_key_with_no_name_beside_it_is_masked(secret):
    assert secret not in redact(f"CREATE INDEX ix ON payments (status); -- {secret}\n")


def test_a_secret_in_an_unterminated_string_literal_is_masked():
    assert AWS_SECRET not in redact(f'key = "{AWS_SECRET}\n')
    assert "hunter2-but-longer" not in redact('password = "hunter2-but-longer\n')


@pytest.mark.parametrize(
    "text",
    [
        "commit 3b3b0c8a413823c24eed7f13e6ea0792d81d1a2b",  # a git SHA: hex, one case
        "see docs/migrations/postgresql/locks/alter",  # a path: no digit, no upper case
        "token = \"abc",  # too short to be a secret
    ],
)
def test_look_alikes_of_a_secret_are_left_alone(text):
    assert redact(text) == text


# ------------------------------------------- code frames mask only the lines they show (issue #18)

_SECRET_LINES = [
    f'stripe.api_key = "{STRIPE_LIVE}"',
    f"verify(payload, sig, '{WEBHOOK_SECRET}')",
    f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}",
    f"# rotated: {AWS_SECRET}",
    f"headers = {{'Authorization': 'Bearer {JWT}'}}",
    "export PAYPAL_CLIENT_SECRET='EHr8a9sd7f6g5h4j3k2l1'",
    "DATABASE_URL=postgres://payments:Hunter2Hunter2@db:5432/pay",
    "card = '4242 4242 4242 4242'",
    # a name and its value lines apart: the pattern crosses the line breaks through whitespace
    'CONFIG = {"webhook_secret":\n\n\n\n\n\n\n        "s3cr3t-value-from-dashboard"}',
    "export\n\n  STRIPE_SECRET_KEY=\n\n\n   rk_live_abcdefgh12345678",
    'password =\\\n    "correct-horse-battery"',
    f"KEY = '''\n{PRIVATE_KEY}\n'''",
    "password = 'an unterminated literal with a secret",
]


def _document(seed: int) -> str:
    rng = random.Random(seed)
    pieces = _SECRET_LINES * 2 + ["charge(amount_cents)", "", "    ", "# a comment", "total = Decimal('1.00')"] * 6
    rng.shuffle(pieces)
    return "\n".join(pieces) + "\n"


@pytest.mark.parametrize("seed", range(12))
def test_masking_only_the_framed_lines_gives_those_lines_exactly_as_masking_the_whole_file(seed):
    text = _document(seed)
    whole = scrub(text).text.splitlines()
    for number in range(1, len(whole) + 1):
        assert scrub_lines(text, {number - 1, number, number + 1})[number - 1] == whole[number - 1], number
    wanted = set(random.Random(seed).sample(range(1, len(whole) + 1), 10))
    partial = scrub_lines(text, wanted)
    assert len(partial) == len(whole)
    assert all(partial[n - 1] == (whole[n - 1] if n in wanted else "") for n in range(1, len(whole) + 1))
    for secret in (STRIPE_LIVE, WEBHOOK_SECRET, AWS_SECRET, "s3cr3t-value-from-dashboard", "rk_live_abcdefgh12345678",
                   "correct-horse-battery", "MIIEowIBAAKCAQEA", "Hunter2Hunter2", "4242 4242 4242 4242"):
        assert not any(secret in line for line in scrub_lines(text, range(1, len(whole) + 1)))


@pytest.mark.parametrize("index", range(len(_PATTERNS)))
def test_every_match_of_a_pattern_holds_one_of_the_needles_that_let_it_run(index):
    """The needles only skip a pattern that cannot match: whatever text a pattern matches (generated
    from the pattern itself), the match holds one of its needles (lower-cased, but for the private key's)."""
    pattern, kind, _ = _PATTERNS[index]
    if index == 0:
        needles, fold = (_KEY_NEEDLE,), str
    else:
        needles, fold = _NEEDLES[index - 1], str.lower

    # Hypothesis cannot generate from look-arounds (the bare AWS secret key): runs of its alphabet instead.
    strategy = (
        st.text(alphabet="0123456789ABCZabcz/+", min_size=36, max_size=48)
        if pattern.pattern.startswith("(?<!") else st.from_regex(pattern)
    )

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    @example("Ab" * 10 + "+" + "cD" * 9 + "e")
    @example("Ab" * 10 + "/" + "cD" * 9 + "e")
    def holds_a_needle(text: str) -> None:
        match = pattern.search(text)
        if match is not None:
            assert any(needle in fold(match.group(0)) for needle in needles), (kind, match.group(0))

    holds_a_needle()


def test_a_secret_is_masked_the_same_whether_or_not_other_patterns_were_skipped():
    text = "\n".join(_SECRET_LINES) + "\nplain = 1\n"
    assert scrub(text).text == _scrub_every_pattern(text)
    assert scrub("x = 1\ny = 'hello'\n").text == "x = 1\ny = 'hello'\n"


def _scrub_every_pattern(text: str) -> str:
    kinds: list[str] = []
    text = _PATTERNS[0][0].sub(_replacer(_PATTERNS[0][1], _PATTERNS[0][2], kinds), text)
    for pattern, kind, group in _PATTERNS[1:]:
        text = pattern.sub(_replacer(kind, group, kinds), text)
    return _CARD_RE.sub(_card_replacer(kinds), text)
