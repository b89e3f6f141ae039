"""Shell analysis (tree-sitter bash): commands, errexit semantics, network targets."""

from __future__ import annotations

import pytest

from cilint.shell.bash import analyse
from cilint.shell.network import command_targets, value_hosts


def fatal_hosts(script: str) -> list[str]:
    hosts: list[str] = []
    for command in analyse(script).commands:
        if command.fatal:
            hosts.extend(t.host for t in command_targets(command))
    return list(dict.fromkeys(hosts))


@pytest.mark.parametrize(
    ("line", "hosts"),
    [
        ("curl -k https://kubernetes.docker.internal:6443", ["kubernetes.docker.internal"]),
        ("curl -sSf -o out.json -H 'X: y' api.example.com/v1", ["api.example.com"]),
        ("curl -x proxy.example:3128 https://a.example", ["proxy.example", "a.example"]),
        ("kubectl config set-cluster x --server=https://gw.example:6443", ["gw.example"]),
        ("kubectl --server https://api.example:6443 get pods", ["api.example"]),
        ("git clone https://user:pw@git.example.com/x.git", ["git.example.com"]),
        ("git clone git@gitlab.example.com:group/x.git", ["gitlab.example.com"]),
        ("exec 3<>/dev/tcp/db.example/5432", ["db.example"]),
        ("psql -h db.example -U app -c 'select 1'", ["db.example"]),
        ("redis-cli -h cache.example ping", ["cache.example"]),
        ("nc -z -w 3 cache.example 6379", ["cache.example"]),
        ("FOO=1 sudo -E curl http://a.example/x", ["a.example"]),
        ("docker login registry.example.com -u x -p y", ["registry.example.com"]),
        ("docker pull registry.example.com:5000/team/app:1", ["registry.example.com"]),
        ("docker pull alpine:3.20", []),
        ("dig +short @10.0.0.2 gitlab.example.com", ["10.0.0.2", "gitlab.example.com"]),
        ("getent hosts db.example", ["db.example"]),
        ("timeout 5 bash -c '</dev/tcp/db.example/5432'", ["db.example"]),
        ('echo "see https://docs.example"', []),
        ("printf '%s\\n' https://docs.example", []),
        ("make test  # http://x.example", []),
        ("curl http://a.example || echo offline", []),
        ("curl http://a.example && echo online", []),
        ("if nslookup a.example; then make; fi", []),
        ("! ping -c1 a.example", []),
        ("echo $(curl -s http://a.example)", []),
        ("export A=$(curl -s http://a.example)", []),
        ("A=$(curl -s http://a.example)", ["a.example"]),
        ("set +e\ncurl http://a.example\nset -e\ncurl http://b.example", ["b.example"]),
        ("curl \\\n  https://b.example/x", ["b.example"]),
    ],
)
def test_fatal_targets(line, hosts):
    assert fatal_hosts(line) == hosts


def test_word_offsets_point_into_the_script():
    script = "apk add curl && curl -k https://h.example:6443/healthz"
    (target,) = [t for c in analyse(script).commands for t in command_targets(c)]
    assert script[target.word.start : target.word.end] == "https://h.example:6443/healthz"


def test_expansion_through_variables():
    command = analyse('curl "$URL/health"').commands[0]
    targets = list(command_targets(command, lambda text: text.replace("$URL", "https://x.example")))
    assert [t.host for t in targets] == ["x.example"]
    assert list(command_targets(command, lambda text: None)) == []


def test_errexit_carries_between_lines():
    first = analyse("set +e")
    second = analyse("curl http://a.example", first.errexit_after)
    assert first.errexit_after is False and not second.commands[0].fatal


@pytest.mark.parametrize(
    ("value", "hosts"),
    [
        ("https://kubernetes.docker.internal:6443", ["kubernetes.docker.internal"]),
        ("host.docker.internal", ["host.docker.internal"]),
        ("tcp://docker:2376", ["docker"]),
        ("db.example:5432", ["db.example"]),
        ("just some words", []),
    ],
)
def test_value_hosts(value, hosts):
    assert list(value_hosts(value)) == hosts


def _reading(script) -> tuple:
    """Everything a Script carries, for comparing two readings of one line."""
    commands = [
        (c.name, [(w.text, w.start, w.end, w.literal) for w in c.args],
         [(r.operator, r.target.text, r.target.start, r.target.end) for r in c.redirects],
         c.start, c.end, c.fatal, c.in_substitution, c.assignments)
        for c in script.commands
    ]
    return commands, script.errexit_after, script.parsed


PLAIN_LINES = [
    "make test", "  make   test  ", "docker build -t registry.example.com:5000/app:1.2 .", "set -e", "set +e",
    "set -o errexit", "set +o errexit", "sh -c make", "bash -c make-all", "sudo -E docker login", "timeout 5s curl x.example",
    "env A=b B=c curl https://x.example/a", "exec docker version", "nohup ./run.sh", "cd ..", "fg %1", ":", "-x",
    "1", "return 1", "exit 0", "alias k=kubectl", "echo a=b,c@d+e", "curl http://db:5432/x", "xargs -n1 echo",
    "sudo", "timeout 10", "test -f a", "true", "cmd --opt=a:b/c",
]


@pytest.mark.parametrize("line", PLAIN_LINES)
@pytest.mark.parametrize("errexit", [True, False])
def test_plain_lines_read_without_the_grammar_as_with_it(line, errexit):
    from cilint.shell import bash

    assert bash._PLAIN_LINE.fullmatch(line)
    assert _reading(bash.analyse(line, errexit)) == _reading(bash.analyse_with_grammar(line, errexit))


@pytest.mark.parametrize("line", ["A=b make", "export A=b", "if true", "for x", "a | b", "a $B", "a 'b'", "a # c",
                                  "a; b", "a && b", "a > f", "a\nb", "a\tb", "a *", "a ~/x", "done", "unset A", "[ -f a ]"])
def test_lines_that_need_the_grammar_are_not_plain(line):
    from cilint.shell import bash

    plain = bash._PLAIN_LINE.fullmatch(line)
    first = line.split()[0] if line.split() else ""
    assert not plain or "=" in first or first in bash._GRAMMAR_WORDS


def test_every_plain_corpus_script_line_reads_as_with_the_grammar(corpus):
    """The fast reading of plain lines agrees with tree-sitter on every such line of the corpus."""
    from cilint.loading.load import load_config, load_project
    from cilint.shell import bash
    from cilint.loading.workspace import Workspace

    roots = sorted(p for p in corpus.iterdir() if p.is_dir())
    models = [load_project(root, None, load_config(Workspace(root)), []) for root in roots]
    lines = {line.text for project in models for pipeline in project.pipelines
             for job in pipeline.jobs.values()
             for section in (job.hooks, job.before_script, job.script, job.after_script) for line in section}
    plain = [line for line in sorted(lines) if bash._PLAIN_LINE.fullmatch(line)]
    assert len(plain) > 1000  # about a third of the corpus's distinct script lines
    for line in plain:
        for errexit in (True, False):
            assert _reading(bash.analyse(line, errexit)) == _reading(bash.analyse_with_grammar(line, errexit)), line
