"""Golden files for the JSON and SARIF reports and for diff parsing; refresh with REVIEWBOT_UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reviewbot.sources.patch import parse_diff

GOLDEN = Path(__file__).parent / "golden"
FILES = {
    "payments/refunds.py": (
        "import stripe\n\n\n"
        "def refund_half(charge_id: str, amount_cents: int) -> float:\n"
        "    try:\n"
        "        stripe.Refund.create(charge=charge_id, amount=amount_cents // 2)\n"
        "    except:\n"
        "        pass\n"
        "    return amount_cents / 100\n"
    ),
    "migrations/0002_index.sql": "CREATE INDEX payments_status_idx ON payments (status);\n",
}


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("REVIEWBOT_UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"missing golden file {path}: run with REVIEWBOT_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


@pytest.fixture
def project(repo):
    for rel, text in FILES.items():
        repo.write(rel, text)
    return repo


def test_json_report_matches_its_golden_file(project, cli):
    data = json.loads(cli(["audit", "--tools", "none", "--format", "json"], project.path).stdout)
    data["stats"]["seconds"] = 0.0
    for entry in data["stats"]["analyzers"].values():
        entry["seconds"] = 0.0
    check_golden("audit.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def test_sarif_report_matches_its_golden_file(project, cli):
    data = json.loads(cli(["audit", "--tools", "none", "--format", "sarif"], project.path).stdout)
    data["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "file:///repo/"
    data["runs"][0]["tool"]["driver"]["version"] = "VERSION"
    check_golden("audit.sarif", json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def test_diff_parsing_matches_its_golden_file(repo):
    repo.write("app/charges.py", "".join(f"line_{i} = {i}\n" for i in range(1, 30)))
    repo.write("app/old.py", "x = 1\n")
    repo.commit("base")
    text = (repo.path / "app/charges.py").read_text().replace("line_5 = 5\n", "line_5 = 50\nextra = 1\n")
    repo.write("app/charges.py", text.replace("line_25 = 25\n", ""))
    (repo.path / "app/old.py").unlink()
    repo.write("app/new.py", "y = 2\n")
    repo.git("add", "-A")
    files, skipped = parse_diff(repo.git("diff", "--cached", "-M"))
    rendered = {
        "files": [
            {"path": f.path, "status": f.status.value, "old_path": f.old_path,
             "hunks": [[h.new_start, h.new_end, list(h.added)] for h in f.hunks]}
            for f in files
        ],
        "skipped": [{"path": s.path, "reason": s.reason.value} for s in skipped],
    }
    check_golden("diff.json", json.dumps(rendered, indent=2) + "\n")
