"""Proxy settings as a job gets them: which hosts NO_PROXY exempts, and which hosts are internal."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from cilint.models.variables import Variable

PROXY_NAMES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy")
_INTERNAL_SUFFIXES = (".local", ".internal", ".lan", ".corp", ".home", ".intranet", ".svc", ".cluster.local")


@dataclass(frozen=True, slots=True, eq=False)
class NoProxy:
    """A job's effective NO_PROXY list and the variables that define it."""

    entries: tuple[str, ...]
    variables: tuple[Variable, ...]  # NO_PROXY / no_proxy as defined

    def covers(self, host: str) -> bool:
        host = host.lower().strip("[]")
        for entry in self.entries:
            entry = entry.lower()
            if entry == "*":
                return True
            name = entry.rsplit(":", 1)[0] if entry.count(":") == 1 else entry
            name = name.lstrip("*")
            if "/" in name:
                try:
                    if ipaddress.ip_address(host) in ipaddress.ip_network(name, strict=False):
                        return True
                except ValueError:
                    pass
                continue
            if host == name.lstrip(".") or (name and host.endswith(name if name.startswith(".") else "." + name)):
                return True
        return False


def no_proxy_of(values: list[Variable]) -> NoProxy:
    entries: list[str] = []
    for variable in values:
        entries += [e.strip() for e in re.split(r"[,\s]+", variable.value or "") if e.strip()]
    return NoProxy(tuple(entries), tuple(values))


def is_internal(host: str) -> bool:
    name = host.lower().strip("[]")
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return "." not in name or name.endswith(_INTERNAL_SUFFIXES)
    return address.is_private or address.is_loopback
