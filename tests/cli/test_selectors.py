"""A typo never disables the gate: every selector must select something, or the run is exit 2 with a did-you-mean."""

from __future__ import annotations

import pytest

BAD = "def refund(order):\n    try:\n        order.refund()\n    except:\n        pass\n"


@pytest.fixture
def project(repo):
    repo.write("app/refunds.py", BAD)
    repo.commit("base")
    return repo


@pytest.mark.parametrize(
    ("args", "said", "hint"),
    [
        (["--select", "RB1O1"], "--select RB1O1 matches no rule", "did you mean RB101?"),
        (["--select", "nonsense"], "--select nonsense matches no rule", "a selector is a code"),
        (["--select", "RB201,RB2O2"], "--select RB2O2", "did you mean RB202?"),
        (["--ignore", "RB2O1"], "--ignore RB2O1", "did you mean RB201?"),
        (["--ignore", "E72Z"], "--ignore E72Z", "E722"),
        (["--select", "monye"], "--select monye", "money"),
    ],
)
def test_an_unknown_selector_on_the_command_line_is_a_usage_error(project, cli, args, said, hint):
    result = cli(["audit", "--tools", "none", *args], project.path)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert said in result.stderr and hint in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("toml", "said", "hint"),
    [
        ('[tool.reviewbot]\nselect = ["RB1O1"]\n', "select[0] = 'RB1O1'", "did you mean RB101?"),
        ('[tool.reviewbot]\nignore = ["RB201", "bogus"]\n', "ignore[1] = 'bogus'", "hint:"),
        ('[tool.reviewbot.per-file-ignores]\n"app/*.py" = ["exceptoins"]\n', 'per-file-ignores."app/*.py"[0]',
         "did you mean exceptions?"),
        ('[tool.reviewbot.severity]\nRB2O1 = "warning"\n', "severity.RB2O1", "did you mean RB201?"),
        ('[tool.reviewbot.severity]\nRB2 = "warning"\n', "severity.RB2 ", "exact codes"),
        ('[tool.reviewbot]\nselect = "RB1"\n', "select must be a list, not the string 'RB1'", 'select = ["RB1"]'),
    ],
)
def test_an_unknown_selector_in_the_configuration_is_a_configuration_error(project, cli, toml, said, hint):
    project.write("pyproject.toml", toml)
    result = cli(["audit", "--tools", "none"], project.path)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert said in result.stderr and hint in result.stderr, result.stderr


@pytest.mark.parametrize(
    "selectors",
    [
        ["RB201", "RB2", "rb2", "exceptions", "ALL"],  # ours: codes, prefixes, families
        ["E722", "E7", "F401", "BLE", "PLR0913"],  # ruff, asked for its own rule list
        ["arg-type", "union-attr"],  # mypy error codes
        ["TS2322", "TS"],  # tsc
        ["printf", "copylocks"],  # go vet analyzers
    ],
)
def test_known_codes_prefixes_families_and_tool_codes_are_accepted(project, cli, selectors):
    result = cli(["audit", "--tools", "none", "--ignore", ",".join(selectors)], project.path)
    assert result.exit_code in (0, 1), result.stderr
    project.write("pyproject.toml", "[tool.reviewbot]\nignore = [" + ", ".join(f'"{s}"' for s in selectors) + "]\n")
    result = cli(["audit", "--tools", "none"], project.path)
    assert result.exit_code in (0, 1), result.stderr


def test_exact_tool_codes_can_change_severity(project, cli):
    project.write("pyproject.toml", '[tool.reviewbot.severity]\nF401 = "error"\narg-type = "warning"\nRB201 = "warning"\n')
    result = cli(["audit", "--tools", "none"], project.path)
    assert result.exit_code == 0, result.stdout + result.stderr  # RB201 is now a warning
