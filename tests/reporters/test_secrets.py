"""No secret from the reviewed code reaches any output: code frames, messages, every format, the review.

One canary of each kind the redactor knows sits on a line with a finding (so every code frame shows
it), and a file that does not parse quotes one in its RB901.
"""

from __future__ import annotations

import pytest

SECRETS = {
    "stripe-secret": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",  # reviewbot: ignore[RB702] a canary the redaction tests look for, never a real key
    "stripe-restricted": "rk_live_51H8d2pLkT9mZq3Xw7Yv2Ab",  # reviewbot: ignore[RB702] a canary the redaction tests look for, never a real key
    "stripe-publishable": "pk_live_51H8d2pLkT9mZq3Xw7Yv2Cd",
    "webhook-secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",  # reviewbot: ignore[RB702] a canary the redaction tests look for, never a real key
    "aws-access-key": "AKIAIOSFODNN7EXAMPLQ",
    "aws-secret-key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKQY",
    "card-number": "4242 4242 4242 4242",
    "github-token": "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "slack-token": "xoxb-2602394712-1234567890123-AbCdEfGhIjKlMnOp",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "api-key": "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv",
    "url-password": "Pa55w0rdS3cret",
    "private-key": "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw",
}
LINES = [
    "import stripe",
    "",
    f'stripe.api_key = "{SECRETS["stripe-secret"]}"',
    f'amount_a: float = 1.0  # restricted = "{SECRETS["stripe-restricted"]}"',
    f'amount_b: float = 1.0  # publishable = "{SECRETS["stripe-publishable"]}"',
    f'amount_c: float = 1.0  # STRIPE_WEBHOOK_SECRET={SECRETS["webhook-secret"]}',
    f'amount_d: float = 1.0  # aws key {SECRETS["aws-access-key"]}',
    f'amount_e: float = 1.0  # aws_secret_access_key = "{SECRETS["aws-secret-key"]}"',
    f'amount_f: float = 1.0  # card {SECRETS["card-number"]}',
    f'amount_g: float = 1.0  # gh {SECRETS["github-token"]}',
    f'amount_h: float = 1.0  # slack {SECRETS["slack-token"]}',
    f'amount_i: float = 1.0  # jwt {SECRETS["jwt"]}',
    f'amount_j: float = 1.0  # anthropic {SECRETS["api-key"]}',
    f'amount_k: float = 1.0  # db postgres://billing:{SECRETS["url-password"]}@db.internal/payments',
    "amount_l: float = 1.0  # -----BEGIN RSA PRIVATE KEY-----",
    f"# {SECRETS['private-key']}",
    "# -----END RSA PRIVATE KEY-----",
]
CANARIES = "\n".join(LINES) + "\n"
BROKEN = f'charge = stripe.Charge.create(amount=100, api_key="{SECRETS["stripe-secret"]}"\n'
# PostgreSQL's parser quotes the token it stopped at: the RB901 message itself carries the secret.
BROKEN_SQL = f"ALTER TABLE payments ADD COLUMN api_key text DEFAULT 'x' {SECRETS['stripe-secret']};\n"


def leaked(output: str) -> list[str]:
    squeezed = output.replace(" ", "")
    return [kind for kind, value in SECRETS.items() if value in output or value.replace(" ", "") in squeezed]


@pytest.fixture
def canaries(repo):
    repo.write("app/settings.py", "import stripe\n")
    repo.commit("base")
    repo.write("app/settings.py", CANARIES)
    repo.write("app/broken.py", BROKEN)
    repo.write("db/migrations/001_api_key.sql", BROKEN_SQL)
    repo.commit("settings")
    return repo


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_no_secret_reaches_any_format(canaries, cli, fmt):
    result = cli(["audit", "--tools", "ruff", "-q", "--format", fmt], canaries.path)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "db/migrations/001_api_key.sql" in result.stdout  # its RB901 quotes the parser, secret masked
    assert leaked(result.stdout + result.stderr) == []


def test_the_code_frames_show_every_canary_line_masked(canaries, cli):
    result = cli(["audit", "--tools", "none", "-q"], canaries.path)
    shown = {}
    for line in result.stdout.splitlines():
        parts = line.split(" | ", 1)
        if len(parts) == 2 and parts[0].strip().isdigit():
            shown[int(parts[0])] = parts[1]
    for number in range(3, 16):  # every canary line, the private key's BEGIN line included
        assert "[REDACTED:" in shown[number], (number, shown.get(number))
    assert leaked(result.stdout) == []


def test_the_review_preview_prints_no_secret(canaries, cli):
    result = cli(["review", "--dry-run", "--base", "HEAD~1", "--head", "HEAD", "--tools", "none"], canaries.path)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "inline comment on app/settings.py" in result.stdout
    assert leaked(result.stdout + result.stderr) == []
