"""JSON matches DESIGN.md's contract, SARIF validates against 2.1.0, github emits workflow commands."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests.conftest import SHARED

BROKEN = "def settle(batch):\n    return batch +\n"


@pytest.fixture
def broken_repo(repo):
    repo.write("app/settlement.py", BROKEN)
    repo.write("app/ok.py", "x = 1\n")
    return repo


def test_json_output_is_exactly_the_design_contract(broken_repo, cli):
    result = cli(["audit", "--tools", "none", "--format", "json"], broken_repo.path)
    data = json.loads(result.stdout)
    assert set(data) == {"schema", "verdict", "findings", "stats"}
    assert data["schema"] == "reviewbot/1" and data["verdict"] == "fail"
    (finding,) = data["findings"]
    assert set(finding) == {"rule", "family", "severity", "path", "line", "end_line", "column", "message", "tool", "confidence", "fingerprint"}
    assert finding["rule"] == "RB901" and finding["family"] == "meta" and finding["tool"] == "reviewbot"
    assert finding["path"] == "app/settlement.py" and finding["line"] == 2
    assert isinstance(data["stats"]["files"], int) and isinstance(data["stats"]["seconds"], float)
    assert data["stats"]["files"] == 2


def test_sarif_output_validates_against_the_official_schema(broken_repo, cli):
    result = cli(["audit", "--tools", "none", "--format", "sarif"], broken_repo.path)
    document = json.loads(result.stdout)
    schema = json.loads((SHARED / "contracts" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(document)
    run = document["runs"][0]
    (rule,) = run["tool"]["driver"]["rules"]
    assert rule["id"] == "RB901" and rule["name"] == "unparsable-file"
    assert "Fix" in rule["help"]["markdown"] and rule["properties"]["family"] == "meta"
    (res,) = run["results"]
    assert res["ruleId"] == "RB901" and res["level"] == "error"
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/settlement.py"


def test_github_format_prints_workflow_command_annotations(broken_repo, cli):
    result = cli(["audit", "--tools", "none", "--format", "github"], broken_repo.path)
    first = result.stdout.splitlines()[0]
    assert first.startswith("::error file=app/settlement.py,line=2,")
    assert "title=RB901 unparsable-file::" in first
    assert result.stdout.splitlines()[-1].startswith("::notice title=reviewbot::")


def test_annotation_escaping_keeps_commas_and_newlines_out_of_properties():
    from reviewbot.reporters.github_annotations import escape_data, escape_property

    assert escape_property("a,b:c\n") == "a%2Cb%3Ac%0A"
    assert escape_data("50% off\r\n") == "50%25 off%0D%0A"


def test_text_output_has_location_help_code_frame_and_verdict(broken_repo, cli):
    result = cli(["audit", "--tools", "none"], broken_repo.path)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("app/settlement.py:2:") and " RB901 " in lines[0]
    assert any(line.strip().startswith("2 |") and "return batch +" in line for line in lines)
    assert any("^" in line for line in lines)
    assert any(line.startswith("  = help:") for line in lines)
    assert "  = see: reviewbot explain RB901" in lines
    assert lines[-2] == "Found 1 finding (1 error) in 2 files."
    assert lines[-1] == "1 blocking finding at error or above — gate failed"


def test_output_is_sorted_deterministically(repo, cli):
    for name in ("b.py", "a.py", "c/z.py"):
        repo.write(name, "x = 1\ndef broken(:\n")
    first = cli(["audit", "--tools", "none", "--format", "json"], repo.path).stdout
    second = cli(["audit", "--tools", "none", "--format", "json", "-j", "1"], repo.path).stdout
    paths = [f["path"] for f in json.loads(first)["findings"]]
    assert paths == ["a.py", "b.py", "c/z.py"]
    assert [f["fingerprint"] for f in json.loads(first)["findings"]] == [f["fingerprint"] for f in json.loads(second)["findings"]]


def test_output_file_receives_the_report(broken_repo, cli):
    result = cli(["audit", "--tools", "none", "--format", "json", "-o", "report.json"], broken_repo.path)
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads((broken_repo.path / "report.json").read_text())["verdict"] == "fail"
