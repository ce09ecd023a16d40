"""The tsc adapter: the project's own TypeScript, per owning tsconfig.json, findings on the right lines."""

from __future__ import annotations

import json
from pathlib import Path

from reviewbot.analyzers.base import NullProgress
from reviewbot.analyzers.tools.tsc import TscAnalyzer, owning_projects, parse_tsc_output, read_jsonc
from reviewbot.config import Config, TscConfig
from reviewbot.core.changes import ChangeSet, FileChange, FileStatus, Hunk, Mode

from .conftest import PLATFORM, TSGO_FIXTURE

MONEY_LINE = 'export const MAX_AMOUNT_MINOR = 99_999_999;'


def _ts_files(project: Path, root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in project.rglob("*.ts") if "node_modules" not in p.parts)


def test_the_platform_api_is_clean_under_its_own_tsconfig(copy_ts_project, tmp_path, audit):
    api = copy_ts_project(PLATFORM / "api", tmp_path / "repo" / "api")
    root = tmp_path / "repo"
    result = TscAnalyzer().analyze(audit(root, *_ts_files(api, root)), Config(root=str(root)), NullProgress())
    assert result.findings == ()
    assert result.notes == ()
    assert result.files == len(_ts_files(api, root))


def test_a_type_error_is_a_types_finding_with_the_ts_code_on_its_line(copy_ts_project, tmp_path, audit):
    root = tmp_path / "repo"
    api = copy_ts_project(PLATFORM / "api", root / "api")
    money = api / "src" / "money.ts"
    text = money.read_text(encoding="utf-8")
    assert MONEY_LINE in text
    money.write_text(text.replace(MONEY_LINE, 'export const MAX_AMOUNT_MINOR: number = "99999999";'), encoding="utf-8")
    line = text.splitlines().index(MONEY_LINE) + 1
    result = TscAnalyzer().analyze(audit(root, "api/src/money.ts"), Config(root=str(root)), NullProgress())
    [finding] = result.findings
    assert (finding.path, finding.line, finding.rule) == ("api/src/money.ts", line, "TS2322")
    assert (finding.family, finding.severity.value, finding.tool) == ("types", "error", "tsc")
    assert "not assignable to type 'number'" in finding.message


def test_errors_in_files_outside_an_audit_are_left_out_but_config_errors_are_kept(copy_ts_project, tmp_path, audit):
    root = tmp_path / "repo"
    api = copy_ts_project(PLATFORM / "api", root / "api")
    (api / "src" / "broken.ts").write_text('export const feeMinor: number = "30";\n', encoding="utf-8")
    clean = TscAnalyzer().analyze(audit(root, "api/src/money.ts"), Config(root=str(root)), NullProgress())
    assert clean.findings == ()
    config = json.loads((api / "tsconfig.json").read_text(encoding="utf-8"))
    config["compilerOptions"]["moduleResolution"] = "node10"  # removed in TypeScript 7
    (api / "tsconfig.json").write_text(json.dumps(config), encoding="utf-8")
    broken = TscAnalyzer().analyze(audit(root, "api/src/money.ts"), Config(root=str(root)), NullProgress())
    assert [(f.path, f.rule) for f in broken.findings if f.path == "api/tsconfig.json"]


def test_build_info_is_kept_in_the_cache_dir_never_in_the_project(copy_ts_project, tmp_path, audit):
    root = tmp_path / "repo"
    copy_ts_project(PLATFORM / "api", root / "api")
    cache = tmp_path / "tsc-cache"
    config = Config(root=str(root), tsc=TscConfig(cache_dir=str(cache)))
    for _ in range(2):  # the second run reads the build info the first wrote
        result = TscAnalyzer().analyze(audit(root, "api/src/ledger.ts"), config, NullProgress())
        assert result.findings == ()
    assert [p.suffix for p in cache.glob("*.tsbuildinfo")] == [".tsbuildinfo"]
    assert not [p for p in root.rglob("*.tsbuildinfo") if "node_modules" not in p.parts]


def test_without_typescript_installed_the_gate_says_to_run_npm_ci(tmp_path, audit, write):
    write(tmp_path, "api/package.json", '{"devDependencies": {"typescript": "^7.0.2"}}\n')
    write(tmp_path, "api/package-lock.json", '{"lockfileVersion": 3}\n')
    write(tmp_path, "api/tsconfig.json", '{"compilerOptions": {"strict": true}}\n')
    write(tmp_path, "api/src/charges.ts", "export const amountMinor: number = 100;\n")
    result = TscAnalyzer().analyze(audit(tmp_path, "api/src/charges.ts"), Config(root=str(tmp_path)), NullProgress())
    assert result.findings == ()
    [note] = result.notes
    assert "TypeScript is not installed" in note and "run `cd api && npm ci`" in note


def test_the_install_hint_follows_the_lockfile_of_a_workspace(tmp_path, audit, write):
    write(tmp_path, "pnpm-lock.yaml", "lockfileVersion: '9.0'\n")
    write(tmp_path, "packages/db/tsconfig.json", "{}\n")
    write(tmp_path, "packages/db/src/ledger.ts", "export const balanceMinor = 0;\n")
    result = TscAnalyzer().analyze(audit(tmp_path, "packages/db/src/ledger.ts"), Config(root=str(tmp_path)), NullProgress())
    [note] = result.notes
    assert "run `pnpm install --frozen-lockfile`" in note


