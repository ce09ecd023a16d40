"""Command-line interface: arguments -> Config -> one call into the pipeline -> a reporter."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from reviewbot import __version__
from reviewbot.analyzers import processes
from reviewbot.errors import EXIT_ERROR, ReviewbotError, UsageError

if TYPE_CHECKING:
    from reviewbot.analyzers.trace.engine import TraceRequest
    from reviewbot.config import Config
    from reviewbot.core.changes import ChangeSet
    from reviewbot.pipeline import RunResult
    from reviewbot.reporters.base import Reporter

FORMATS = ("text", "json", "sarif", "github")
F = TypeVar("F", bound=Callable[..., object])


class NamedPaths(click.Path):
    """The paths a command checks, taken as given: `audit` and `baseline` check each one themselves
    (missing, unreadable: exit 2 naming it). click.Path stats every argument and asks whether
    it is readable, 6 ms for the 1,300 files a script names; this keeps its shell completion of paths."""

    def __init__(self) -> None:
        super().__init__(path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str | bytes | os.PathLike[str]:
        return Path(value) if isinstance(value, str) else super().convert(value, param, ctx)


PROGRESS_DELAY_SECONDS = 1.0  # progress appears only on runs longer than this


class StderrProgress:
    """Progress on stderr, shown only once a run has taken more than a second."""

    def __init__(self, enabled: bool, clock: Callable[[], float] = time.monotonic, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.clock = clock
        self.stream = stream if stream is not None else sys.stderr
        self.started = clock()
        self.last = 0.0
        self.lock = threading.Lock()
        self.shown = False
        self.tty = self.stream.isatty()

    def advance(self, label: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if now - self.started < PROGRESS_DELAY_SECONDS or (now - self.last < 0.5 and done < total):
            return
        with self.lock:
            self.last = now
            self.shown = True
            text = f"reviewbot: {label} {done}/{total} files"
            if self.tty:
                self.stream.write("\r" + text.ljust(60))
                if done >= total:
                    self.stream.write("\n")
            else:
                self.stream.write(text + "\n")
            self.stream.flush()


def _remember_no_cache(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta["reviewbot.no_cache"] = True


def _no_cache() -> bool:
    """Whether `--no-cache` was given to the running command."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.meta.get("reviewbot.no_cache"))


# Not a parameter of each command function: it only turns one configuration key off (`cache`).
NO_CACHE_OPTION = click.option(
    "--no-cache", is_flag=True, expose_value=False, callback=_remember_no_cache,
    help="Neither read nor write the results cache (.reviewbot_cache) [config: cache].",
)


