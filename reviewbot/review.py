"""`reviewbot review`: a PR from GitHub Actions (or --repo/--pr) -> gate -> check run, comments, summary."""

from __future__ import annotations

import os
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from reviewbot.clients.github import DEFAULT_API_URL, GitHubClient, ReadOnlyTokenError, ReviewComment
from reviewbot.config import Config, validate_config
from reviewbot.core.changes import ChangeSet
from reviewbot.core.findings import Finding
from reviewbot.errors import EXIT_ERROR, GitHubError, SourceError, UsageError
from reviewbot.pipeline import RunResult, load, resolve_tools, run
from reviewbot.reporters.base import ReportInput
from reviewbot.reporters.github_annotations import GithubAnnotationReporter
from reviewbot.reporters.github_check import post_check_run
from reviewbot.reporters.github_review import ReviewPlan, plan_review, post_review, upsert_summary_comment
from reviewbot.reporters.job_summary import append_job_summary
from reviewbot.reporters.json import JsonReporter
from reviewbot.reporters.sarif import SarifReporter
from reviewbot.sources.gitcmd import git, repo_root
from reviewbot.sources.github_pr import PR_EVENTS, PullRequestRef, collect_pull_request, read_event, read_pull
from reviewbot.summary.deterministic import SummaryInput, ToolTiming, render_summary
from reviewbot.summary.redact import redact

if TYPE_CHECKING:
    from reviewbot.analyzers.trace.engine import TraceRequest
    from reviewbot.summary.llm import LlmOutcome

Write = Callable[[str], None]
CONFIG_NAMES = ("reviewbot.toml", "pyproject.toml")


@dataclass(frozen=True, slots=True)
class ReviewOptions:
    repo: str | None = None
    pr: int | None = None
    token: str | None = None
    config_path: Path | None = None
    fail_on: str | None = None
    min_confidence: str | None = None
    diff_filter: str | None = None
    tools: str | None = None
    sarif: Path | None = None
    json: Path | None = None
    root: Path | None = None
    trace: TraceRequest | None = None  # --trace: replay the PR's migrations on a disposable PostgreSQL
    cache: bool = True  # False: --no-cache


