"""tree-sitter parsers for the grammars cilint uses (bash scripts, TOML spans), one per process."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def parser(grammar: str) -> Any:
    """A `tree_sitter.Parser` for `grammar` ("bash" or "toml")."""
    import tree_sitter

    return tree_sitter.Parser(tree_sitter.Language(_language_pointer(f"tree_sitter_{grammar}")))


def _language_pointer(package: str) -> object:
    """`<package>.language()`, read from the package's compiled `_binding` module without running the
    package's `__init__`, which imports `importlib.resources` (and through it tempfile, shutil...) only
    to offer highlight queries: about 6 ms of a 150 ms cold start. Falls back to the plain import."""
    import importlib.machinery
    import importlib.util
    import sys

    name = f"{package}._binding"
    module = sys.modules.get(name)
    if module is None:
        try:
            package_spec = importlib.util.find_spec(package)
            locations = package_spec.submodule_search_locations if package_spec else None
            spec = importlib.machinery.PathFinder.find_spec(name, locations) if locations else None
            if spec is None or spec.loader is None:
                raise ImportError(name)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        except ImportError:
            module = importlib.import_module(package)
    return module.language()
