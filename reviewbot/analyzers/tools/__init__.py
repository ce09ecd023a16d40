"""External tools as analyzers: ruff, mypy, and semgrep with the users' own configs."""