def _stdout(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _stderr(text: str) -> None:
    sys.stderr.write(f"reviewbot: {text}\n")


def run_review(
    options: ReviewOptions,
    environ: Mapping[str, str] | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
    echo: Write = _stdout,
    log: Write = _stderr,
    llm_section: Callable[[RunResult], str | None] | None = None,
) -> int:
    """Review one PR and post the results; the exit code is the verdict (0/1), or 2 if incomplete."""
    env = dict(os.environ) if environ is None else dict(environ)
    start = options.root or Path(env.get("GITHUB_WORKSPACE") or Path.cwd())
    root = repo_root(start) or start.resolve()
    token = options.token or env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or ""
    api_url = env.get("GITHUB_API_URL") or DEFAULT_API_URL
    pr, client = _pull_request(options, env, token, api_url, sleep, clock, log)
    changes, notes = collect_pull_request(root, pr, client, log)
    with tempfile.TemporaryDirectory(prefix="reviewbot-base-") as workdir:
        config, config_notes = load_base_config(root, pr.base_sha, options.config_path, changes, Path(workdir))
        overrides: dict[str, object] = {}
        if options.fail_on is not None:
            overrides["fail_on"] = options.fail_on
        if options.min_confidence is not None:
            overrides["min_confidence"] = options.min_confidence
        if options.diff_filter is not None:
            overrides["diff_filter"] = options.diff_filter
        if not options.cache:
            overrides["cache"] = False
        config = config.override(**overrides) if overrides else config
        tools = resolve_tools(options.tools.split(",") if options.tools is not None else None, config)
        if env.get("GITHUB_EVENT_NAME") == "pull_request_target" and pr.is_fork and "mypy" in tools:
            config_notes.append(
                "pull_request_target on a fork PR runs mypy, whose plugins come from the checked-out configuration"
            )
        result = run(changes, config, tools, trace=options.trace)
    from reviewbot.explain import help_markdown, rule_index

    rules = rule_index()
    # Secrets never reach a comment, a check run or a log (STYLE.md §7): messages are redacted once here.
    findings = tuple(f.with_changes(message=redact(f.message), help=redact(f.help)) for f in result.findings)
    all_notes = (*notes, *config_notes, *result.notes)
    llm_findings: tuple[Finding, ...] = ()
    llm_stats: dict[str, object] = {"status": "off"}
    if llm_section is not None:
        extra = llm_section(result)
    else:
        # The verdict is already decided; the model only adds an advisory section and notes.
        llm = _llm_outcome(env, config, result, pr, sleep)
        extra = llm.section if llm is not None else None
        if llm is not None:
            llm_findings = llm.findings
            llm_stats = llm.stats()
            all_notes = (*all_notes, *((llm.note,) if llm.note else ()))
    posted = (*findings, *llm_findings)
    incomplete = False
    read_only = client is None
    plan = ReviewPlan((), (), frozenset(), ())
    existing: tuple[ReviewComment, ...] = ()
    if client is not None:
        try:
            existing = client.list_review_comments(pr.number)
        except GitHubError as err:
            log(f"could not read the PR's review comments: {err.message}")
            incomplete, client = True, None
    plan = plan_review(
        posted, changes, existing, config.github.max_inline_comments, rules, _source_lines(changes)
    )
    summary_input = SummaryInput(
        findings=findings,
        verdict=result.gate.verdict,
        files_reviewed=len(changes.files),
        seconds=result.seconds,
        timings=tuple(ToolTiming(a.name, a.seconds, a.files, a.findings) for a in result.analyzers),
        notes=all_notes,
        rules=rules,
        head_sha=pr.head_sha,
        not_inline=plan.not_inline if client is not None else (),
        max_inline=config.github.max_inline_comments,
    )
    summary = render_summary(summary_input, extra)
    stable = render_summary(summary_input, extra, include_timings=False)
    if client is not None:
        try:
            post_check_run(client, config.github.check_name, pr.head_sha, result.gate.verdict,
                           posted, rules, summary, stable)
            outcome = post_review(client, pr.number, pr.head_sha, plan)
            upsert_summary_comment(client, pr.number, summary, stable)
            log(f"posted {outcome.posted} inline comments, resolved {outcome.resolved}")
        except ReadOnlyTokenError as err:
            log(f"{err.message}: the token is read-only (fork PR?); reporting through annotations and the job summary")
            read_only = True
        except GitHubError as err:
            log(f"the review could not be posted completely: {err.message}")
            incomplete = True
    elif not incomplete:
        log("no GitHub token: reporting through annotations and the job summary")
    report = ReportInput(changes, findings, result.gate.verdict, {**result.stats(), "llm": llm_stats}, rules,
                         {code: help_markdown(rule) for code, rule in rules.items()} if options.sarif else {},
                         all_notes)
    if read_only or incomplete:
        echo(GithubAnnotationReporter().render(report))
    if env.get("GITHUB_STEP_SUMMARY"):
        if not append_job_summary(Path(env["GITHUB_STEP_SUMMARY"]), summary):
            log("could not write the job summary")
    if options.json is not None:
        try:
            options.json.write_text(JsonReporter().render(report), encoding="utf-8")
        except OSError as err:
            raise UsageError(f"cannot write {options.json}: {err.strerror or err}") from err
    if options.sarif is not None:
        try:
            options.sarif.write_text(SarifReporter().render(report), encoding="utf-8")
        except OSError as err:
            raise UsageError(f"cannot write {options.sarif}: {err.strerror or err}") from err
    _write_outputs(env, result, options.sarif, log)
    log(result.gate.verdict.reason)
    if incomplete:
        return EXIT_ERROR
    return 0 if result.gate.verdict.passed else 1


def _llm_outcome(
    env: Mapping[str, str], config: Config, result: RunResult, pr: PullRequestRef, sleep: Callable[[float], None]
) -> LlmOutcome | None:
    """One advisory model call when ANTHROPIC_API_KEY is set; None (and no network at all) otherwise."""
    from reviewbot.clients.anthropic import client_from_env
    from reviewbot.summary.llm import LlmRequest, summarize

    client = client_from_env(
        env, timeout_seconds=config.llm.timeout_seconds, max_retries=config.llm.max_retries, sleep=sleep
    )
    if client is None:
        return None
    return summarize(LlmRequest(result.changes, result.findings, pr.title, pr.body), config.llm, client)


def _pull_request(
    options: ReviewOptions, env: Mapping[str, str], token: str, api_url: str,
    sleep: Callable[[float], None], clock: Callable[[], float], log: Write,
) -> tuple[PullRequestRef, GitHubClient | None]:
    if options.pr is not None:
        repo = options.repo or env.get("GITHUB_REPOSITORY")
        if not repo or "/" not in repo:
            raise UsageError("--pr needs --repo OWNER/NAME", hint="e.g. `reviewbot review --repo acme/pay --pr 42`")
        if not token:
            raise UsageError("--pr needs a token", hint="pass --token or set GITHUB_TOKEN")
        api = GitHubClient(token, repo, api_url, sleep=sleep, clock=clock, log=log)
        return read_pull(api, options.pr), api
    event_path = env.get("GITHUB_EVENT_PATH")
    event_name = env.get("GITHUB_EVENT_NAME", "pull_request")
    if not event_path:
        raise UsageError(
            "no pull request to review: GITHUB_EVENT_PATH is not set",
            hint="run inside GitHub Actions on pull_request, or pass --repo OWNER/NAME --pr N",
        )
    if event_name not in PR_EVENTS:
        raise UsageError(f"`reviewbot review` runs on pull_request events, not {event_name}",
                         hint="use `reviewbot diff --base origin/main` for pushes")
    pr = read_event(Path(event_path), env.get("GITHUB_REPOSITORY"))
    if not pr.repo:
        raise SourceError("the event does not name the repository", hint="set GITHUB_REPOSITORY")
    client = GitHubClient(token, pr.repo, api_url, sleep=sleep, clock=clock, log=log) if token else None
    return pr, client


def load_base_config(
    root: Path, base_sha: str, explicit: Path | None, changes: ChangeSet, workdir: Path
) -> tuple[Config, list[str]]:
    """The configuration and baseline as of the base commit, so a PR cannot weaken its own gate."""
    names = (_relative(root, explicit),) if explicit is not None else CONFIG_NAMES
    changed = {f.path for f in changes.files} | {f.old_path for f in changes.files if f.old_path}
    changed |= {s.path for s in changes.skipped}
    notes: list[str] = []
    config: Config | None = None
    base_available = _show(root, base_sha, "") is not None
    for name in names:
        data = _show(root, base_sha, name)
        if data is None or (name.endswith("pyproject.toml") and explicit is None and not _has_table(data)):
            continue
        target = workdir / Path(name).name
        target.write_bytes(data)
        config = replace(load(root, target), source=f"{name} at {base_sha[:12]}")
        if name in changed:
            notes.append(f"this PR changes {name}; the gate used the base commit's version, the change applies after merge")
        break
    if config is None:
        if not base_available:
            notes.append("the base commit is not in the checkout: the default configuration was used")
        config = validate_config(Config(root=str(root)))
    baseline = _show(root, base_sha, config.baseline) if config.baseline else None
    if config.baseline in changed:
        notes.append(f"this PR changes {config.baseline}; the gate used the base commit's baseline")
    if baseline is None:
        config = config.override(baseline="")
    else:
        target = workdir / "baseline.json"
        target.write_bytes(baseline)
        config = config.override(baseline=str(target))
    return config, notes


def _show(root: Path, sha: str, path: str) -> bytes | None:
    try:
        return git(root, "show", f"{sha}:{path}") if path else git(root, "cat-file", "-e", f"{sha}^{{commit}}")
    except SourceError:
        return None


def _has_table(data: bytes) -> bool:
    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True  # let the loader report the broken file
    tool = parsed.get("tool")
    return isinstance(tool, dict) and "reviewbot" in tool


def _relative(root: Path, path: Path) -> str:
    resolved = path if path.is_absolute() else (Path.cwd() / path)
    try:
        return resolved.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _source_lines(changes: ChangeSet) -> Callable[[str], list[str]]:
    """The reviewed lines of a file, secrets masked: what code frames and suggestions may show."""
    from reviewbot.reporters.base import masked_source_lines

    def lines(path: str) -> list[str]:
        return masked_source_lines(changes, path)

    return lines


def _write_outputs(env: Mapping[str, str], result: RunResult, sarif: Path | None, log: Write) -> None:
    target = env.get("GITHUB_OUTPUT")
    if not target:
        return
    verdict = "pass" if result.gate.verdict.passed else "fail"
    lines = [f"verdict={verdict}", f"findings={len(result.gate.in_diff)}"]
    if sarif is not None:
        lines.append(f"sarif={sarif}")
    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
    except OSError as err:
        log(f"could not write the step outputs to {target}: {err.strerror or err}")


@dataclass(frozen=True, slots=True)
class PreviewOptions:
    """`reviewbot review --dry-run`: a local range, no GitHub, nothing posted."""

    base: str
    head: str | None = None
    config_path: Path | None = None
    fail_on: str | None = None
    min_confidence: str | None = None
    tools: str | None = None
    title: str = ""
    root: Path | None = None
    trace: TraceRequest | None = None
    cache: bool = True  # False: --no-cache


def preview_review(options: PreviewOptions, echo: Write = _stdout) -> int:
    """Print the review exactly as it would be posted: inline comments, then the summary comment."""
    from reviewbot.explain import rule_index
    from reviewbot.reporters.escape import printable_block
    from reviewbot.reporters.terminal import code_frame
    from reviewbot.sources.git import collect_range

    root = repo_root(options.root or Path.cwd()) or (options.root or Path.cwd()).resolve()
    changes = collect_range(root, options.base, options.head)
    with tempfile.TemporaryDirectory(prefix="reviewbot-base-") as workdir:
        base_sha = changes.base_ref or options.base
        config, notes = load_base_config(root, base_sha, options.config_path, changes, Path(workdir))
        if options.fail_on is not None:
            config = config.override(fail_on=options.fail_on)
        if options.min_confidence is not None:
            config = config.override(min_confidence=options.min_confidence)
        if not options.cache:
            config = config.override(cache=False)
        tools = resolve_tools(options.tools.split(",") if options.tools is not None else None, config)
        result = run(changes, config, tools, trace=options.trace)
    rules = rule_index()
    findings = tuple(f.with_changes(message=redact(f.message), help=redact(f.help)) for f in result.findings)
    lines = _source_lines(changes)
    plan = plan_review(findings, changes, (), config.github.max_inline_comments, rules, lines)
    title = f" — {options.title}" if options.title else ""
    out = [f"reviewbot review (dry run{title}): nothing is posted", ""]
    for finding, draft in plan.new:
        where = f"{draft.path}:{draft.start_line}-{draft.line}" if draft.start_line else f"{draft.path}:{draft.line}"
        out.append(f"── inline comment on {where} " + "─" * max(4, 60 - len(where)))
        out.extend(code_frame(lines(finding.path), finding))
        out.extend(["", draft.body.strip(), ""])
    summary = SummaryInput(
        findings=findings,
        verdict=result.gate.verdict,
        files_reviewed=len(changes.files),
        seconds=result.seconds,
        timings=tuple(ToolTiming(a.name, a.seconds, a.files, a.findings) for a in result.analyzers),
        notes=(*notes, *result.notes),
        rules=rules,
        head_sha=changes.head_ref or "",
        not_inline=plan.not_inline,
        max_inline=config.github.max_inline_comments,
    )
    out.append("── summary comment " + "─" * 50)
    out.append(render_summary(summary).strip())
    # Printed to a terminal: the reviewed code and tool messages must not carry live control sequences.
    echo(printable_block("\n".join(out) + "\n"))
    return 0 if result.gate.verdict.passed else 1
