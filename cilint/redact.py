"""Secrets out of every output: what a report shows of the analysed files, and of the environment.

A CI file or runner configuration may hold secrets (a proxy URL with a password, a runner token, a
registry password in `variables:`). cilint quotes those files - source lines, messages, the context
of a suggested fix - so every renderer passes what it shows through one `Redactor`:

- the password in a URL's user information (`http://user:***@proxy:3128`);
- the value of a key that names a secret (`token`, `*_token`, `*password*`, `*secret*`, `*passwd*`,
  `api_key`, `private_key`, `DOCKER_AUTH_CONFIG`, `credentials`), as `KEY: value`, `KEY = "value"`,
  `KEY=value` or a `--token value` option; a value that only names a variable (`$CI_JOB_TOKEN`)
  is kept, as it holds no secret;
- strings shaped like GitLab tokens (`glpat-`, `glrt-`, `gldt-`, ... and runner registration tokens
  `GR1348941...`) and a few other well-known token formats;
- the values of this process's environment variables whose names look secret (GITLAB_TOKEN ...).

Redaction is for display only: fixes are applied from the unredacted text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MASK = "***"

_SECRET_KEY = (
    r"[A-Za-z0-9_.\-]*(?:token|passw(?:or)?d|secret|api[_\-]?key|private[_\-]?key|auth[_\-]?config"
    r"|credentials?|pwd(?![a-z])|auth(?![a-z]))[A-Za-z0-9_.\-]*"
)
# KEY: value / KEY = "value" / "KEY": "value" / KEY=value, anywhere on a line.
_KEY_VALUE = re.compile(
    rf"""(?<![A-Za-z0-9_.\-/])(?P<key>["']?{_SECRET_KEY}["']?)(?P<sep>[ \t]*[:=][ \t]*)"""
    r"""(?:"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|(?P<bare>[{\[].*|[^\s"',;}\]]+))""",
    re.IGNORECASE,
)
# --token VALUE, --password=VALUE (command-line options)
_OPTION = re.compile(
    r"(?P<key>--[A-Za-z0-9\-]*(?:token|password|passwd|secret)[A-Za-z0-9\-]*)(?P<sep>[ =])"
    r"""(?:"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|(?P<bare>[^\s"']+))""",
    re.IGNORECASE,
)
# scheme://user:password@ -> the password
_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:)(?P<password>[^\s/@]+)@")
_TOKEN_SHAPES = re.compile(
    r"\b(?:gl(?:pat|rt|rtr|dt|ptt|ft|imt|agent|oas|soat|cbt|ffct|wt|sup|tst)-[A-Za-z0-9_.\-]{8,}"
    r"|GR1348941[A-Za-z0-9_\-]{8,}"
    r"|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"
    r"|xox[abprs]-[A-Za-z0-9\-]{10,}"
    r"|AKIA[0-9A-Z]{16})"
)
_SECRET_ENV_NAME = re.compile(r"token|passw(?:or)?d|secret|api[_\-]?key|private[_\-]?key|credential", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Redactor:
    """Masks secrets in text to be shown. `literals` are exact secret strings (environment values)."""

    literals: tuple[str, ...] = ()

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Redactor:
        values = {v for k, v in environ.items() if _SECRET_ENV_NAME.search(k) and len(v) >= 6}
        return cls(tuple(sorted(values, key=len, reverse=True)))

    def spans(self, line: str) -> list[tuple[int, int]]:
        """The (start, end) character ranges of `line` to mask, sorted and disjoint."""
        found: list[tuple[int, int]] = []
        for pattern in (_KEY_VALUE, _OPTION):
            for match in pattern.finditer(line):
                group = next(g for g in ("dq", "sq", "bare") if match.group(g) is not None)
                value = match.group(group)
                if not value or _names_a_variable(value):
                    continue
                found.append((match.start(group), match.end(group)))
        for match in _USERINFO.finditer(line):
            if not _names_a_variable(match.group("password")):
                found.append((match.start("password"), match.end("password")))
        for match in _TOKEN_SHAPES.finditer(line):
            found.append((match.start(), match.end()))
        for literal in self.literals:
            at = line.find(literal)
            while at != -1:
                found.append((at, at + len(literal)))
                at = line.find(literal, at + len(literal))
        return _merge(found)

    def line(self, line: str) -> str:
        return _apply(line, self.spans(line))

    def value(self, name: str, value: str) -> str:
        """A value written under `name` (a key, a variable): masked whole when the name says it holds a
        secret and the value is not a reference to a variable, else redacted as text."""
        if value and names_a_secret(name) and not _names_a_variable(value):
            return MASK
        return self.text(value)

    def text(self, text: str) -> str:
        """Every line of `text` (line endings kept)."""
        if not self._may_hold_secret(text):
            return text
        return "".join(self.line(part) for part in text.splitlines(keepends=True))

    def shown(self, line: str, columns: Iterable[int]) -> tuple[str, list[int]]:
        """`line` redacted, and 0-based `columns` of the original moved to where they stand now (a
        column inside a masked value moves to the mask's start)."""
        spans = self.spans(line)
        moved = [_moved(column, spans) for column in columns]
        return _apply(line, spans), moved

    def _may_hold_secret(self, text: str) -> bool:
        return bool(self.literals) or any(marker in text.lower() for marker in _MARKERS) or bool(
            _TOKEN_SHAPES.search(text)
        )


def names_a_secret(name: str) -> bool:
    """Whether a key or variable name says its value is a secret (`DB_PASSWORD`, `api_key`, `token`)."""
    return _SECRET_NAME.fullmatch(name) is not None


_SECRET_NAME = re.compile(_SECRET_KEY, re.IGNORECASE)
_MARKERS = ("token", "pass", "secret", "key", "auth", "credential", "pwd", "://")


def _names_a_variable(value: str) -> bool:
    return bool(re.fullmatch(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\*+|<[^>]*>|\[MASKED\]", value))


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _apply(line: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return line
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts.append(line[last:start])
        parts.append(MASK)
        last = end
    parts.append(line[last:])
    return "".join(parts)


def _moved(column: int, spans: list[tuple[int, int]]) -> int:
    shift = 0
    for start, end in spans:
        if column >= end:
            shift += len(MASK) - (end - start)
        elif column > start:
            return start + shift
        else:
            break
    return column + shift
