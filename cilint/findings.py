"""The data every layer exchanges: spans, severities, edits, fixes and findings."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """Character offsets into a source text (BOM excluded), end exclusive."""

    start: int
    end: int


class Severity(enum.IntEnum):
    """GitLab Code Quality severities, ordered so that comparisons mean 'at least as bad'."""

    INFO = 0
    MINOR = 1
    MAJOR = 2
    CRITICAL = 3
    BLOCKER = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None


class Confidence(enum.IntEnum):
    """How much of what a finding says rests on the files cilint read."""

    LOW = 0  # on the environment cilint cannot see (the runner's network, settings outside the files)
    MEDIUM = 1  # on a default the files do not override, or a runner file not known to run the jobs
    HIGH = 2  # the evidence is in the files

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Confidence:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(c.label for c in cls)
            raise ValueError(f"unknown confidence {text!r} (expected one of: {names})") from None


class Applicability(enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace `span` of the file at `path` with `content`."""

    path: str
    span: Span
    content: str


@dataclass(frozen=True, slots=True)
class Fix:
    """The edits that fix one finding, and whether applying them is safe."""

    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a file; `path` is relative to the project root with forward slashes."""

    path: str
    span: Span


@dataclass(frozen=True, slots=True)
class Related:
    """A second location a finding points to (the other half of a conflict)."""

    location: Location
    message: str


@dataclass(frozen=True, slots=True)
class Subject:
    """The name a finding is about, as one job's container looks it up (`cilint check --trace` shows the
    lookup: the model of facts/resolution and facts/lookup)."""

    job: str  # "": the runner's own lookup (its GitLab URL), made by no particular job
    name: str
    container: str = "build"  # "build", "helper", "service:ALIAS", "dind-run:ALIAS"
    runner: str = ""  # with no job, the runner whose lookup it is


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem a rule found, at the location where the fix belongs."""

    rule_id: str
    message: str
    location: Location
    severity: Severity
    fix: Fix | None = None
    related: tuple[Related, ...] = ()
    # Structural route used for fingerprints (job name, key path ...); never a line number.
    route: tuple[str, ...] = field(default=())
    confidence: Confidence = Confidence.HIGH
    # `message` says in one line what is wrong, in the job's terms; `why` the symptom users see,
    # `remedy` what to change (each a sentence or two; empty for input problems that need neither).
    why: str = ""
    remedy: str = ""
    subjects: tuple[Subject, ...] = ()  # the names it is about, each in a job's container

    @property
    def path(self) -> str:
        return self.location.path