def common_options(func: F) -> F:
    options = [
        click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
                     help="Output format."),
        click.option("--fail-on", type=click.Choice(("error", "warning", "info", "never")), default=None,
                     help="Lowest severity that fails the gate [config: fail-on, default error]."),
        click.option("--min-confidence", type=click.Choice(("high", "medium", "low")), default=None,
                     help="Lowest confidence that may block; errors below it are shown as warnings "
                          "[config: min-confidence, default high]."),
        click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
                     help="reviewbot.toml or pyproject.toml to read instead of the one at the repository root."),
        click.option("--select", multiple=True, help="Only these codes, prefixes or families (repeatable, comma-separated)."),
        click.option("--ignore", multiple=True, help="Skip these codes, prefixes or families."),
        click.option("--tools", default=None,
                     help="External tools to run: ruff,mypy,tsc,go-vet,semgrep or none [config: tools]."),
        click.option("--output", "-o", "output", type=click.Path(path_type=Path), default=None,
                     help="Write the report to this file instead of stdout."),
        click.option("--no-baseline", is_flag=True, help="Report findings recorded in the baseline too."),
        NO_CACHE_OPTION,
        click.option("--jobs", "-j", type=int, default=None,
                     help="Worker processes for Python files; 0 means one per CPU [config: jobs, default 0]."),
        click.option("--verbose", "-v", is_flag=True, help="Per-analyzer timings on stderr."),
        click.option("--quiet", "-q", is_flag=True, help="No progress on stderr."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _split(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _configure(root: Path, config_path: Path | None, fail_on: str | None, select: Sequence[str],
               ignore: Sequence[str], jobs: int | None, diff_filter: str | None = None,
               min_confidence: str | None = None) -> Config:
    from reviewbot.pipeline import load

    config = load(root, config_path)
    changes: dict[str, object] = {}
    if fail_on is not None:
        changes["fail_on"] = fail_on
    if min_confidence is not None:
        changes["min_confidence"] = min_confidence
    if select or ignore:
        from reviewbot.analyzers.codes import check_cli_selectors

        check_cli_selectors(config, (("--select", _split(select)), ("--ignore", _split(ignore))))
    if select:
        changes["select"] = _split(select)
    if ignore:
        changes["ignore"] = (*config.ignore, *_split(ignore))
    if jobs is not None:
        from reviewbot.config import check_jobs

        check_jobs(jobs, "--jobs", UsageError)
        changes["jobs"] = jobs
    if diff_filter is not None:
        changes["diff_filter"] = diff_filter
    if _no_cache():
        changes["cache"] = False
    return config.override(**changes) if changes else config


def _emit(result: RunResult, fmt: str, output: Path | None, verbose: bool) -> int:
    from reviewbot.explain import help_markdown, rule_index
    from reviewbot.reporters.base import ReportInput

    # Rule docs load the rule registries (the Python one imports libcst): only the formats that show
    # them ask; the terminal needs them only for the codes of other tools (our own are always known).
    wanted = {f.rule for f in result.findings if fmt != "text" or f.tool != "reviewbot"} if fmt != "json" else set()
    rules = rule_index(wanted)
    report = ReportInput(
        changes=result.changes,
        findings=result.findings,
        verdict=result.gate.verdict,
        stats=result.stats(),
        rules=rules,
        rule_help={code: help_markdown(rule) for code, rule in rules.items()} if fmt == "sarif" else {},
        notes=result.notes,
    )
    from reviewbot.reporters.escape import printable

    color = fmt == "text" and output is None and _wants_color()
    # A file name that is not UTF-8 is carried as lone surrogates (os.fsdecode); print it as `\udcff`.
    text = _reporter(fmt, color).render(report).encode("utf-8", "backslashreplace").decode("utf-8")
    if output is not None:
        write_file(output, text)
    else:
        click.echo(text, nl=False, color=color)
    for note in result.notes:
        if fmt != "text":
            click.echo(f"reviewbot: note: {printable(note)}", err=True)
    if verbose:
        for stat in result.analyzers:
            click.echo(f"reviewbot: {stat.name}: {stat.seconds:.2f}s, {stat.files} files, {stat.findings} findings", err=True)
        click.echo(f"reviewbot: total {result.seconds:.2f}s", err=True)
    return 0 if result.gate.verdict.passed else 1


def _wants_color() -> bool:
    from reviewbot.reporters.terminal import wants_color

    return wants_color(sys.stdout)


def _reporter(fmt: str, color: bool = False) -> Reporter:
    if fmt == "json":
        from reviewbot.reporters.json import JsonReporter

        return JsonReporter()
    if fmt == "sarif":
        from reviewbot.reporters.sarif import SarifReporter

        return SarifReporter()
    if fmt == "github":
        from reviewbot.reporters.github_annotations import GithubAnnotationReporter

        return GithubAnnotationReporter()
    from reviewbot.reporters.terminal import TerminalReporter

    return TerminalReporter(color=color)


def _start_workers_early(paths: Sequence[Path] | None = None, jobs: int | None = None) -> None:
    """Let the fork server import the engines while this command reads its configuration and collects its
    change (0.1-0.3 s that would otherwise come after); the run keeps it if it preloaded what the change
    needs, and replaces or stops it if not (analyzers/workers.py).

    Before the change is known the guess is the Python engine. Files named on the command line are the
    change (`audit a.ts b.go`): the guess is then what they need, nothing when no worker will run."""
    if "reviewbot.analyzers.workers" in sys.modules:  # else no server runs (nor is multiprocessing imported)
        from reviewbot.analyzers.workers import server_running

        if server_running():
            return  # `reviewbot audit FILE...` started it before the CLI's imports (__main__.py)
    preload: Sequence[str] | None = None  # the default guess
    if paths and not any(p.is_dir() for p in paths):
        from reviewbot.analyzers.preload import named_files_preload

        preload = named_files_preload([str(p) for p in paths], jobs)
        if not preload:
            return  # no worker will run: not even multiprocessing is imported
    from reviewbot.analyzers.workers import FORKSERVER_PRELOAD, start_fork_server_early

    start_fork_server_early(FORKSERVER_PRELOAD if preload is None else preload)


def _run(changes: ChangeSet, config: Config, tools: str | None, quiet: bool, no_baseline: bool,
         trace: TraceRequest | None = None, fmt: str | None = None) -> RunResult:
    from reviewbot.pipeline import resolve_tools, run

    if fmt is not None:
        # The report's modules load now, while the fork server still imports the engine, rather than
        # between the last file analysed and the report.
        _reporter(fmt)

    tool_names = resolve_tools(tools.split(",") if tools is not None else None, config)
    return run(changes, config, tool_names, StderrProgress(enabled=not quiet), use_baseline=not no_baseline,
               trace=trace)


def trace_options(func: F) -> F:
    """`--trace`, `--postgres URL`, `--trace-rows N` (diff and review)."""
    options = [
        click.option("--trace", "trace", is_flag=True,
                     help="Also replay the change's new migrations on a disposable PostgreSQL (see `reviewbot trace`)."),
        click.option("--postgres", default=None, metavar="URL",
                     help="With --trace: a disposable server to use instead of a throwaway cluster."),
        click.option("--trace-rows", type=click.IntRange(min=0), default=None,
                     help="With --trace: synthetic rows per touched table [config: trace.rows, default 10000]."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _trace_request(trace: bool, postgres: str | None, rows: int | None) -> TraceRequest | None:
    if not trace:
        if postgres is not None or rows is not None:
            raise UsageError("--postgres and --trace-rows go with --trace", hint="add --trace")
        return None
    from reviewbot.analyzers.trace.engine import TraceRequest

    return TraceRequest(postgres_url=postgres, rows=rows)


class ReviewbotGroup(click.Group):
    """Turns ReviewbotError into its one-line message and exit code; never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except ReviewbotError as err:
            click.echo(err.render(), err=True)
            ctx.exit(err.exit_code)
        except KeyboardInterrupt:
            click.echo("reviewbot: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        # The CLI boundary (STYLE.md §7): anything unexpected is an internal error, exit 2, and the
        # traceback only with --debug.
        except Exception as err:  # noqa: BLE001
            click.echo(f"reviewbot: internal error: {type(err).__name__}: {err}", err=True)
            click.echo("  hint: please report it with the output of `reviewbot --debug ...`", err=True)
            if ctx.obj and ctx.obj.get("debug"):
                import traceback

                traceback.print_exc()
            ctx.exit(EXIT_ERROR)
        return None


@click.group(cls=ReviewbotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reviewbot")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def main_group(ctx: click.Context, debug: bool) -> None:
    """reviewbot: the payments code-review gate (money, idempotency, migrations, concurrency, types, lint)."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@main_group.command()
@click.argument("paths", nargs=-1, type=NamedPaths())
@common_options
def audit(paths: tuple[Path, ...], fmt: str, fail_on: str | None, min_confidence: str | None,
          config_path: Path | None, select: tuple[str, ...], ignore: tuple[str, ...], tools: str | None, output: Path | None,
          no_baseline: bool, jobs: int | None, verbose: bool, quiet: bool) -> None:
    """Check whole files under PATHS (default: the current directory)."""
    _start_workers_early(paths, jobs)
    from reviewbot.sources.paths import collect_audit, project_root, with_named_sql

    root = project_root(paths)  # a missing path: collect_audit's error, exit 2 naming it
    config = _configure(root, config_path, fail_on, select, ignore, jobs, min_confidence=min_confidence)
    changes = collect_audit(paths, root, config)
    config = with_named_sql(config, paths, root)
    if not changes.files:
        where = ", ".join(str(p) for p in paths) or str(root)
        click.echo(f"reviewbot: warning: no files to check under {where} (all excluded or git-ignored?)", err=True)
    sys.exit(_emit(_run(changes, config, tools, quiet, no_baseline, fmt=fmt), fmt, output, verbose))


def source_options(func: F) -> F:
    """Where the change comes from: a git range, the index, or a patch (diff and trace)."""
    options = [
        click.option("--base", default=None, help="Compare against the merge base with this ref."),
        click.option("--head", default=None, help="Review this ref instead of the working tree (needs --base)."),
        click.option("--staged", is_flag=True, help="Review what is staged in the index (pre-commit)."),
        click.option("--patch", "patch_file", type=click.Path(path_type=Path), default=None,
                     help="A unified diff already applied to the working tree (`git diff`, a PR's .diff)."),
        click.option("--diff-filter", type=click.Choice(("added", "diff_context", "file", "all")), default=None,
                     help="Which lines count as changed [config: diff-filter, default added]."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _collect_change(root: Path, base: str | None, head: str | None, staged: bool, patch_file: Path | None) -> ChangeSet:
    from reviewbot.sources.git import collect_range, collect_staged
    from reviewbot.sources.patch import collect_patch

    chosen = sum((base is not None, staged, patch_file is not None))
    if chosen != 1:
        raise UsageError("choose exactly one of --base REF, --staged or --patch FILE",
                         hint="e.g. `reviewbot diff --base origin/main`")
    if head is not None and base is None:
        raise UsageError("--head needs --base", hint="e.g. `reviewbot diff --base origin/main --head HEAD`")
    if patch_file is not None:
        return collect_patch(patch_file, root)
    if staged:
        return collect_staged(root)
    assert base is not None  # one of the three was chosen above
    return collect_range(root, base, head)


@main_group.command()
@source_options
@trace_options
@common_options
def diff(base: str | None, head: str | None, staged: bool, patch_file: Path | None, diff_filter: str | None,
         trace: bool, postgres: str | None, trace_rows: int | None,
         fmt: str, fail_on: str | None, min_confidence: str | None, config_path: Path | None,
         select: tuple[str, ...], ignore: tuple[str, ...], tools: str | None, output: Path | None, no_baseline: bool,
         jobs: int | None, verbose: bool, quiet: bool) -> None:
    """Check only the changed lines of a git range, the staged changes, or a patch."""
    _start_workers_early()
    from reviewbot.sources.paths import project_root

    request = _trace_request(trace, postgres, trace_rows)
    root = project_root(())
    changes = _collect_change(root, base, head, staged, patch_file)
    config = _configure(root, config_path, fail_on, select, ignore, jobs, diff_filter, min_confidence)
    sys.exit(_emit(_run(changes, config, tools, quiet, no_baseline, request, fmt), fmt, output, verbose))


@main_group.command(name="trace")
@source_options
@click.option("--postgres", default=None, metavar="URL",
              help="A disposable server (e.g. a `services: postgres:16` container) instead of a throwaway cluster.")
@click.option("--rows", type=click.IntRange(min=0), default=None,
              help="Synthetic rows per touched table [config: trace.rows, default 10000].")
@common_options
def trace_command(base: str | None, head: str | None, staged: bool, patch_file: Path | None, diff_filter: str | None,
                  postgres: str | None, rows: int | None,
                  fmt: str, fail_on: str | None, min_confidence: str | None, config_path: Path | None,
                  select: tuple[str, ...], ignore: tuple[str, ...], tools: str | None, output: Path | None,
                  no_baseline: bool, jobs: int | None, verbose: bool, quiet: bool) -> None:
    """Replay a change's new migrations on a disposable PostgreSQL: locks, rewrites, scans, who waited.

    The schema is built from the repository's earlier migrations in runner order, the touched tables get
    synthetic rows, and each new migration runs with its runner's transactions. Static RB4xx findings on
    traced files are marked confirmed or contradicted; hazards only the trace saw are RB416. Prints the
    per-statement trace, then the findings (`--format json`: the trace is in stats.trace).
    """
    from reviewbot.analyzers.trace.engine import TraceRequest
    from reviewbot.sources.paths import project_root

    root = project_root(())
    changes = _collect_change(root, base, head, staged, patch_file)
    config = _configure(root, config_path, fail_on, select, ignore, jobs, diff_filter, min_confidence)
    result = _run(changes, config, tools if tools is not None else "none", quiet, no_baseline,
                  TraceRequest(postgres_url=postgres, rows=rows))
    if fmt == "text" and output is None:
        from reviewbot.analyzers.trace.report import render_trace_text

        if result.trace is not None:
            click.echo(render_trace_text(result.trace) + "\n", nl=False)
        else:
            click.echo("reviewbot: no migration in this change was replayed", err=True)
    sys.exit(_emit(result, fmt, output, verbose))


@main_group.command(name="pre-commit")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@common_options
def pre_commit(files: tuple[Path, ...], fmt: str, fail_on: str | None, min_confidence: str | None,
               config_path: Path | None, select: tuple[str, ...], ignore: tuple[str, ...], tools: str | None,
               output: Path | None, no_baseline: bool, jobs: int | None, verbose: bool, quiet: bool) -> None:
    """The pre-commit hook: FILES as pre-commit passes them, checked the way its mode asks.

    A `git commit` checks the staged lines of the staged FILES; `--from-ref A --to-ref B` (and
    pre-push) the lines changed in A...B; `--all-files` and `--files` the whole FILES.
    """
    import os

    if files:
        _start_workers_early(files, jobs)
    from reviewbot.sources.hook import HookMode, collect_hook
    from reviewbot.sources.paths import project_root

    root = project_root(())
    config = _configure(root, config_path, fail_on, select, ignore, jobs, min_confidence=min_confidence)
    hook = collect_hook(root, [str(f) for f in files], config, os.environ)
    what = {HookMode.STAGED: "the staged lines of", HookMode.RANGE: "the lines changed in the range in",
            HookMode.FILES: "the whole of"}[hook.mode]
    count = len(hook.changes.files)
    if not quiet:
        click.echo(f"reviewbot: pre-commit: checking {what} {count} file{'s' if count != 1 else ''}"
                   + (f" ({len(hook.excluded)} excluded by config)" if hook.excluded else ""), err=True)
    sys.exit(_emit(_run(hook.changes, config, tools, quiet, no_baseline, fmt=fmt), fmt, output, verbose))


@main_group.command()
@click.option("--repo", default=None, help="OWNER/NAME of the PR's repository [default: GITHUB_REPOSITORY].")
@click.option("--pr", "pr_number", type=click.IntRange(min=1), default=None,
              help="PR number to review (outside Actions; default: from GITHUB_EVENT_PATH).")
@click.option("--token", default=None, help="GitHub token [default: GITHUB_TOKEN].")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Config file, read from the PR's base commit.")
@click.option("--fail-on", type=click.Choice(("error", "warning", "info", "never")), default=None,
              help="Lowest severity that fails the gate [config: fail-on, default error].")
@click.option("--diff-filter", type=click.Choice(("added", "diff_context", "file", "all")), default=None,
              help="Which lines count as changed [config: diff-filter, default added].")
@click.option("--min-confidence", type=click.Choice(("high", "medium", "low")), default=None,
              help="Lowest confidence that may block [config: min-confidence, default high].")
@click.option("--tools", default=None, help="External tools to run: ruff,mypy,tsc,go-vet,semgrep or none [config: tools].")
@click.option("--sarif", "sarif_path", type=click.Path(path_type=Path), default=None,
              help="Also write a SARIF file here (for github/codeql-action/upload-sarif).")
@click.option("--json", "json_path", type=click.Path(path_type=Path), default=None,
              help="Also write the JSON report here (stats include the LLM's tokens and cost).")
@click.option("--dry-run", is_flag=True,
              help="Print the review as it would be posted, for a local --base/--head range; no GitHub, no token.")
@click.option("--base", default=None, help="With --dry-run: the PR's base ref.")
@click.option("--head", default=None, help="With --dry-run: the PR's head ref [default: the working tree].")
@click.option("--title", default="", help="With --dry-run: the PR title to show.")
@trace_options
@NO_CACHE_OPTION
def review(repo: str | None, pr_number: int | None, token: str | None, config_path: Path | None,
           fail_on: str | None, diff_filter: str | None, min_confidence: str | None, tools: str | None,
           sarif_path: Path | None,
           json_path: Path | None, dry_run: bool, base: str | None, head: str | None, title: str,
           trace: bool, postgres: str | None, trace_rows: int | None) -> None:
    """Review a GitHub pull request: check run, inline comments, one summary comment."""
    request = _trace_request(trace, postgres, trace_rows)
    if dry_run:
        from reviewbot.review import PreviewOptions, preview_review

        if base is None:
            raise UsageError("--dry-run needs --base REF", hint="e.g. `reviewbot review --dry-run --base main --head HEAD`")
        sys.exit(preview_review(PreviewOptions(base=base, head=head, config_path=config_path, fail_on=fail_on,
                                               min_confidence=min_confidence, tools=tools, title=title,
                                               trace=request, cache=not _no_cache())))
    if base is not None or head is not None:
        raise UsageError("--base/--head go with --dry-run", hint="in Actions the PR's range comes from the event")
    from reviewbot.review import ReviewOptions, run_review

    options = ReviewOptions(repo=repo, pr=pr_number, token=token, config_path=config_path, fail_on=fail_on,
                            min_confidence=min_confidence, diff_filter=diff_filter, tools=tools, sarif=sarif_path, json=json_path,
                            trace=request, cache=not _no_cache())
    sys.exit(run_review(options))


@main_group.command()
@click.argument("paths", nargs=-1, type=NamedPaths())
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None)
@click.option("--tools", default=None, help="External tools to include: ruff,mypy,tsc,go-vet,semgrep or none.")
@click.option("--output", "-o", "output", type=click.Path(path_type=Path), default=None,
              help="Baseline file to write [config: baseline, default .reviewbot-baseline.json].")
@click.option("--quiet", "-q", is_flag=True)
def baseline(paths: tuple[Path, ...], config_path: Path | None, tools: str | None, output: Path | None,
             quiet: bool) -> None:
    """Record today's findings so later runs gate only on new ones."""
    from reviewbot.gate.baseline import render_baseline
    from reviewbot.sources.paths import collect_audit, project_root, with_named_sql

    root = project_root(paths)
    config = _configure(root, config_path, None, (), (), None)
    changes = collect_audit(paths, root, config)
    config = with_named_sql(config, paths, root)
    result = _run(changes, config, tools, quiet, no_baseline=True)
    target = output if output is not None else root / config.baseline
    write_file(target, render_baseline(result.findings))
    click.echo(f"reviewbot: recorded {len(result.findings)} findings in {target}", err=True)


@main_group.command(name="rules")
@click.option("--format", "fmt", type=click.Choice(("text", "markdown", "json")), default="text", show_default=True)
def rules_command(fmt: str) -> None:
    """List every rule: code, name, family, severity, fix."""
    from reviewbot.explain import all_rules, render_rules_table

    click.echo(render_rules_table(all_rules(), fmt), nl=False)


@main_group.command()
@click.argument("code")
@click.option("--format", "fmt", type=click.Choice(("text", "markdown", "json")), default="text", show_default=True)
def explain(code: str, fmt: str) -> None:
    """Explain a rule: what, why, a bad and a good example, and the fix."""
    from reviewbot.explain import explain_code

    click.echo(explain_code(code, fmt), nl=False)


# ------------------------------------------------------------ files and interrupts

EXIT_INTERRUPTED = 130  # 128 + SIGINT: what a shell reports for a Ctrl-C
_PARTIAL_FILES: set[str] = set()  # temporary files being written, removed on an interrupt
_MAIN_PID = os.getpid()
_UMASK = os.umask(0o022)  # read it (there is no getter), then put it back
os.umask(_UMASK)


def write_file(target: Path, text: str) -> None:
    """Write `text` to `target` atomically: concurrent runs and interrupts never leave half a file."""
    if target.exists() and not target.is_file():
        # A device or a pipe (`-o /dev/null`, `-o /dev/stdout`, a FIFO): write into it. Renaming a
        # temporary file over it would replace /dev/null itself with a regular file, for every process.
        try:
            with open(target, "w", encoding="utf-8") as stream:
                stream.write(text)
        except OSError as err:
            raise UsageError(f"cannot write {target}: {err.strerror or err}", hint="check that the path is a writable file") from err
        return
    import tempfile

    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or None)
    except OSError as err:
        raise UsageError(f"cannot write {target}: {err.strerror or err}", hint="check that the directory exists and is writable") from err
    _PARTIAL_FILES.add(temporary)
    try:
        os.chmod(temporary, 0o666 & ~_UMASK)  # mkstemp makes 0600; a report is as readable as any new file
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except OSError as err:
        raise UsageError(f"cannot write {target}: {err.strerror or err}", hint="check that the path is a writable file") from err
    finally:
        _PARTIAL_FILES.discard(temporary)
        if os.path.exists(temporary):
            os.unlink(temporary)


def _stop(signum: int, frame: FrameType | None) -> None:
    """SIGINT/SIGTERM: stop every child at once, remove partial files, exit 128+signal. No traceback.

    Raising KeyboardInterrupt instead would wait for the analyzer threads (a mypy run, a worker pool)
    to finish before the interpreter could exit (issue #14.7: 13-40 s).
    """
    if os.getpid() == _MAIN_PID:
        processes.stop_all()
        for partial in list(_PARTIAL_FILES):
            try:
                os.unlink(partial)
            except OSError:
                continue
        word = "interrupted" if signum == signal.SIGINT else "terminated"
        os.write(2, f"\nreviewbot: {word}\n".encode())
    os._exit(128 + signum)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `reviewbot` console script."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stop)
    main_group.main(args=list(argv) if argv is not None else None, prog_name="reviewbot")
