"""The Mermaid CLI (npm `@mermaid-js/mermaid-cli`) with Debian's Chromium, to render `cilint trace
--format mermaid` as GitLab would: installed once into .cache/ (the browser download Puppeteer would
make is skipped: only the package registries are reachable)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from tests.support.gcl import ensure_debian_package

MMDC_VERSION = "11.17.0"
TOOLS_DIR = Path(__file__).resolve().parents[2] / ".cache" / "mermaid-cli"


def mmdc() -> tuple[Path, Path]:
    """The mmdc executable and a Puppeteer configuration that runs Debian's Chromium headless."""
    import fcntl

    chromium = ensure_debian_package("chromium", "chromium")
    binary = TOOLS_DIR / "node_modules" / ".bin" / "mmdc"
    marker = TOOLS_DIR / f"installed-{MMDC_VERSION}"
    config = TOOLS_DIR / "puppeteer.json"
    TOOLS_DIR.mkdir(parents=True, exist_ok=True)
    with open(TOOLS_DIR.parent / "mermaid-cli.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError("npm is required to install the Mermaid CLI for the trace tests")
            shutil.rmtree(TOOLS_DIR / "node_modules", ignore_errors=True)
            subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(TOOLS_DIR),
                            f"@mermaid-js/mermaid-cli@{MMDC_VERSION}"], check=True, timeout=1200,
                           env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"})
            marker.write_text(MMDC_VERSION)
        config.write_text(json.dumps({"executablePath": chromium, "args": ["--no-sandbox", "--headless=new"]}))
    return binary, config


def render_svg(source: str, output: Path) -> str:
    """Render one Mermaid diagram (without the Markdown fence) to SVG and return the SVG."""
    binary, config = mmdc()
    diagram = output.with_suffix(".mmd")
    diagram.write_text(source, encoding="utf-8")
    subprocess.run([str(binary), "-p", str(config), "-i", str(diagram), "-o", str(output)], check=True,
                   capture_output=True, timeout=300)
    return output.read_text(encoding="utf-8")
