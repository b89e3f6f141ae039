"""Names that resolve only on a developer machine (Docker Desktop, OrbStack, Podman...), from the data file."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from cilint.data import load


@dataclass(frozen=True, slots=True, eq=False)
class LocalOnlyHost:
    """A hostname (or `*.suffix`) that resolves only on a developer's machine."""

    pattern: str
    provider: str
    note: str

    def matches(self, host: str) -> bool:
        if self.pattern.startswith("*."):
            return host.endswith(self.pattern[1:])
        return host == self.pattern


@cache
def local_only_hosts() -> tuple[LocalOnlyHost, ...]:
    data = load("local_only_hosts.toml")
    return tuple(LocalOnlyHost(h["pattern"], h["provider"], h["note"]) for h in data["host"])


def classify(host: str) -> LocalOnlyHost | None:
    return next((entry for entry in local_only_hosts() if entry.matches(host)), None)
