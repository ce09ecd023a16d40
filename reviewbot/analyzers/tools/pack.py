"""The semgrep pack: where it is installed, and its rules as RuleInfo for `rules`/`explain`."""

from __future__ import annotations

import functools
import importlib.resources
from dataclasses import dataclass
from pathlib import Path

import yaml

from reviewbot.core.findings import Severity
from reviewbot.core.rules import Bad, Family, Good, RuleInfo
from reviewbot.errors import ToolError

PACK_PACKAGE = "reviewbot.pack"
# semgrep severities -> ours (semgrep also has INFO/WARNING/ERROR, and CRITICAL/HIGH/... in newer schemas).
_SEVERITIES = {
    "ERROR": Severity.ERROR,
    "CRITICAL": Severity.ERROR,
    "HIGH": Severity.ERROR,
    "WARNING": Severity.WARNING,
    "MEDIUM": Severity.WARNING,
    "INFO": Severity.INFO,
    "LOW": Severity.INFO,
}
_EXAMPLE_SUFFIX = {"typescript": ".ts", "ts": ".ts", "go": ".go", "python": ".py", "javascript": ".js"}


@dataclass(frozen=True, slots=True)
class PackRule:
    """One rule of the pack: its semgrep id, the file it lives in, and its documentation."""

    rule_id: str
    path: Path
    info: RuleInfo


def pack_dir() -> Path:
    """The directory of the installed pack (package data `reviewbot/pack`), or `rules/` in a checkout."""
    try:
        resource = importlib.resources.files(PACK_PACKAGE)
    except ModuleNotFoundError:
        resource = None
    if isinstance(resource, Path) and resource.is_dir() and any(resource.rglob("*.yaml")):
        return resource
    # Running from a source tree that is not installed (PYTHONPATH=.): the top-level rules/.
    checkout = Path(__file__).resolve().parents[3] / "rules"
    if checkout.is_dir() and any(checkout.rglob("*.yaml")):
        return checkout
    raise ToolError(
        "the semgrep rule pack is missing from this reviewbot installation",
        hint="reinstall reviewbot (pip install --force-reinstall reviewbot); the wheel ships reviewbot/pack",
    )


@functools.cache
def load_pack(directory: Path | None = None) -> tuple[PackRule, ...]:
    """Every rule in the pack, parsed and validated, sorted by code."""
    root = directory or pack_dir()
    rules: list[PackRule] = []
    for path in sorted(root.rglob("*.yaml")):
        rules.extend(_parse_file(path))
    return tuple(sorted(rules, key=lambda r: r.info.code))


def pack_rules() -> tuple[RuleInfo, ...]:
    """The pack's rules as RuleInfo, as `reviewbot rules` and `explain` show them."""
    return tuple(rule.info for rule in load_pack())


_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def rules_by_id() -> dict[str, PackRule]:
    return {rule.rule_id: rule for rule in load_pack()}


def _parse_file(path: Path) -> list[PackRule]:
    try:
        # The C loader, when PyYAML was built with libyaml, parses the pack ~10x faster.
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ToolError(f"cannot read pack rule file {path}: {err}", hint="reinstall reviewbot") from err
    items = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ToolError(f"pack rule file {path} has no `rules:` list", hint="reinstall reviewbot")
    return [_parse_rule(path, item) for item in items]


def _text(mapping: dict[object, object], key: str, path: Path) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ToolError(f"pack rule in {path} lacks `{key}`", hint="every pack rule documents itself")
    return " ".join(value.split()) if key not in ("bad", "good") else value


def _parse_rule(path: Path, item: object) -> PackRule:
    if not isinstance(item, dict):
        raise ToolError(f"pack rule file {path} holds a rule that is not a mapping")
    meta = item.get("metadata")
    if not isinstance(meta, dict):
        raise ToolError(f"pack rule in {path} has no metadata", hint="add code, family, summary, ...")
    rule_id = _text(item, "id", path)
    languages = item.get("languages")
    language = str(languages[0]) if isinstance(languages, list) and languages else "generic"
    suffix = _EXAMPLE_SUFFIX.get(language, ".txt")
    refs = meta.get("references", [])
    references = tuple(str(r) for r in refs) if isinstance(refs, list) else ()
    try:
        family = Family(_text(meta, "family", path))
    except ValueError as err:
        raise ToolError(f"pack rule {rule_id} in {path} names an unknown family") from err
    example_path = f"payments/example{suffix}"
    info = RuleInfo(
        code=_text(meta, "code", path),
        name=rule_id,
        family=family,
        severity=_SEVERITIES.get(str(item.get("severity", "ERROR")).upper(), Severity.ERROR),
        summary=_text(meta, "summary", path),
        rationale=_text(meta, "rationale", path),
        help=_text(meta, "help", path),
        examples=(
            Bad(_text(meta, "bad", path), path=example_path),
            Good(_text(meta, "good", path), path=example_path),
        ),
        references=references,
        tool="semgrep",
        language=language,
    )
    return PackRule(rule_id=rule_id, path=path, info=info)
