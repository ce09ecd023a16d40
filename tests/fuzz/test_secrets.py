"""Fuzz: a secret in reviewed code never appears in reviewbot's output, in any format, code frames and
RB901 messages included (issue #15: 8 of 13 canary secrets were printed in full)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.budget import budget, check
from tests.fuzz.oracle import git, run_cli, write

_ALNUM = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=24, max_size=32)
# Fresh canaries each example (split prefixes: secret scanners must not flag this file).
SECRETS = st.one_of(
    _ALNUM.map(lambda s: "sk_" + "live_" + s),
    _ALNUM.map(lambda s: "rk_" + "live_" + s),
    _ALNUM.map(lambda s: "whsec_" + s),
    _ALNUM.map(lambda s: "wJalrXUtnFEMI/" + s[:26]),  # the shape of an AWS secret access key
    st.sampled_from(["4242424242424242", "5555555555554444", "378282246310005"]),  # card numbers
)
# Where the secret sits: lines that get findings (and so code frames), a parse error quoting it, SQL.
PLACES = {
    "float": 'api_key = "{s}"\namount: float = 1.0  # {s}\n',
    "assignment": 'STRIPE_SECRET_KEY = "{s}"\n',
    "log": 'import logging\nlogging.info("card %s", "{s}")\n',
    "unterminated": 'amount: float = 1.0\nkey = "{s}\n',
    "deep": 'token = "{s}"; x = a' + ".b" * 3000 + "\n",
    "sql": "CREATE INDEX ix ON payments (status); -- {s}\n",
}


def leaks(secret: str, place: str, fmt: str) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="reviewbot-fuzz-") as tmp:
        root = Path(tmp)
        git(root, "init", "-q", "-b", "main")
        write(root, "payments/base.py", b"x = 1\n")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "base")
        rel = "migrations/0042_leak.sql" if place == "sql" else "payments/leak.py"
        write(root, rel, PLACES[place].format(s=secret).encode())
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "leak")
        if fmt == "review":
            run = run_cli(["review", "--dry-run", "--base", "HEAD~1", "--head", "HEAD", "--tools", "none"], root)
        else:
            run = run_cli(["audit", ".", "--tools", "none", "--format", fmt, "-q"], root)
        return [f"{fmt}: the secret from a {place} line was printed" for text in (run.stdout, run.stderr) if secret in text]


@budget(ci=10, bench=400)
@given(SECRETS, st.sampled_from(sorted(PLACES)), st.sampled_from(["text", "json", "sarif", "github", "review"]))
def test_a_secret_in_reviewed_code_is_never_printed(secret, place, fmt):
    check("secrets", 1, leaks(secret, place, fmt))
