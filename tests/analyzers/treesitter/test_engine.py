"""The tree-sitter engine: one parse per file, error recovery vs RB901, per-file isolation, workers."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from reviewbot.analyzers.base import NullProgress
from reviewbot.analyzers.go.engine import SPEC as GO
from reviewbot.analyzers.go.rules.exceptions.empty_error_branch import EmptyErrorBranch
from reviewbot.analyzers.treesitter.analyzer import TreeSitterAnalyzer, language_spec
from reviewbot.analyzers.treesitter.engine import analyze_source
from reviewbot.analyzers.treesitter.languages import GO as GO_LANGUAGE
from reviewbot.analyzers.treesitter.languages import TREESITTER_LANGUAGES
from reviewbot.analyzers.treesitter.nodes import ancestors
from reviewbot.analyzers.typescript.engine import SPEC as TYPESCRIPT
from reviewbot.analyzers.typescript.rule import TypeScriptRule
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet, FileChange, Mode
from reviewbot.core.findings import Severity
from reviewbot.core.rules import Family

EMPTY_ERROR_BRANCH = "package p\n\nfunc f() {\n\tif err := db.Exec(q); err != nil {\n\t}\n}\n"


class CrashingRule(TypeScriptRule):
    code = "RB199"
    name = "crashing-rule"
    family = Family.MONEY
    severity = Severity.ERROR
    summary = rationale = help = "test rule"

    def visit_call_expression(self, node):
        raise RuntimeError("boom")


class CallCounter(TypeScriptRule):
    code = "RB198"
    name = "call-counter"
    family = Family.MONEY
    severity = Severity.WARNING
    summary = rationale = help = "test rule"

    def visit_call_expression(self, node):
        self.report(node, f"call `{self.text(node)}`")


def test_a_file_with_skipped_text_is_rb901_at_the_skipped_text_and_the_rest_is_still_checked():
    source = b"export const ok = charge(1);\nexport const = ;;; (\nconst after = refund(2);\n"
    findings = analyze_source("src/a.ts", source, Config(), TYPESCRIPT, rule_types=(CallCounter,))
    parse = [f for f in findings if f.rule == "RB901"]
    assert [(f.line, f.severity) for f in parse] == [(2, Severity.ERROR)]
    assert "the rest of the file was checked" in parse[0].message
    calls = sorted(f.message for f in findings if f.rule == "RB198")
    assert "call `charge(1)`" in calls and "call `refund(2)`" in calls


def test_a_missing_token_the_grammar_inserted_is_not_a_parse_error():
    # tree-sitter-typescript reads `sql<T>` before a template as a comparison and inserts a MISSING
    # node; the file is valid TypeScript and must not be reported.
    source = b"const rows = await db.select({ tags: sql<Tag[]>`coalesce(json_agg(t), '[]')` }).from(t);\n"
    findings = analyze_source("src/q.ts", source, Config(), TYPESCRIPT, rule_types=(CallCounter,))
    assert findings and all(f.rule == "RB198" for f in findings)


def test_a_file_no_rule_could_apply_to_is_not_parsed_and_skipped_text_in_it_hides_nothing():
    # No trigger word of any TypeScript rule: nothing to report, and no RB901 for text no rule could check.
    broken = b"export const = ;;; (\nconst label = 'x';\n"
    assert analyze_source("src/a.ts", broken, Config(), TYPESCRIPT) == []
    # The same broken text beside a money-moving call: the file is parsed, the skipped text is RB901 and
    # the rest is checked.
    moving = broken + b"await stripe.refunds.create({ charge: id, amount: 100 });\n"
    rules = sorted(f.rule for f in analyze_source("src/a.ts", moving, Config(), TYPESCRIPT))
    assert "RB901" in rules and any(r.startswith("RB3") for r in rules)


def test_a_crashing_rule_is_rb905_on_that_file_only():
    crash = analyze_source("src/a.ts", b"pay(1);\n", Config(), TYPESCRIPT, rule_types=(CrashingRule,))
    assert [(f.rule, f.line) for f in crash] == [("RB905", 1)]
    assert "RuntimeError: boom" in crash[0].message
    fine = analyze_source("src/b.ts", b"const amountMinor = 1;\n", Config(), TYPESCRIPT, rule_types=(CrashingRule,))
    assert fine == []


def test_columns_count_characters_not_bytes():
    source = "const label = \"prix: 10 €\"; pay(1);\n".encode()
    findings = analyze_source("src/a.ts", source, Config(), TYPESCRIPT, rule_types=(CallCounter,))
    text = source.decode()
    assert [f.span.column for f in findings] == [text.index("pay(1)") + 1]


def test_tsx_and_javascript_files_parse_with_the_tsx_grammar():
    jsx = b"export const Pay = () => <button onClick={() => pay(1)}>Pay</button>;\n"
    for path in ("src/Pay.tsx", "src/Pay.jsx", "src/pay.js"):
        findings = analyze_source(path, jsx, Config(), TYPESCRIPT, rule_types=(CallCounter,))
        assert [f.rule for f in findings] == ["RB198"], path


def test_rules_are_filtered_by_select_and_test_policy():
    ignored = analyze_source("src/a.ts", b"pay(1);\n", Config(ignore=("RB198",)), TYPESCRIPT, rule_types=(CallCounter,))
    assert ignored == []
    in_test = analyze_source("src/__tests__/a.ts", b"pay(1);\n", Config(), TYPESCRIPT, rule_types=(CallCounter,))
    assert in_test == []


def test_go_rules_run_on_go_files(tmp_path: Path):
    findings = analyze_source("internal/pay.go", EMPTY_ERROR_BRANCH.encode(), Config(), GO, rule_types=(EmptyErrorBranch,))
    assert [(f.rule, f.line) for f in findings] == [("RB213", 4)]


def test_the_worker_pool_finds_what_one_process_finds(tmp_path: Path):
    body = "".join(f"if err := store.Exec{i}(ctx); err != nil {{\n}}\n" for i in range(400))
    text = f"package p\n\nfunc f() {{\n{body}}}\n"
    paths = []
    for n in range(12):  # ~1.6 MB: above the pool threshold
        path = tmp_path / f"pkg/f{n}.go"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text * 10 if n == 0 else text * 3, encoding="utf-8")
        paths.append(f"pkg/f{n}.go")
    changes = ChangeSet(root=str(tmp_path), files=tuple(FileChange(p) for p in paths), mode=Mode.AUDIT)
    pooled = TreeSitterAnalyzer(GO_LANGUAGE).analyze(changes, Config(jobs=2), NullProgress())
    single = TreeSitterAnalyzer(GO_LANGUAGE).analyze(changes, Config(jobs=1), NullProgress())
    assert sorted(f.sort_key for f in pooled.findings) == sorted(f.sort_key for f in single.findings)
    assert pooled.files == 12 and set(pooled.read) == set(paths)


@pytest.mark.parametrize("language", TREESITTER_LANGUAGES, ids=lambda language: language.name)
def test_each_language_the_parent_knows_is_its_engines_spec(language):
    # The parent decides from the TreeSitterLanguage which files the analyzer takes; the engine's SPEC
    # must parse exactly those suffixes.
    spec = language_spec(language)
    assert spec.name == language.name
    assert sorted(spec.suffixes) == sorted(language.suffixes)


POOLED_WITHOUT_THE_ENGINE = """
import json, sys
sys.path.insert(0, {repo!r})
from reviewbot.analyzers.base import NullProgress
from reviewbot.analyzers.treesitter.analyzer import TreeSitterAnalyzer
from reviewbot.analyzers.treesitter.languages import GO
from reviewbot.analyzers.workers import start_fork_server
from reviewbot.config import Config
from reviewbot.core.changes import ChangeSet, FileChange, Mode

