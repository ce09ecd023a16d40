"""Unified diffs from git: renames, deletions, binary, mode-only, no trailing newline, CRLF, non-UTF-8."""

from __future__ import annotations

from reviewbot.core.changes import FileStatus, SkipReason
from reviewbot.sources.git import collect_range, collect_staged
from reviewbot.sources.patch import parse_diff


def diff_of(repo, *args: str) -> str:
    return repo.git("diff", "--no-color", "-M", *args)


def test_modified_file_reports_added_lines_and_hunk_ranges(repo):
    repo.write("app/refunds.py", "".join(f"line_{i} = {i}\n" for i in range(1, 21)))
    repo.commit("base")
    lines = [f"line_{i} = {i}\n" for i in range(1, 21)]
    lines[9] = "line_10 = 1000\n"
    lines.insert(15, "extra = 1\n")
    repo.write("app/refunds.py", "".join(lines))
    files, skipped = parse_diff(diff_of(repo))
    assert skipped == []
    (change,) = files
    assert change.path == "app/refunds.py"
    assert change.status is FileStatus.MODIFIED
    assert change.added_lines == frozenset({10, 16})
    assert change.is_line_in_hunk(8) and not change.is_line_in_hunk(2)


def test_added_file_counts_as_changed_everywhere(repo):
    repo.write("README.md", "x\n")
    repo.commit("base")
    repo.write("migrations/0042_add_index.sql", "CREATE INDEX ix ON payments (status);\n")
    repo.git("add", "-A")
    files, _ = parse_diff(diff_of(repo, "--cached"))
    (change,) = files
    assert change.status is FileStatus.ADDED and change.is_line_added(1)


def test_deleted_binary_and_mode_only_files_are_skipped_and_counted(repo):
    repo.write("app/old.py", "x = 1\n")
    repo.write("app/tool.py", "y = 2\n")
    repo.write("assets/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    repo.commit("base")
    (repo.path / "app/old.py").unlink()
    (repo.path / "app/tool.py").chmod(0o755)
    repo.write("assets/logo.png", b"\x89PNG\r\n\x1a\n\x00\x01\x02changed")
    files, skipped = parse_diff(diff_of(repo))
    assert files == []
    reasons = {s.path: s.reason for s in skipped}
    assert reasons == {
        "app/old.py": SkipReason.DELETED,
        "app/tool.py": SkipReason.MODE_ONLY,
        "assets/logo.png": SkipReason.BINARY,
    }


def test_a_pure_rename_has_no_changed_lines_but_keeps_its_old_path(repo):
    repo.write("app/charges.py", "".join(f"v{i} = {i}\n" for i in range(30)))
    repo.commit("base")
    repo.git("mv", "app/charges.py", "app/payments.py")
    files, _ = parse_diff(diff_of(repo, "--cached"))
    (change,) = files
    assert change.status is FileStatus.RENAMED
    assert change.old_path == "app/charges.py" and change.path == "app/payments.py"
    assert change.added_lines == frozenset()


def test_file_without_trailing_newline_maps_its_last_line(repo):
    repo.write("app/fees.py", "a = 1\nb = 2")
    repo.commit("base")
    repo.write("app/fees.py", "a = 1\nb = 3")
    (change,) = parse_diff(diff_of(repo))[0]
    assert change.added_lines == frozenset({2})


def test_crlf_files_keep_their_line_numbers(repo):
    repo.write("app/ledger.py", b"a = 1\r\nb = 2\r\nc = 3\r\n")
    repo.commit("base")
    repo.write("app/ledger.py", b"a = 1\r\nb = 20\r\nc = 3\r\n")
    (change,) = parse_diff(diff_of(repo))[0]
    assert change.added_lines == frozenset({2})
    assert change.path == "app/ledger.py"


def test_non_utf8_file_is_read_from_the_head_commit(repo):
    repo.write("app/legacy.py", "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n".encode("latin-1"))
    base = repo.commit("base")
    repo.write("app/legacy.py", "# -*- coding: latin-1 -*-\nname = 'caf\xe9s'\n".encode("latin-1"))
    head = repo.commit("head")
    changes = collect_range(repo.path, base, head)
    (change,) = changes.files
    assert change.added_lines == frozenset({2})
    assert change.text is not None and "caf" in change.text


def test_staged_changes_use_the_index_text_not_the_working_tree(repo):
    repo.write("app/payouts.py", "amount_minor = 1\n")
    repo.commit("base")
    repo.write("app/payouts.py", "amount_minor = 2\n")
    repo.git("add", "app/payouts.py")
    repo.write("app/payouts.py", "amount_minor = 3  # not staged\n")
    changes = collect_staged(repo.path)
    (change,) = changes.files
    assert change.text == "amount_minor = 2\n"


def test_staged_changes_work_before_the_first_commit(repo):
    repo.write("app/first.py", "x = 1\n")
    repo.git("add", "-A")
    (change,) = collect_staged(repo.path).files
    assert change.status is FileStatus.ADDED
