"""TypeScript and Go in the pipeline: on by default, and nothing passes silently."""

from __future__ import annotations

import json

EMPTY_ERROR_BRANCH = "package p\n\nfunc f() {\n\tif err := db.Exec(q); err != nil {\n\t}\n}\n"


def test_go_and_typescript_files_are_analysed_by_default_and_unread_files_are_named(cli, repo):
    repo.write("gateway/pay.go", EMPTY_ERROR_BRANCH)
    repo.write("api/src/pay.ts", "export const amountMinor = 100;\n")
    repo.write("ledger/src/lib.rs", "fn main() {}\n")
    repo.write("ledger/src/post.rs", "fn post() {}\n")
    result = cli(["audit", "gateway/pay.go", "api/src/pay.ts", "ledger/src/lib.rs", "ledger/src/post.rs",
                  "--tools", "none", "--format", "json"], repo.path)
    data = json.loads(result.stdout)
    assert [(f["path"], f["rule"]) for f in data["findings"]] == [("gateway/pay.go", "RB213")]
    assert data["stats"]["not_analysed"] == ["ledger/src/lib.rs", "ledger/src/post.rs"]
    assert {"go", "typescript"} <= set(data["stats"]["analyzers"])
    assert "2 files not analysed: .rs (2)" in result.stderr

    text = cli(["audit", "ledger/src/lib.rs", "--tools", "none"], repo.path)
    assert "note: 1 file not analysed: .rs (ledger/src/lib.rs)" in text.stdout


def test_a_language_turned_off_in_the_configuration_is_a_note_and_its_files_are_not_analysed(cli, repo):
    repo.write("pyproject.toml", '[tool.reviewbot]\nlanguages = ["python", "sql", "typescript"]\n')
    repo.write("gateway/pay.go", EMPTY_ERROR_BRANCH)
    result = cli(["audit", "gateway/pay.go", "--tools", "none"], repo.path)
    assert result.exit_code == 0
    assert "the go analyzer is turned off" in result.stdout
    assert "1 file not analysed: .go (gateway/pay.go)" in result.stdout


def test_an_unknown_language_is_a_configuration_error(cli, repo):
    repo.write("pyproject.toml", '[tool.reviewbot]\nlanguages = ["typescrpt"]\n')
    repo.write("api/pay.ts", "export {};\n")
    result = cli(["audit", "api/pay.ts", "--tools", "none"], repo.path)
    assert result.exit_code == 2
    assert "unknown language 'typescrpt'" in result.stderr and "typescript" in result.stderr


def test_python_only_runs_do_not_start_the_typescript_or_go_analyzers(cli, repo):
    repo.write("app/pay.py", "amount_minor = 100\n")
    data = json.loads(cli(["audit", "app/pay.py", "--tools", "none", "--format", "json"], repo.path).stdout)
    assert set(data["stats"]["analyzers"]) == {"reviewbot", "migrations"}
    assert data["stats"]["not_analysed"] == []
