"""`reviewbot review` end to end: a real repository, an event file, and what the fake GitHub holds after."""

from __future__ import annotations

from reviewbot.review import ReviewOptions
from tests.review.conftest import REFUNDS_HEAD, REFUNDS_HEAD_2

SUMMARY_MARKER = "<!-- reviewbot:summary -->"


def inline_rules(github):
    return sorted(
        ((c["path"], c["start_line"], c["line"], c["body"].split("**")[1].split()[0]) for c in github.review_comments),
        key=lambda t: (t[0], t[2]),
    )


def test_first_run_posts_one_check_run_one_review_and_one_summary(scenario):
    head = scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    run = scenario.review()
    github = scenario.github

    assert run.exit_code == 1
    assert len(github.check_runs) == 1
    check = github.check_runs[0]
    assert (check["name"], check["head_sha"], check["conclusion"]) == ("reviewbot", head, "failure")
    assert sorted(a["start_line"] for a in check["_annotations"]) == [13, 16, 21]
    assert len(github.reviews) == 1 and github.reviews[0]["commit_id"] == head
    assert inline_rules(github) == [
        ("payments/refunds.py", None, 13, "RB101"),
        ("payments/refunds.py", 16, 17, "RB201"),  # the except clause spans two lines
        ("payments/refunds.py", None, 21, "RB704"),
    ]
    assert [c for c in github.issue_comments if SUMMARY_MARKER in c["body"]] == github.issue_comments
    assert len(github.issue_comments) == 1


def test_summary_names_the_verdict_the_blocking_fixes_and_the_finding_outside_the_diff(scenario):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    scenario.review()
    body = scenario.github.issue_comments[0]["body"]

    assert "gate failed" in body
    assert "### Blocking findings (3)" in body
    assert "**Fix:**" in body
    assert "Outside the diff (1)" in body and "`payments/refunds.py:5`" in body
    assert "| money | 1 | 1 | 1 |" in body


def test_finding_with_a_fix_gets_a_suggestion_block_replacing_its_line(scenario):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    scenario.review()
    comment = next(c for c in scenario.github.review_comments if "RB704" in c["body"])

    assert comment["line"] == 21
    assert (
        "```suggestion\n    return hmac.compare_digest(hmac.new(WEBHOOK_KEY, payload, hashlib.sha256).hexdigest(), received)\n```"
        in comment["body"]
    )


def test_rerun_on_the_same_commit_posts_nothing_new(scenario):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    first = scenario.review()
    writes_after_first = len(scenario.github.writes())
    second = scenario.review()

    assert (first.exit_code, second.exit_code) == (1, 1)
    assert len(scenario.github.writes()) == writes_after_first
    assert len(scenario.github.review_comments) == 3
    assert len(scenario.github.check_runs) == 1
    assert len(scenario.github.issue_comments) == 1


def test_new_commit_keeps_surviving_comments_and_marks_the_fixed_one_resolved(scenario):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    scenario.review()
    bare_except = next(c for c in scenario.github.review_comments if "RB201" in c["body"])
    reply = scenario.github.add_reply(bare_except["id"], "Fixed in the next push, thanks!")
    second_head = scenario.push({"payments/refunds.py": REFUNDS_HEAD_2})

    run = scenario.review()
    github = scenario.github

    assert run.exit_code == 1
    assert len(github.reviews) == 1  # nothing new to comment on: the survivors keep their comments
    bot_comments = [c for c in github.review_comments if c["user"]["type"] == "Bot"]
    assert len(bot_comments) == 3
    assert bare_except["body"].startswith(f"✅ **Resolved** in `{second_head[:12]}`")
    assert "<!-- reviewbot:resolved -->" in bare_except["body"]
    assert reply in github.review_comments and reply["body"] == "Fixed in the next push, thanks!"
    assert len(github.issue_comments) == 1 and "gate failed" in github.issue_comments[0]["body"]
    assert [r["head_sha"] for r in github.check_runs] == scenario.heads


def test_third_run_on_the_second_commit_posts_nothing_new(scenario):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    scenario.review()
    scenario.push({"payments/refunds.py": REFUNDS_HEAD_2})
    scenario.review()
    writes = len(scenario.github.writes())

    run = scenario.review()

    assert run.exit_code == 1
    assert len(scenario.github.writes()) == writes


def test_inline_comments_are_capped_and_the_rest_listed_in_the_summary(scenario):
    scenario.repo.write("pyproject.toml", scenario.repo.path.joinpath("pyproject.toml").read_text()
                        + "\n[tool.reviewbot.github]\nmax-inline-comments = 1\n")
    scenario.repo.git("commit", "-qam", "cap inline comments")
    scenario.base = scenario.repo.git("rev-parse", "HEAD").strip()
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})

    scenario.review()

    assert len(scenario.github.review_comments) == 1
    body = scenario.github.issue_comments[0]["body"]
    assert "### In the diff, not commented inline (2)" in body
    assert "At most 1 inline comments are posted per run" in body


def test_pr_cannot_weaken_its_own_gate_through_the_config(scenario):
    scenario.push({
        "payments/refunds.py": REFUNDS_HEAD,
        "pyproject.toml": '[project]\nname = "payments-api"\n\n[tool.reviewbot]\ntools = []\nignore = ["RB101", "RB201", "RB704"]\nfail-on = "never"\n',
    })

    run = scenario.review()

    assert run.exit_code == 1
    body = scenario.github.issue_comments[0]["body"]
    assert "this PR changes pyproject.toml; the gate used the base commit's version" in body


def test_clean_pr_passes_with_a_success_check_and_no_review(scenario):
    scenario.push({"payments/ledger.py": "def entry(amount_cents: int) -> int:\n    return amount_cents\n"})

    run = scenario.review()

    assert run.exit_code == 0
    assert scenario.github.check_runs[0]["conclusion"] == "success"
    assert scenario.github.reviews == []
    assert "gate passed" in scenario.github.issue_comments[0]["body"]


def test_job_summary_outputs_and_sarif_are_written(scenario, tmp_path):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    sarif = tmp_path / "out.sarif"

    scenario.review(ReviewOptions(sarif=sarif))

    assert "gate failed" in (tmp_path / "step-summary.md").read_text(encoding="utf-8")
    outputs = (tmp_path / "step-output.txt").read_text(encoding="utf-8").splitlines()
    assert outputs == ["verdict=fail", "findings=3", f"sarif={sarif}"]
    assert '"version": "2.1.0"' in sarif.read_text(encoding="utf-8")


def test_read_only_token_falls_back_to_annotations_and_the_job_summary(scenario, tmp_path):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    scenario.github.read_only = True

    run = scenario.review()

    assert run.exit_code == 1
    assert scenario.github.check_runs == [] and scenario.github.issue_comments == []
    assert scenario.github.review_comments == []
    assert "::error file=payments/refunds.py,line=16" in run.stdout
    assert any("read-only" in line for line in run.log)
    assert "gate failed" in (tmp_path / "step-summary.md").read_text(encoding="utf-8")
    assert not any("Traceback" in line for line in run.log)


def test_review_through_the_command_line(scenario, monkeypatch):
    from click.testing import CliRunner

    from reviewbot.cli import main_group

    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    for key, value in scenario.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(scenario.repo.path)

    result = CliRunner().invoke(main_group, ["review"], catch_exceptions=False)

    assert result.exit_code == 1
    assert len(scenario.github.check_runs) == 1 and len(scenario.github.issue_comments) == 1
