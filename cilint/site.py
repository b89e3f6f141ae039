"""The rule catalog as a small static site: one page per rule, generated from `rules/*.yml`.

The release pipeline publishes it with GitLab Pages (`python -m cilint.site public`); every finding
links its page (`results.DOCS_URL`: `<site>/rules/<ID>/`). Pages are plain HTML with no script, so
they render anywhere, including an internal mirror (`docs-url`).
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

from cilint import __version__
from cilint.catalog import RuleMeta, load_catalog

_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1f1f1f; }
code, pre { font: 14px/1.4 ui-monospace, monospace; background: #f4f4f4; }
pre { padding: .75rem; overflow-x: auto; } code { padding: 0 .2rem; }
table { border-collapse: collapse; } td, th { padding: .25rem .75rem; border-bottom: 1px solid #ddd; text-align: left; }
.meta { color: #555; } .finding { color: #a0300d; }
"""


def _inline(text: str) -> str:
    """Escaped text whose `backticks` become code."""
    parts = html.escape(text.strip(), quote=False).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts)) if len(parts) % 2 else \
        html.escape(text.strip(), quote=False)


def _paragraphs(text: str) -> str:
    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    return "\n".join(f"<p>{_inline(' '.join(b.split()))}</p>" for b in blocks)


def _page(title: str, body: str, depth: int) -> str:
    home = "../" * depth or "./"
    return (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n"
            f"<p class=\"meta\"><a href=\"{home}\">cilint {html.escape(__version__)} rules</a></p>\n{body}\n</body></html>\n")


def _files(files: dict[str, str]) -> str:
    return "\n".join(f"<p><code>{html.escape(name)}</code></p>\n<pre>{html.escape(text.rstrip())}</pre>"
                     for name, text in files.items())


def rule_page(meta: RuleMeta) -> str:
    parts = [f"<h1>{meta.id} <code>{html.escape(meta.name)}</code></h1>", f"<p><strong>{_inline(meta.title)}</strong></p>",
             f"<p class=\"meta\">Default severity: {meta.severity.label}. Fix: {html.escape(meta.fix)}.</p>",
             "<h2>What it finds</h2>", _paragraphs(meta.summary), "<h2>Why it matters</h2>", _paragraphs(meta.rationale)]
    if meta.fix_safety.strip():
        parts += ["<h2>About the fix</h2>", _paragraphs(meta.fix_safety)]
    for name, example in meta.examples.items():
        findings = example.get("findings") or []
        verdict = ", ".join(f"{f['path']}:{f['line']}:{f['column']}" for f in findings)
        parts += [f"<h2>Example: {html.escape(name.replace('_', ' '))}</h2>", _files(example.get("files") or {}),
                  f"<p class=\"finding\">Reported at {html.escape(verdict)}.</p>" if findings else "<p>Nothing reported.</p>"]
        if example.get("fixed"):
            parts += ["<p>After <code>cilint check --fix</code>:</p>", _files(example["fixed"])]
    if meta.references:
        links = "".join(f"<li><a href=\"{html.escape(r)}\">{html.escape(r)}</a></li>" for r in meta.references)
        parts += ["<h2>References</h2>", f"<ul>{links}</ul>"]
    parts.append(f"<p class=\"meta\">Suppress on a line with <code># cilint: ignore[{meta.id}] reason</code>.</p>")
    return _page(f"{meta.id} {meta.name} - cilint", "\n".join(parts), depth=2)


def index_page(catalog: dict[str, RuleMeta], rules: str = "rules/", depth: int = 0) -> str:
    """The table of every rule; `rules` is where the rule pages are from this page."""
    rows = "".join(f"<tr><td><a href=\"{rules}{m.id}/\">{m.id}</a></td><td><code>{html.escape(m.name)}</code></td>"
                   f"<td>{m.severity.label}</td><td>{html.escape(m.fix)}</td><td>{_inline(m.title)}</td></tr>"
                   for m in catalog.values())
    body = ("<h1>cilint rules</h1><p>DNS and container-network mistakes in GitLab CI and GitLab Runner "
            "configuration.</p>\n<table><tr><th>id</th><th>name</th><th>severity</th><th>fix</th><th>what it finds</th>"
            f"</tr>{rows}</table>")
    return _page("cilint rules", body, depth)


def build(out: Path) -> list[Path]:
    """Write the site under `out`; returns the pages written."""
    catalog = load_catalog()
    written = []
    pages = {out / "index.html": index_page(catalog), out / "rules" / "index.html": index_page(catalog, "./", 1)}
    pages |= {out / "rules" / meta.id / "index.html": rule_page(meta) for meta in catalog.values()}
    for path, text in pages.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "public")
    print(f"wrote {len(build(target))} pages to {target}")
