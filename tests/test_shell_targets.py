"""Network targets in shell lines (the interim splitter behind DNS001)."""

from __future__ import annotations

import pytest

from cilint.shell.targets import script_hosts, value_hosts


@pytest.mark.parametrize(
    ("line", "hosts"),
    [
        ("curl -k https://kubernetes.docker.internal:6443", ["kubernetes.docker.internal"]),
        ("kubectl config set-cluster x --server=https://gw.example:6443", ["gw.example"]),
        ("git clone https://user:pw@git.example.com/x.git", ["git.example.com"]),
        ("exec 3<>/dev/tcp/db.example/5432", ["db.example"]),
        ("psql -h db.example -U app", ["db.example"]),
        ("nc -z cache.example 6379 && make", ["cache.example"]),
        ("FOO=1 sudo -E curl http://a.example/x", ["a.example"]),
        ('echo "see https://docs.example"', []),
        ("make test  # http://x.example", []),
        ("curl http://a.example || echo offline", []),
        ("if nslookup a.example; then make; fi", []),
        ("curl \\\n  https://b.example/x", ["b.example"]),
        ('curl "unbalanced https://c.example', []),
    ],
)
def test_script_hosts(line, hosts):
    assert list(dict.fromkeys(script_hosts(line))) == hosts


@pytest.mark.parametrize(
    ("value", "hosts"),
    [
        ("https://kubernetes.docker.internal:6443", ["kubernetes.docker.internal"]),
        ("host.docker.internal", ["host.docker.internal"]),
        ("tcp://docker:2376", ["docker"]),
        ("db.example:5432", ["db.example"]),
        ("just some words", []),
        ("1.2.3", ["1.2.3"]),
    ],
)
def test_value_hosts(value, hosts):
    assert list(value_hosts(value)) == hosts
