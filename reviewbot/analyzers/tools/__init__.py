"""External tools as analyzers: ruff, mypy, semgrep (and the semgrep pack)."""
