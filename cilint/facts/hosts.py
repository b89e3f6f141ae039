"""Host names and addresses: IPs, internal and cluster names, partial names, DNS-1123 names."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from cilint.data import load

# Docker's embedded DNS server inside user-defined networks (and so inside per-build networks).
EMBEDDED_DNS = "127.0.0.11"


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def resolver_facts() -> dict[str, Any]:
    return load("resolvers.toml")


def is_internal_address(text: str) -> bool | None:
    """True for private/shared/link-local/loopback addresses, False for public ones, None if not an IP."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if text.strip() in resolver_facts()["public_resolvers"]:
        return False
    return not address.is_global


def looks_like_cluster_dns(text: str) -> bool:
    facts = resolver_facts()
    if text in facts["cluster_dns_hints"]:
        return True
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return address.version == 4 and not address.is_global and int(text.rsplit(".", 1)[1]) == facts["cluster_dns_last_octet"]


def is_partial_name(host: str) -> bool:
    """A dotted name that only resolves through the search list: `minio.gitlab`, `gitlab-minio.gitlab.svc`."""
    if "." not in host or host.endswith(".") or "$" in host or is_internal_address(host) is not None:
        return False
    if host.endswith((".cluster.local",)):
        return False
    last = host.rsplit(".", 1)[1]
    facts = resolver_facts()
    if last == "svc":
        return True
    if len(last) == 2 and last.isalpha() or last in facts["public_tlds"] or last in facts["private_tlds"]:
        return False
    return last.isalpha()


def is_cluster_name(host: str) -> bool:
    return host.endswith((".svc", ".svc.cluster.local", ".cluster.local")) or ".svc." in host


def mixed_views(servers: list[str]) -> bool:
    return {is_internal_address(s) for s in servers} - {None} == {True, False}


_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = re.compile(rf"^{_DNS1123_LABEL}(\.{_DNS1123_LABEL})*$")


def is_dns1123_subdomain(name: str) -> bool:
    return len(name) <= 253 and bool(_DNS1123_SUBDOMAIN.match(name)) and all(len(p) <= 63 for p in name.split("."))


def has_large_answers(host: str) -> bool:
    """A name known for DNS answers too large for 512 bytes (long CDN CNAME chains): resolvers.toml."""
    suffixes = tuple(resolver_facts()["large_answer_suffixes"])
    return host.endswith(suffixes) or host in suffixes
