"""Regenerate the README's rule table: `python -m tests.update_readme`."""

from __future__ import annotations

from pathlib import Path

from reviewbot.explain import all_rules, render_rules_table

README = Path(__file__).resolve().parents[1] / "README.md"


def main() -> None:
    text = README.read_text(encoding="utf-8")
    begin, end = "<!-- rules:begin -->\n", "<!-- rules:end -->"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    README.write_text(head + begin + render_rules_table(all_rules(), "markdown") + end + tail, encoding="utf-8")


if __name__ == "__main__":
    main()
