"""The rule catalog, installed as the package `cilint._rules` (see pyproject.toml)."""
