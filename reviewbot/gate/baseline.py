"""Fingerprints that survive line shifts, and the baseline file that later runs subtract."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from reviewbot.core.findings import Finding
from reviewbot.errors import ConfigError
from reviewbot.gate.texts import FileTexts

BASELINE_SCHEMA = "reviewbot-baseline/1"
REGENERATE = "regenerate it with `reviewbot baseline`"


def fingerprint_all(findings: list[Finding], texts: FileTexts) -> list[Finding]:
    """rule + path + the finding's normalised code line + its occurrence among equal ones."""
    seen: Counter[tuple[str, str, str]] = Counter()
    out: list[Finding] = []
    for finding in sorted(findings, key=lambda f: f.sort_key):
        code = " ".join(texts.line(finding.path, finding.span.line).split())
        key = (finding.rule, finding.path, code)
        occurrence = seen[key]
        seen[key] += 1
        # surrogateescape: a file name that is not UTF-8 keeps its own bytes (and its own fingerprint).
        text = f"{finding.rule}\0{finding.path}\0{code}\0{occurrence}"
        digest = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
        out.append(finding.with_changes(fingerprint=digest[:20]))
    return out


def load_baseline(path: Path) -> Counter[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(
            f"cannot read baseline {path}: {err.strerror or err}",
            hint="check the file's permissions, or set `baseline` in [tool.reviewbot] to another file",
        ) from err
    except UnicodeDecodeError as err:
        raise ConfigError(f"baseline {path} is not UTF-8 JSON", hint=REGENERATE) from err
    except json.JSONDecodeError as err:
        raise ConfigError(f"baseline {path} is not valid JSON: {err}", hint=REGENERATE) from err
    except RecursionError as err:  # json recurses per nesting level; a baseline is two levels deep
        raise ConfigError(f"baseline {path} nests JSON too deeply to be a reviewbot baseline", hint=REGENERATE) from err
    if not isinstance(data, dict) or data.get("schema") != BASELINE_SCHEMA or not isinstance(data.get("findings"), list):
        raise ConfigError(f"baseline {path} is not a reviewbot baseline", hint=REGENERATE)
    counts: Counter[str] = Counter()
    for item in data["findings"]:
        if isinstance(item, dict) and isinstance(item.get("fingerprint"), str):
            counts[item["fingerprint"]] += 1
    return counts


def subtract_baseline(findings: list[Finding], baseline: Counter[str]) -> tuple[list[Finding], int]:
    remaining = Counter(baseline)
    kept: list[Finding] = []
    removed = 0
    for finding in findings:
        if remaining[finding.fingerprint] > 0:
            remaining[finding.fingerprint] -= 1
            removed += 1
        else:
            kept.append(finding)
    return kept, removed


def render_baseline(findings: Iterable[Finding]) -> str:
    items = [
        {"fingerprint": f.fingerprint, "rule": f.rule, "path": f.path, "message": f.message}
        for f in sorted(findings, key=lambda f: (f.path, f.rule, f.fingerprint))
    ]
    return json.dumps({"schema": BASELINE_SCHEMA, "findings": items}, indent=2) + "\n"