def test_a_file_outside_every_tsconfig_project_is_named_in_a_note(tmp_path, audit, write):
    write(tmp_path, "scripts/seed.ts", "export const seeded = 1;\n")
    result = TscAnalyzer().analyze(audit(tmp_path, "scripts/seed.ts"), Config(root=str(tmp_path)), NullProgress())
    assert result.notes == ("tsc not run for 1 TypeScript file outside any tsconfig.json project: scripts/seed.ts",)


def test_a_changed_file_the_tsconfig_excludes_is_named_as_not_type_checked(copy_ts_project, tmp_path, audit, write):
    root = tmp_path / "repo"
    copy_ts_project(PLATFORM / "api", root / "api")
    write(root, "api/scripts/backfill.ts", "export const batchSize: number = 500;\n")
    result = TscAnalyzer().analyze(audit(root, "api/scripts/backfill.ts"), Config(root=str(root)), NullProgress())
    [note] = result.notes
    assert "api/scripts/backfill.ts not part of the program of api/tsconfig.json" in note


def test_a_project_on_the_native_preview_is_checked_by_its_tsgo(copy_ts_project, tmp_path, audit):
    root = tmp_path / "repo"
    project = copy_ts_project(TSGO_FIXTURE, root / "fees")
    assert (project / "node_modules" / ".bin" / "tsgo").exists()
    assert not (project / "node_modules" / ".bin" / "tsc").exists()
    (project / "src" / "fees.ts").write_text(
        "export function platformFeeMinor(amountMinor: number): string {\n  return amountMinor + 30;\n}\n",
        encoding="utf-8",
    )
    result = TscAnalyzer().analyze(audit(root, "fees/src/fees.ts"), Config(root=str(root)), NullProgress())
    assert [(f.path, f.line, f.rule) for f in result.findings] == [("fees/src/fees.ts", 2, "TS2322")]


def test_staged_text_that_differs_from_the_working_tree_is_said_to_be_unchecked(copy_ts_project, tmp_path):
    root = tmp_path / "repo"
    copy_ts_project(PLATFORM / "api", root / "api")
    changes = ChangeSet(
        root=str(root),
        files=(FileChange("api/src/money.ts", FileStatus.MODIFIED, hunks=(Hunk(4, 4, (4,)),), text="export const x = 1;\n"),),
        mode=Mode.DIFF,
    )
    result = TscAnalyzer().analyze(changes, Config(root=str(root)), NullProgress())
    assert any("working-tree text of api/src/money.ts" in note for note in result.notes)


def test_a_solution_tsconfig_hands_each_file_to_the_referenced_project_that_includes_it(tmp_path, write):
    write(tmp_path, "web/tsconfig.json", '{\n  // Vite\'s layout\n  "files": [],\n  "references": [\n'
          '    {"path": "./tsconfig.app.json"}, {"path": "./tsconfig.node.json"},\n  ],\n}\n')
    write(tmp_path, "web/tsconfig.app.json", '{"include": ["src"]}')
    write(tmp_path, "web/tsconfig.node.json", '{"include": ["vite.config.ts"]}')
    write(tmp_path, "web/src/checkout.ts", "")
    write(tmp_path, "web/vite.config.ts", "")
    projects, orphans = owning_projects(tmp_path, ["web/src/checkout.ts", "web/vite.config.ts"])
    assert orphans == []
    assert {(p.config.name if p.config else "", p.files) for p in projects} == {
        ("tsconfig.app.json", ("web/src/checkout.ts",)),
        ("tsconfig.node.json", ("web/vite.config.ts",)),
    }


def test_tsconfig_comments_and_trailing_commas_are_read(tmp_path, write):
    path = write(tmp_path, "tsconfig.json", '{\n  /* strict */ "compilerOptions": {"strict": true,},\n  "include": ["src//x"], // tail\n}\n')
    assert read_jsonc(path) == {"compilerOptions": {"strict": True}, "include": ["src//x"]}


def test_output_lines_become_findings_help_program_files_or_rb904(tmp_path):
    stdout = (
        "src/refunds.ts(12,5): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.\n"
        "  Types of property 'amount' are incompatible.\n"
        "error TS5023: Unknown compiler option '--bogus'.\n"
        f"{tmp_path}/api/src/refunds.ts\n"
        "something tsc never prints\n"
    )
    tsconfig = tmp_path / "api" / "tsconfig.json"
    report = parse_tsc_output(stdout, tmp_path / "api", tmp_path, Config(root=str(tmp_path)), tsconfig)
    assert [(f.path, f.line, f.rule) for f in report.findings] == [
        ("api/src/refunds.ts", 12, "TS2345"),
        ("api/tsconfig.json", 1, "TS5023"),
        ("api/tsconfig.json", 1, "RB904"),
    ]
    assert report.findings[0].help == "Types of property 'amount' are incompatible."
    assert report.findings[0].span.column == 5
    assert "something tsc never prints" in report.findings[2].message
    assert report.program == frozenset({"api/src/refunds.ts"})
