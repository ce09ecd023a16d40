"""reviewbot: a code-review and CI gate for payment platforms."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
