"""The gate reads each reviewed file once; a file that holds no suppression mark is not decoded."""

from __future__ import annotations

from reviewbot.core.changes import ChangeSet, FileChange
from reviewbot.gate.texts import FileTexts


def test_holds_finds_an_ascii_mark_beside_undecodable_bytes_and_nothing_in_files_without_it(tmp_path):
    (tmp_path / "latin.py").write_bytes(b"name = '\xe9t\xe9'  # reviewbot: ignore[RB101] reason\n")
    (tmp_path / "plain.py").write_bytes(b"x = 1\n")
    changes = ChangeSet(root=str(tmp_path), files=(FileChange("latin.py"), FileChange("plain.py"), FileChange("gone.py")))
    texts = FileTexts(changes)
    assert texts.holds("latin.py", "reviewbot:")
    assert texts.lines("latin.py") == ["name = '\ufffdt\ufffd'  # reviewbot: ignore[RB101] reason"]
    assert not texts.holds("plain.py", "reviewbot:")
    assert texts.text("plain.py") == "x = 1\n"
    assert not texts.holds("gone.py", "reviewbot:")
    assert texts.lines("gone.py") == []


def test_holds_reads_the_text_of_the_change_set_before_the_working_tree(tmp_path):
    (tmp_path / "staged.py").write_text("x = 1\n", encoding="utf-8")
    changes = ChangeSet(root=str(tmp_path), files=(FileChange("staged.py", text="y = 2  # reviewbot: ignore\n"),))
    texts = FileTexts(changes)
    assert texts.holds("staged.py", "reviewbot:")
    assert texts.line("staged.py", 1) == "y = 2  # reviewbot: ignore"


def test_read_ahead_asks_every_file_once_so_the_gate_reads_only_those_with_the_mark(tmp_path):
    # The pipeline calls read_ahead while the analyzers run; the gate's later questions are answered from
    # what it learnt (the files are removed here to show they are not read a second time).
    (tmp_path / "marked.go").write_text("x := 1 // reviewbot: ignore[RB212] reason\n", encoding="utf-8")
    (tmp_path / "plain.go").write_text("x := 1\n", encoding="utf-8")
    changes = ChangeSet(root=str(tmp_path), files=(FileChange("marked.go"), FileChange("plain.go")))
    texts = FileTexts(changes)
    texts.read_ahead("reviewbot:")
    (tmp_path / "marked.go").unlink()
    (tmp_path / "plain.go").write_text("y := 2 // reviewbot: ignore[RB212] added later\n", encoding="utf-8")
    assert texts.holds("marked.go", "reviewbot:")
    assert texts.line("marked.go", 1) == "x := 1 // reviewbot: ignore[RB212] reason"
    assert not texts.holds("plain.go", "reviewbot:")
    # Another mark was not asked ahead: that question reads the file as it is now.
    assert texts.holds("plain.go", "added later")
