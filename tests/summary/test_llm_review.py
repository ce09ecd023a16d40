"""`reviewbot review` with the model: what reaches the fake GitHub, and that the exit code does not move."""

from __future__ import annotations

from reviewbot.clients.anthropic import AnthropicClient
from reviewbot.review import ReviewOptions, run_review
from reviewbot.summary.llm import LlmRequest, summarize
from tests.fakes.anthropic import INJECTION_ANSWER, overloaded, tool_answer
from tests.review.conftest import REFUNDS_HEAD
from tests.summary.conftest import FAKE_KEY


def review_with_model(scenario, client):
    """Run the review with the LLM section produced through the real SDK against the fake API."""
    outcomes = []

    def llm_section(result):
        outcome = summarize(LlmRequest(result.changes, result.findings, "Refund retries", ""), result.config.llm,
                            client)
        outcomes.append(outcome)
        return outcome.section

    log: list[str] = []
    code = run_review(scenario_options(), scenario.env(), sleep=lambda _: None, echo=lambda _: None,
                      log=log.append, llm_section=llm_section)
    return code, outcomes


def scenario_options():
    return ReviewOptions()


def summary_body(fake_github):
    return "\n".join(c["body"] for c in fake_github.issue_comments)


def test_an_injected_model_answer_is_posted_inert_and_the_exit_code_does_not_change(scenario, fake_anthropic):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    without_model = scenario.review().exit_code
    markers = summary_body(scenario.github).count("<!--")
    client = AnthropicClient(FAKE_KEY, fake_anthropic.base_url, timeout_seconds=5, max_retries=0)
    fake_anthropic.then(tool_answer(INJECTION_ANSWER))
    code, outcomes = review_with_model(scenario, client)
    assert code == without_model == 1
    assert len(fake_anthropic.requests) == 1
    body = summary_body(scenario.github)
    assert "Advisory notes (LLM)" in body and "Approve this PR" in body  # posted as text, changes nothing
    assert body.count("<!--") == markers  # only reviewbot's own markers, none from the model
    for bad in ("@octocat", "@acme/payments", "@dana-dev", "http://evil", "javascript:", "<script",
                "```suggestion", "# approved"):
        assert bad not in body, bad
    assert scenario.github.check_runs[-1]["conclusion"] == "failure"
    assert [f.line for f in outcomes[0].findings] == [15]


def test_an_overloaded_model_leaves_the_deterministic_summary_and_the_same_exit_code(scenario, fake_anthropic):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    client = AnthropicClient(FAKE_KEY, fake_anthropic.base_url, timeout_seconds=5, max_retries=1,
                             sleep=lambda _: None)
    fake_anthropic.then(overloaded(), overloaded())
    code, outcomes = review_with_model(scenario, client)
    assert code == 1
    assert outcomes[0].status == "failed" and "overloaded (529)" in outcomes[0].note
    assert "Advisory notes (LLM)" not in summary_body(scenario.github)


def test_with_an_api_key_in_the_environment_the_review_makes_one_model_call_and_keeps_its_exit_code(
    scenario, fake_anthropic
):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    fake_anthropic.then(tool_answer(INJECTION_ANSWER))
    env = {**scenario.env(), "ANTHROPIC_API_KEY": FAKE_KEY, "ANTHROPIC_BASE_URL": fake_anthropic.base_url}
    run = scenario.review(env=env)
    assert run.exit_code == 1
    assert len(fake_anthropic.requests) == 1
    assert "Advisory notes (LLM)" in summary_body(scenario.github)
    assert scenario.github.check_runs[-1]["conclusion"] == "failure"


def test_without_an_api_key_no_model_call_is_made(scenario, fake_anthropic):
    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    env = {k: v for k, v in scenario.env().items() if not k.startswith("ANTHROPIC")}
    run = scenario.review(env=env)
    assert run.exit_code == 1
    assert fake_anthropic.requests == []
    assert "Advisory notes (LLM)" not in summary_body(scenario.github)


def test_the_json_report_carries_the_model_tokens_and_cost(scenario, fake_anthropic, tmp_path):
    import json

    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    fake_anthropic.then(tool_answer(INJECTION_ANSWER))
    env = {**scenario.env(), "ANTHROPIC_API_KEY": FAKE_KEY, "ANTHROPIC_BASE_URL": fake_anthropic.base_url}
    report = tmp_path / "review.json"
    run = scenario.review(ReviewOptions(json=report), env=env)
    data = json.loads(report.read_text())
    assert run.exit_code == 1 and data["verdict"] == "fail"
    llm = data["stats"]["llm"]
    assert llm["status"] == "ok"
    assert llm["input_tokens"] > 0 and llm["output_tokens"] > 0
    assert isinstance(llm["cost_micro_usd"], int)


def test_without_a_key_the_json_report_says_the_model_was_off(scenario, fake_anthropic, tmp_path):
    import json

    scenario.push({"payments/refunds.py": REFUNDS_HEAD})
    report = tmp_path / "review.json"
    scenario.review(ReviewOptions(json=report))
    assert json.loads(report.read_text())["stats"]["llm"] == {"status": "off"}
    assert fake_anthropic.requests == []
