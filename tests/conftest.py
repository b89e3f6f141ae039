from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus"  # the real-world corpus, with its MANIFEST.tsv


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(textwrap.dedent(content).encode("utf-8"))
    return root


@pytest.fixture
def project(tmp_path: Path):
    """Write files into a fresh project root and return the root."""

    def make(files: dict[str, str | bytes]) -> Path:
        return write_tree(tmp_path, files)

    return make


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        raise RuntimeError(f"the corpus is missing at {CORPUS}")
    return CORPUS


SUMMARY_KEY = pytest.StashKey[list]()


@pytest.fixture
def summary(request) -> list[str]:
    """Lines a test wants printed at the end of the run (measured figures)."""
    return request.config.stash.setdefault(SUMMARY_KEY, [])


def pytest_terminal_summary(terminalreporter):
    for line in terminalreporter.config.stash.get(SUMMARY_KEY, []):
        terminalreporter.write_line(line)