start_fork_server([GO.engine])
changes = ChangeSet(root={root!r}, files=tuple(FileChange(p) for p in {paths!r}), mode=Mode.AUDIT)
result = TreeSitterAnalyzer(GO).analyze(changes, Config(jobs={jobs}, cache={cache}), NullProgress())
loaded = [m for m in ("tree_sitter", "reviewbot.analyzers.treesitter.engine", GO.engine) if m in sys.modules]
print(json.dumps({{"findings": len(result.findings), "loaded": loaded}}))
"""


def test_a_change_whose_files_all_go_to_workers_never_loads_the_engine_in_the_parent(tmp_path: Path):
    import json
    import subprocess
    import sys

    body = "".join(f"if err := store.Exec{i}(ctx); err != nil {{\n}}\n" for i in range(400))
    text = f"package p\n\nfunc f() {{\n{body}}}\n"
    paths = []
    padding = "// " + "x" * 77 + "\n"
    for n in range(12):  # ~2 MB: above the pool threshold
        (tmp_path / f"f{n}.go").write_text(padding * 2000 + text, encoding="utf-8")
        paths.append(f"f{n}.go")
    repo = str(Path(__file__).resolve().parents[3])

    def run(jobs: int, names: list[str], cache: bool = False) -> dict[str, object]:
        code = POOLED_WITHOUT_THE_ENGINE.format(repo=repo, root=str(tmp_path), paths=names, jobs=jobs, cache=cache)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
        return dict(json.loads(out.stdout))

    pooled = run(2, paths)
    assert pooled == {"findings": 12 * 400, "loaded": []}
    # Too little source for a pool: the same analyzer parses here, so it loads the engine.
    engine = ["tree_sitter", "reviewbot.analyzers.treesitter.engine", "reviewbot.analyzers.go.engine"]
    assert run(2, paths[:1]) == {"findings": 400, "loaded": engine}
    # Once the results cache holds the file, nothing is parsed and the engine is not loaded either.
    assert run(2, paths[:1], cache=True) == {"findings": 400, "loaded": engine}
    assert run(2, paths[:1], cache=True) == {"findings": 400, "loaded": []}


@pytest.mark.parametrize("spec", [TYPESCRIPT, GO], ids=lambda s: s.name)
def test_one_query_for_every_file_finds_what_a_query_per_set_of_active_rules_finds(spec):
    # Every rule of the language on every rule's examples (so several rules are active together and the
    # shared query captures node types no active rule visits), with and without the shared query.
    config = Config(test_policy="strict")
    examples = [(example.path, textwrap.dedent(example.code).encode()) for rule in spec.rules for example in rule.examples]
    shared, per_set = replace(spec, shared_query=True), replace(spec, shared_query=False)
    reported = 0
    for path, source in examples:
        found = analyze_source(path, source, config, shared)
        assert found == analyze_source(path, source, config, per_set), path
        reported += len(found)
    assert reported >= len(spec.rules)  # the examples do report


def _depth(node):
    return sum(1 for _ in ancestors(node))


# Same-span nesting (`expression_statement` around a call, parentheses) and empty MISSING nodes are the
# cases where a node within a span is not below it.
_SEARCH_EXTRAS = {
    "typescript": ("const total = (f(g(x)));\nif (a { b(); }\nconst = 5;\nlet y = new Map(), z = -x++;\n", "extra.ts"),
    "go": ("package p\n\nfunc f() {\n\tg(h(x))\n\tif (err != nil) {\n\t\treturn\n\t}\n\tx := \n}\n", "extra.go"),
}


@pytest.mark.parametrize("spec", [TYPESCRIPT, GO], ids=lambda s: s.name)
def test_a_search_read_from_the_engines_captures_finds_what_a_query_of_the_subtree_finds(spec):
    from reviewbot.analyzers.treesitter import grammars
    from reviewbot.analyzers.treesitter.nodes import captures, descendants
    from reviewbot.analyzers.treesitter.rule import FileContext

    visited = {t for rule in spec.rules for t in rule.node_types()}
    types = tuple(sorted(visited | set(spec.searched) | {"expression_statement", "parenthesized_expression", "identifier"}))
    extra_code, extra_path = _SEARCH_EXTRAS[spec.name]
    sources = [(e.path, textwrap.dedent(e.code).encode()) for rule in spec.rules for e in rule.examples]
    compared = missing = same_span = 0
    for path, source in [*sources, (extra_path, extra_code.encode())]:
        grammar = spec.grammar_for(path)
        assert grammar is not None
        tree = grammars.parse(grammar, source)
        language = grammars.language(grammar)
        ctx = FileContext(path=path, config=Config(), source=source, tree=tree, language=language)
        ctx.captured.update(captures(language, tree.root_node, types))
        for node_type in types:
            ctx.captured.setdefault(node_type, [])
        present = [t for t in types if ctx.captured[t]]
        stack = [tree.root_node]
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            missing += node.is_missing
            for asked in [(t,) for t in present] + [tuple(present)]:
                # The query's order, except that of two nodes with one span the outer comes first (the
                # query leaves them in the order of its capture names).
                expected = sorted(descendants(language, node, asked), key=lambda n: (n.start_byte, -n.end_byte, _depth(n)))
                assert ctx.descendants(node, *asked) == expected, (path, node.type, node.start_byte, asked)
                compared += 1
                same_span += any(n != node and (n.start_byte, n.end_byte) == (node.start_byte, node.end_byte)
                                 for n in ctx.captured.get(asked[0], []))
    assert compared > 1000 and missing > 0 and same_span > 0  # the hard cases did occur
    # A type the engine's query did not capture is searched by a query of the subtree: the same nodes.
    from_captures = ctx.descendants(tree.root_node, "call_expression")
    ctx.captured.clear()
    assert from_captures and ctx.descendants(tree.root_node, "call_expression") == from_captures
