"""Named paths resolve as `Path.resolve` does, with each folder resolved once (links, `..`, outside the root)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reviewbot.sources.paths import relative, resolve


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A root with real folders, a linked folder, a linked file, a link to a link and a folder outside it."""
    root = tmp_path / "repo"
    (root / "src" / "pay").mkdir(parents=True)
    (root / "src" / "pay" / "a.ts").write_text("x")
    (root / "src" / "b.go").write_text("x")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "c.py").write_text("x")
    (root / "linked").symlink_to(root / "src" / "pay", target_is_directory=True)
    (root / "outside").symlink_to(outside, target_is_directory=True)
    (root / "alias.go").symlink_to(root / "src" / "b.go")
    (root / "alias2.go").symlink_to(root / "alias.go")
    (root / "src" / "up").symlink_to(root / "src" / "pay", target_is_directory=True)
    monkeypatch.chdir(root)
    return root


NAMES = [
    "src/pay/a.ts", "src/b.go", "linked/a.ts", "outside/c.py", "alias.go", "alias2.go", "./src/./b.go",
    "src/up/../b.go",  # `..` after a link: the link's target's parent, not src/
    "linked/../src/b.go", "src/pay", "src", ".", "linked", "../elsewhere/c.py", "missing/x.ts", "src/missing.ts",
]


@pytest.mark.parametrize("name", NAMES)
def test_resolve_is_realpath(tree: Path, name: str) -> None:
    assert resolve(name) == os.path.realpath(name)
    assert resolve(Path(name)) == str(Path(name).resolve())
    assert resolve(tree / name) == os.path.realpath(tree / name)


@pytest.mark.parametrize("name", NAMES)
def test_relative_is_the_resolved_path_from_the_root(tree: Path, name: str) -> None:
    real = Path(name).resolve()
    try:
        expected = real.relative_to(tree).as_posix()
    except ValueError:
        expected = Path(os.path.relpath(real, tree)).as_posix()
    assert relative(tree, Path(name)) == expected


def test_a_link_to_a_folder_changed_between_calls_is_not_remembered_for_the_file_itself(tree: Path) -> None:
    # Folders are remembered for the run; a file that is itself a link is resolved every time.
    assert relative(tree, Path("alias.go")) == "src/b.go"
    (tree / "alias.go").unlink()
    (tree / "alias.go").symlink_to(tree / "src" / "pay" / "a.ts")
    assert relative(tree, Path("alias.go")) == "src/pay/a.ts"


def test_named_paths_files_links_folders_and_what_is_missing(tree: Path) -> None:
    # Each named path is asked of once (one stat): a file, a link to a file (its real path), a link to a
    # folder (walked), a folder; a missing path and a link to nothing are errors that name them.
    from reviewbot.config import Config
    from reviewbot.errors import SourceError
    from reviewbot.sources.paths import collect_audit

    config = Config(root=str(tree))
    named = [tree / "src" / "b.go", tree / "alias2.go", tree / "linked"]
    got = [f.path for f in collect_audit(named, tree, config).files]
    assert got == sorted({"src/b.go", *(f"src/pay/{p.name}" for p in (tree / "src" / "pay").iterdir())})
    (tree / "dangling.go").symlink_to(tree / "nowhere.go")
    with pytest.raises(SourceError, match="cannot read .*dangling.go"):
        collect_audit([tree / "dangling.go"], tree, config)
    with pytest.raises(SourceError, match="path .*absent.go does not exist"):
        collect_audit([tree / "absent.go"], tree, config)
