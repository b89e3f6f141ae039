"""Issue 20 point 18: the rule catalog as pages, one per rule, at the URL every finding links."""

from __future__ import annotations

import html.parser
from pathlib import Path

from cilint.catalog import load_catalog
from cilint.results import DOCS_URL
from cilint.site import build


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.links += [value for name, value in attrs if name == "href" and value]

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.text.append(data)


def _parsed(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_rule_has_a_page_where_findings_link_it(tmp_path):
    build(tmp_path)
    site = "https://cilint.gitlab.io/cilint/"
    for meta in load_catalog().values():
        link = DOCS_URL.format(id=meta.id, name=meta.name)
        assert link.startswith(site)
        page = tmp_path / link.removeprefix(site) / "index.html"
        parsed = _parsed(page)
        text = " ".join(parsed.text)
        assert meta.id in text and meta.name in text and meta.severity.label in text
        for reference in meta.references:
            assert reference in parsed.links
        for example in meta.examples.values():  # the examples and what the fix makes of them
            for file_text in (*example.get("files", {}).values(), *example.get("fixed", {}).values()):
                assert " ".join(file_text.split()) in " ".join(text.split())


def test_links_inside_the_site_resolve(tmp_path):
    pages = build(tmp_path)
    for page in pages:
        for link in _parsed(page).links:
            if link.startswith(("http://", "https://")):
                continue
            target = (page.parent / link).resolve()
            assert (target / "index.html").is_file() or target.is_file(), (page, link)


def test_text_from_the_catalog_is_escaped():
    import dataclasses

    from cilint.site import rule_page

    meta = dataclasses.replace(load_catalog()["DNS001"], summary="a <script>alert(1)</script> & `<b>`",
                               examples={"x": {"files": {"a.yml": "k: </pre><script>"}, "findings": []}})
    page = rule_page(meta)
    assert "<script>" not in page and "&lt;script&gt;" in page and "<code>&lt;b&gt;</code>" in page
