"""Data files the checks share (kept out of code so they can be updated without code changes)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

_DIRECTORY = Path(__file__).parent


@cache
def load(name: str) -> dict[str, Any]:
    """One TOML file of this package, parsed once per process."""
    import tomllib  # the parser is imported by the first check that needs a data file, not at start-up

    return tomllib.loads((_DIRECTORY / name).read_text(encoding="utf-8"))
