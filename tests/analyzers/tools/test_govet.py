"""The go vet adapter: vet diagnostics and compile errors per module, on the right lines, never silent."""

from __future__ import annotations

import shutil
from pathlib import Path

from reviewbot.analyzers.base import NullProgress
from reviewbot.analyzers.tools.govet import GoVetAnalyzer, package_pattern, parse_vet_output
from reviewbot.config import Config, GoVetConfig
from reviewbot.core.changes import ChangeSet, FileChange, FileStatus, Hunk, Mode

from .conftest import PLATFORM

HANDLER = "internal/payments/handler.go"
GUARD = "\tif body.PaymentMethod == \"\" {"


def _gateway(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(PLATFORM / "gateway", root / "gateway")
    return root


def _go_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.go"))


def _replace(path: Path, old: str, new: str) -> int:
    """Replace one line's text; return its 1-based line number."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    line = lines.index(old) + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def test_the_platform_gateway_is_clean_under_go_vet(go_toolchain, tmp_path, audit):
    root = _gateway(tmp_path)
    result = GoVetAnalyzer().analyze(audit(root, *_go_files(root)), Config(root=str(root)), NullProgress())
    assert result.findings == ()
    assert result.notes == ()
    assert result.files == len(_go_files(root))


def test_a_compile_error_is_a_typecheck_finding_on_its_line(go_toolchain, tmp_path, audit):
    root = _gateway(tmp_path)
    line = _replace(root / "gateway" / HANDLER, GUARD, "\tif body.PaymentMethod == 0 {")
    result = GoVetAnalyzer().analyze(audit(root, f"gateway/{HANDLER}"), Config(root=str(root)), NullProgress())
    [finding] = result.findings
    assert (finding.path, finding.line, finding.rule, finding.tool) == (f"gateway/{HANDLER}", line, "typecheck", "go-vet")
    assert (finding.family, finding.severity.value) == ("types", "error")
    assert "mismatched types" in finding.message or "cannot convert" in finding.message


def test_a_vet_diagnostic_carries_its_analyzer_name(go_toolchain, tmp_path, audit):
    root = _gateway(tmp_path)
    old = '\t\th.Log.ErrorContext(r.Context(), "create payment failed", "merchant", merchantID, "error", err)'
    line = _replace(root / "gateway" / HANDLER, old, '\t\tfmt.Printf("create payment %d failed: %v\\n", merchantID, err)')
    handler = root / "gateway" / HANDLER
    handler.write_text(handler.read_text(encoding="utf-8").replace('import (\n', 'import (\n\t"fmt"\n', 1), encoding="utf-8")
    result = GoVetAnalyzer().analyze(audit(root, f"gateway/{HANDLER}"), Config(root=str(root)), NullProgress())
    assert [(f.path, f.line, f.rule) for f in result.findings] == [(f"gateway/{HANDLER}", line + 1, "printf")]


def test_staged_text_is_vetted_through_an_overlay(go_toolchain, tmp_path):
    root = _gateway(tmp_path)
    path = root / "gateway" / "internal" / "money" / "money.go"
    text = path.read_text(encoding="utf-8")
    staged = text.replace("return Amount{Minor: Minor(minor), Currency: code}, nil", "return Amount{Minor: minor, Currency: code}, nil")
    line = staged.splitlines().index("\treturn Amount{Minor: minor, Currency: code}, nil") + 1
    changes = ChangeSet(
        root=str(root),
        files=(FileChange("gateway/internal/money/money.go", FileStatus.MODIFIED, hunks=(Hunk(line, line, (line,)),), text=staged),),
        mode=Mode.DIFF,
    )
    result = GoVetAnalyzer().analyze(changes, Config(root=str(root)), NullProgress())
    assert [(f.line, f.rule) for f in result.findings] == [(line, "typecheck")]
    assert path.read_text(encoding="utf-8") == text  # the working tree is never touched


def test_without_a_go_toolchain_the_gate_says_what_to_install(tmp_path, audit, write):
    write(tmp_path, "gateway/go.mod", "module acme.example/gateway\n\ngo 1.22\n")
    write(tmp_path, "gateway/main.go", "package main\n\nfunc main() {}\n")
    config = Config(root=str(tmp_path), go_vet=GoVetConfig(command="toolchains/go/bin/go"))
    result = GoVetAnalyzer().analyze(audit(tmp_path, "gateway/main.go"), config, NullProgress())
    assert result.findings == ()
    [note] = result.notes
    assert "go vet not run for 1 Go file in gateway" in note and "setup-go" in note


def test_go_files_outside_a_module_are_named_in_a_note(go_toolchain, tmp_path, audit, write):
    write(tmp_path, "tools/gen.go", "package main\n")
    result = GoVetAnalyzer().analyze(audit(tmp_path, "tools/gen.go"), Config(root=str(tmp_path)), NullProgress())
    assert result.notes == ("go vet not run for 1 Go file outside any Go module (no go.mod above them): tools/gen.go",)


def test_a_missing_dependency_download_is_a_note_saying_go_mod_download(go_toolchain, tmp_path, audit, write, monkeypatch):
    monkeypatch.setenv("GOPROXY", "off")
    monkeypatch.setenv("GOFLAGS", "-mod=mod")
    write(tmp_path, "svc/go.mod", "module acme.example/svc\n\ngo 1.22\n\nrequire github.com/acme/ledger-sdk v1.0.0\n")
    write(tmp_path, "svc/main.go", 'package main\n\nimport "github.com/acme/ledger-sdk/ledger"\n\nfunc main() { ledger.Open() }\n')
    result = GoVetAnalyzer().analyze(audit(tmp_path, "svc/main.go"), Config(root=str(tmp_path)), NullProgress())
    assert result.findings == ()
    assert any("go mod download" in note for note in result.notes), result.notes


def test_packages_are_named_relative_to_their_module(tmp_path):
    assert package_pattern(tmp_path, tmp_path / "gateway", "gateway/main.go") == "."
    assert package_pattern(tmp_path, tmp_path / "gateway", "gateway/internal/psp/psp.go") == "./internal/psp"


def test_vet_json_stream_and_stderr_become_findings_notes_or_rb904(tmp_path):
    module = tmp_path / "gateway"
    stdout = (
        '{\n\t"acme.example/gateway/internal/psp": {\n\t\t"printf": [\n\t\t\t{"posn": "'
        f'{module}/internal/psp/psp.go:40:3", "end": "{module}/internal/psp/psp.go:40:9", '
        '"message": "fmt.Sprintf format %d has arg key of wrong type string"}\n\t\t]\n\t}\n}\n'
        '{"acme.example/gateway/internal/psp [acme.example/gateway/internal/psp.test]": {"printf": [{"posn": "'
        f'{module}/internal/psp/psp.go:40:3", "message": "fmt.Sprintf format %d has arg key of wrong type string"}}]}}}}\n'
        "{}\n"
    )
    stderr = (
        "# acme.example/gateway/internal/payments\n"
        "# [acme.example/gateway/internal/payments]\n"
        "vet: internal/payments/store.go:12:2: undefined: sqlx\n"
        "go: downloading github.com/acme/x v1.0.0\n"
        "something the go command never says\n"
    )
    report = parse_vet_output(stdout, stderr, module, tmp_path, Config(root=str(tmp_path)))
    assert [(f.path, f.line, f.span.column, f.rule) for f in report.findings] == [
        ("gateway/internal/psp/psp.go", 40, 3, "printf"),
        ("gateway/internal/payments/store.go", 12, 2, "typecheck"),
        ("gateway/go.mod", 1, 1, "RB904"),
    ]
    assert "something the go command never says" in report.findings[2].message
    assert report.notes == []


def test_a_go_version_newer_than_the_toolchain_is_a_note(tmp_path):
    stderr = "go: go.mod requires go >= 1.99 (running go 1.27.3; GOTOOLCHAIN=local)\n"
    report = parse_vet_output("", stderr, tmp_path / "gateway", tmp_path, Config(root=str(tmp_path)))
    assert report.findings == []
    [note] = report.notes
    assert "requires go >= 1.99" in note and "setup-go" in note


def test_a_module_the_go_command_cannot_load_is_a_go_mod_finding_on_go_mod(tmp_path):
    stderr = (
        "go: github.com/acme/ledger-sdk@v1.3.0: missing go.sum entry for go.mod file; to add it:\n"
        "\tgo mod download github.com/acme/ledger-sdk\n"
    )
    report = parse_vet_output("", stderr, tmp_path / "gateway", tmp_path, Config(root=str(tmp_path)))
    [finding] = report.findings
    assert (finding.path, finding.line, finding.rule, finding.severity.value) == ("gateway/go.mod", 1, "go-mod", "error")
    assert "missing go.sum entry" in finding.message
