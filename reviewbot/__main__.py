"""`python -m reviewbot` runs the command-line interface."""

from __future__ import annotations

from reviewbot.cli import main

if __name__ == "__main__":
    main()
