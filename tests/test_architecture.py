"""Imports point down STYLE.md's floor table, never up, never sideways between stages."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "reviewbot"

FLOORS = {
    "cli": 6, "__main__": 6,
    "pipeline": 5, "explain": 5, "review": 5,
    "summary": 4, "reporters": 4,
    "gate": 3,
    "sources": 2, "analyzers": 2,
    "config": 1, "clients": 1,
    "core": 0, "errors": 0, "__init__": 0,
}
# What each stage may import from reviewbot (STYLE.md §1, the floor table).
ALLOWED = {
    "cli": None,  # anything below
    # STYLE.md lets floor 6 import anything below; __main__ keeps to what it needs before the CLI's imports:
    # the CLI, and for `audit FILE...` the fork server's early start (analyzers.preload and .workers, core.jobs).
    "__main__": {"cli", "analyzers", "core"},
    "pipeline": {"core", "errors", "config", "clients", "sources", "analyzers", "gate", "summary", "reporters", "explain", "__init__"},
    "explain": {"core", "errors", "config", "clients", "sources", "analyzers", "gate", "summary", "reporters", "__init__"},
    "review": {"core", "errors", "config", "clients", "sources", "analyzers", "gate", "summary", "reporters", "pipeline", "explain", "__init__"},
    "summary": {"core", "config", "errors", "clients", "summary", "__init__"},
    "reporters": {"core", "config", "errors", "clients", "reporters", "__init__"},
    "gate": {"core", "config", "errors", "gate"},
    "sources": {"core", "config", "errors", "clients", "sources"},
    "analyzers": {"core", "config", "errors", "analyzers"},
    "config": {"core", "errors"},
    "clients": {"core", "errors", "clients"},
    "core": {"core"},
    "errors": set(),
    "__init__": set(),
}


def stage_of(module_path: Path) -> str:
    rel = module_path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def reviewbot_imports(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "reviewbot":
                found.extend("__init__" if a.name == "__version__" else a.name for a in node.names)
            elif node.module.startswith("reviewbot."):
                found.append(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.extend(a.name.split(".")[1] for a in node.names if a.name.startswith("reviewbot."))
    return found


def test_every_module_imports_only_from_the_floors_below_it():
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        stage = stage_of(path)
        allowed = ALLOWED[stage]
        if allowed is None:
            continue
        for target in reviewbot_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if target not in allowed:
                violations.append(f"{path.relative_to(PACKAGE.parent)} imports reviewbot.{target}")
    assert violations == []


def test_nothing_imports_the_cli():
    importers = [
        str(p.relative_to(PACKAGE.parent))
        for p in PACKAGE.rglob("*.py")
        if stage_of(p) not in ("cli", "__main__") and "cli" in reviewbot_imports(ast.parse(p.read_text(encoding="utf-8")))
    ]
    assert importers == []


def test_version_is_import_light():
    import subprocess
    import sys

    code = "import sys, reviewbot.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in ('github', 'anthropic', 'libcst', 'pglast')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
