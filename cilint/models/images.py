"""Image references and the hostnames GitLab Runner gives a service.

Runner `helpers/container/services/services.go` `SplitNameAndVersion` (docs: ci/services
"Accessing the services"; facts 3.7): strip the tag or digest, strip a registry port, then the
primary alias replaces `/` with `__` and the secondary (added when different) replaces `/` with `-`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# A registry host with a port: the first path component contains ':' followed by digits.
_REGISTRY_PORT = re.compile(r"^([^/]+?):[0-9]+(/.*)$")


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image reference split into repository, tag and digest."""

    repository: str  # everything before the tag or digest, e.g. "registry:5000/group/docker"
    tag: str | None
    digest: str | None

    @property
    def path(self) -> str:
        """The repository without a registry port (what the runner derives aliases from)."""
        match = _REGISTRY_PORT.match(self.repository)
        return match.group(1) + match.group(2) if match else self.repository

    @property
    def short_name(self) -> str:
        """The last path component: `docker` for `registry.example.com/mirror/docker:24-dind`."""
        return self.repository.rsplit("/", 1)[-1]


@lru_cache(maxsize=4096)  # several rules read each job's images, and jobs share most of them
def parse_image(reference: str) -> ImageRef:
    text = reference.strip()
    digest = None
    if "@" in text:
        text, digest = text.split("@", 1)
    tag = None
    last_slash = text.rfind("/")
    colon = text.rfind(":")
    if colon > last_slash:
        text, tag = text[:colon], text[colon + 1 :]
    return ImageRef(text, tag, digest)


def derived_aliases(reference: str) -> tuple[str, ...]:
    """The hostnames the runner derives for a service image, in the runner's order."""
    image = parse_image(reference)
    if not image.repository:
        return ()
    name = image.path
    primary = name.replace("/", "__")
    secondary = name.replace("/", "-")
    return (primary,) if primary == secondary else (primary, secondary)


def split_aliases(text: str) -> tuple[str, ...]:
    """`alias:` holds one or more names separated by spaces or commas (docs: ci/services)."""
    return tuple(part for part in re.split(r"[\s,]+", text) if part)
