"""cilint's rules about its input rather than about what a pipeline does (CIL001-CIL005): the one
place their ids are written, and a constructor for the findings of each."""

from __future__ import annotations

from cilint.findings import Finding, Location, Severity

SYNTAX_ERROR = "CIL001"
INCLUDE_PROBLEM = "CIL002"
EXTENDS_REFERENCE_PROBLEM = "CIL003"
INVALID_SETTINGS = "CIL004"
UNUSED_SUPPRESSION = "CIL005"
INPUT_RULES = frozenset({SYNTAX_ERROR, INCLUDE_PROBLEM, EXTENDS_REFERENCE_PROBLEM, INVALID_SETTINGS, UNUSED_SUPPRESSION})


def syntax_error(message: str, location: Location, severity: Severity = Severity.BLOCKER, *,
                 route: tuple[str, ...] = ()) -> Finding:
    """A file GitLab cannot read: not YAML or TOML, not decodable, or not the shape GitLab needs."""
    return Finding(SYNTAX_ERROR, message, location, severity, route=route)


def include_problem(message: str, location: Location, severity: Severity = Severity.BLOCKER, *,
                    route: tuple[str, ...] = ()) -> Finding:
    """An include (or another file cilint was asked to read) that cannot be used or resolved."""
    return Finding(INCLUDE_PROBLEM, message, location, severity, route=route)


def extends_reference_problem(message: str, location: Location, severity: Severity = Severity.BLOCKER, *,
                              route: tuple[str, ...] = ()) -> Finding:
    """An `extends:` or `!reference` GitLab cannot resolve."""
    return Finding(EXTENDS_REFERENCE_PROBLEM, message, location, severity, route=route)


def invalid_settings(message: str, location: Location, severity: Severity = Severity.MAJOR, *,
                     route: tuple[str, ...] = ()) -> Finding:
    """A `[tool.cilint]` setting that is unknown or has the wrong type."""
    return Finding(INVALID_SETTINGS, message, location, severity, route=route)


def unused_suppression(message: str, location: Location, severity: Severity = Severity.MINOR, *,
                       route: tuple[str, ...] = ()) -> Finding:
    """A `# cilint: ignore[...]` comment that suppresses nothing."""
    return Finding(UNUSED_SUPPRESSION, message, location, severity, route=route)
