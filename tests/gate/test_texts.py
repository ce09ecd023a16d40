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
