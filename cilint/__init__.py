"""cilint: DNS and container-network linter for GitLab CI and GitLab Runner configuration."""

__version__ = "0.1.0"
