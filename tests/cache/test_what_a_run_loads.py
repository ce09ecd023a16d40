"""A run loads only what its change needs: no libcst for a SQL-only change (issue #18)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

LOADED = textwrap.dedent(
    """\
    import sys
    from pathlib import Path
    from reviewbot.cli import main_group
    try:
        main_group(["audit", ".", "--tools", "none", "-q", "--format", "json", "-o", "report.json", *sys.argv[1:]])
    except SystemExit:
        pass
    print("libcst" in sys.modules)
    """
)


def loads_libcst(root: Path, *args: str) -> bool:
    done = subprocess.run([sys.executable, "-c", LOADED, *args], cwd=root, capture_output=True, text=True, timeout=300)
    assert done.stdout.strip() in ("True", "False"), done.stderr
    assert (root / "report.json").is_file()
    return done.stdout.strip() == "True"


def test_a_sql_only_change_never_loads_libcst(tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_index.sql").write_text("CREATE INDEX idx ON payments (customer_id);\n", encoding="utf-8")
    assert not loads_libcst(tmp_path, "--no-cache")
    assert '"RB401"' in (tmp_path / "report.json").read_text(encoding="utf-8")
