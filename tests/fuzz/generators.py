"""hypothesis strategies for what cilint reads: pipelines (jobs, services, variables, scripts,
extends, includes, anchors, `!reference`), runner config.toml files and gitlab-runner Helm values.

They build text, not objects, so that layouts a YAML emitter would never write (flow and block
mixed, anchors on anything, odd quoting, broken lines) are reached too. Values come from pools of
the names and shapes the rules look at, mixed with arbitrary text.
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

HOSTS = ["host.docker.internal", "docker", "localhost", "postgres", "gitlab.com", "minio.storage",
         "kubernetes.default.svc", "10.0.0.1", "printer.local", "docker.for.mac.localhost", "127.0.0.1",
         "registry.example.com", "gateway.docker.internal", "db", "redis", "kind-control-plane",
         "selenium__standalone-chrome", "api.internal.example.com", "::1", "svc.cluster.local"]
IMAGES = ["docker:27-dind", "docker:27.3.1-dind", "docker:dind", "docker:27", "postgres:15", "postgres:16",
          "alpine:3.20", "node:22", "python:3.12-alpine", "registry.example.com/team/app:1.2",
          "bitnami/kubectl:latest", "selenium/standalone-chrome", "redis", "busybox", "ubuntu:24.04"]
VARIABLE_NAMES = ["DOCKER_HOST", "DOCKER_TLS_CERTDIR", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "HTTP_PROXY",
                  "HTTPS_PROXY", "NO_PROXY", "http_proxy", "no_proxy", "FF_NETWORK_PER_BUILD", "K8S_API",
                  "KUBE_CONTEXT", "DATABASE_URL", "CI_DEBUG_TRACE", "MY_VAR"]
SCRIPT_TEMPLATES = [
    "curl -sf http://{host}:{port}/health", "wget -q https://{host}/x", "nslookup {host}", "ping -c 1 {host}",
    "docker build -t app .", "docker info", "docker network create --mtu 1400 n", "psql -h {host} -c 'select 1'",
    "kubectl config use-context group/project:agent", "kubectl get pods", "getent hosts {host} || true",
    "until nc -z {host} {port}; do sleep 1; done", "echo $DOCKER_HOST", "export NO_PROXY={host}",
    "cat /etc/resolv.conf", 'echo "nameserver 8.8.8.8" > /etc/resolv.conf', "dig +short {host}",
    "for i in 1 2 3; do curl {host} && break; done", "helm upgrade --install app ./chart",
]
RUNNER_KEYS = ['network_mode = "{word}"', 'dns = ["{ip}"]', 'extra_hosts = ["{host}:host-gateway"]',
               "privileged = {bool}", 'volumes = ["/certs/client", "/cache"]', 'image = "{image}"',
               'network_mtu = {port}', 'helper_image_flavor = "alpine"']

# Printable text: YAML forbids most control characters, and a `\\u` escape of a surrogate half
# (what json.dumps writes for astral characters) is rejected by libyaml; cilint reports both as
# CIL001, which tests/hostile covers. Here they would make most projects unreadable.
texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
words = st.one_of(st.sampled_from(["a", "b", "build", "test", "x-y", ".tpl", "deploy", "job 1"]), texts)
ports = st.sampled_from(["2375", "2376", "80", "443", "5432", "9000", "6443", "0", "99999"])


def _quote(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def scalar(value: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A string rendered as a YAML scalar: plain, double-quoted (JSON escapes) or single-quoted."""
    def render(text: str, style: int) -> str:
        if style == 0 and text and text.strip() == text and not any(c in text for c in ":#{}[],&*!|>'\"%@`\n"):
            return text
        if style == 1:
            return "'" + text.replace("'", "''").replace("\n", " ") + "'"
        return _quote(text)
    return st.builds(render, value, st.integers(0, 2))


@st.composite
def script_line(draw: st.DrawFn) -> str:
    template = draw(st.sampled_from(SCRIPT_TEMPLATES))
    line = template.format(host=draw(st.one_of(st.sampled_from(HOSTS), texts)), port=draw(ports))
    return draw(st.one_of(st.just(line), st.builds(lambda a, b: a + b, st.just(line), texts)))


@st.composite
def variables_block(draw: st.DrawFn, indent: str) -> str:
    lines = []
    for name in draw(st.lists(st.sampled_from(VARIABLE_NAMES), max_size=4, unique=True)):
        value = draw(st.one_of(
            st.sampled_from(["tcp://docker:2375", "tcp://docker:2376", '""', "/certs", "http://proxy:3128",
                             "http://user:s3cret@proxy.example.com:3128", "localhost,127.0.0.1,docker", "true",
                             "1", "https://kubernetes.docker.internal:6443"]),
            scalar(texts)))
        if draw(st.booleans()):
            lines.append(f"{indent}  {name}: {value}")
        else:
            lines.append(f"{indent}  {name}:\n{indent}    value: {value}\n{indent}    description: {draw(scalar(texts))}")
    return f"{indent}variables:\n" + "\n".join(lines) if lines else f"{indent}variables: {{}}"


@st.composite
def service(draw: st.DrawFn, indent: str) -> str:
    image = draw(st.one_of(st.sampled_from(IMAGES), scalar(texts)))
    shape = draw(st.integers(0, 2))
    if shape == 0:
        return f"{indent}- {image}"
    alias = draw(st.one_of(st.sampled_from(["docker", "db", "pg", "my_db", "postgres-2", "a,b"]), scalar(texts)))
    if shape == 1:
        command = ', '.join(_quote(c) for c in draw(st.lists(st.sampled_from(["--mtu=1360", "--dns=8.8.8.8", "--tls=false"]), max_size=2)))
        return f"{indent}- name: {image}\n{indent}  alias: {alias}" + (f"\n{indent}  command: [{command}]" if command else "")
    return f"{indent}- {{name: {image}, alias: {alias}}}"


@st.composite
def job(draw: st.DrawFn, name: str, others: list[str], anchors: list[str]) -> str:
    parts = [f"{name}:"]
    if draw(st.booleans()):
        parts.append(f"  image: {draw(st.one_of(st.sampled_from(IMAGES), scalar(texts)))}")
    if draw(st.booleans()):
        parts.append("  services:\n" + "\n".join(draw(st.lists(service("    "), min_size=1, max_size=3))))
    if draw(st.booleans()):
        parts.append(draw(variables_block("  ")))
    if others and draw(st.integers(0, 3)) == 3:
        parts.append(f"  extends: {_quote(draw(st.sampled_from(others)))}")
    if anchors and draw(st.integers(0, 3)) == 3:
        parts.append(f"  <<: *{draw(st.sampled_from(anchors))}")
    for key in ("before_script", "script"):
        if key == "script" or draw(st.booleans()):
            lines = draw(st.lists(script_line(), min_size=1, max_size=4))
            if draw(st.integers(0, 4)) == 4 and others:
                parts.append(f"  {key}:\n" + "".join(f"    - {_quote(l)}\n" for l in lines)
                             + f"    - !reference [{_quote(draw(st.sampled_from(others)))}, script]")
            else:
                parts.append(f"  {key}:\n" + "\n".join(f"    - {_quote(l)}" for l in lines))
    if draw(st.booleans()):
        parts.append(f"  tags: [{draw(st.sampled_from(['docker', 'k8s', 'shared']))}]")
    return "\n".join(parts)


@st.composite
def pipeline(draw: st.DrawFn, include: str | None = None) -> str:
    names = draw(st.lists(words, min_size=1, max_size=5, unique=True))
    names = [n if n.strip() else "job" for n in names]
    names = list(dict.fromkeys(_quote(n) if not n.replace("-", "").replace(".", "").isalnum() else n for n in names))
    anchors = []
    head = []
    if draw(st.booleans()):
        anchors.append("tpl")
        head.append(".tpl: &tpl\n  image: docker:27\n  services:\n    - docker:27-dind\n  variables:\n    DOCKER_HOST: tcp://docker:2376")
    if include is not None:
        head.append(f"include:\n  - local: {include}")
    if draw(st.booleans()):
        head.append(draw(variables_block("")))
    if draw(st.booleans()):
        head.append("default:\n  services:\n" + "\n".join(draw(st.lists(service("    "), min_size=1, max_size=2))))
    jobs = [draw(job(name, [n for n in names if n != name], anchors)) for name in names]
    text = "\n".join(head + jobs) + "\n"
    if draw(st.integers(0, 9)) == 9:  # now and then a broken file
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(["\n  - ]", "\t", ": :", "\n---\nx: *nope", "\ufeff", "\r\n"])) + text[cut:]
    return text


@st.composite
def runner_toml(draw: st.DrawFn, indent: str = "") -> str:
    out = []
    for n in range(draw(st.integers(1, 3))):
        executor = draw(st.sampled_from(["docker", "kubernetes", "shell", "docker+machine"]))
        lines = ["[[runners]]", f'  name = {_quote(draw(words))}', '  url = "https://gitlab.example.com"',
                 f'  executor = "{executor}"']
        if draw(st.booleans()):
            lines.append(f'  environment = [{_quote("FF_NETWORK_PER_BUILD=" + draw(st.sampled_from(["true", "false"])))}, "HTTPS_PROXY=http://proxy:3128"]')
        if executor.startswith("docker") or draw(st.booleans()):
            lines.append("  [runners.docker]")
            for key in draw(st.lists(st.sampled_from(RUNNER_KEYS), max_size=4, unique=True)):
                lines.append("    " + key.format(word=draw(st.sampled_from(["bridge", "host", "ci-net", ""])),
                                                 ip=draw(st.sampled_from(["8.8.8.8", "10.0.0.2", "127.0.0.53"])),
                                                 host=draw(st.sampled_from(HOSTS)), bool=draw(st.sampled_from(["true", "false"])),
                                                 image=draw(st.sampled_from(IMAGES)), port=draw(st.sampled_from(["1400", "1500", "0"]))))
        if executor == "kubernetes":
            lines.append('  [runners.kubernetes]\n    namespace = "ci"')
            if draw(st.booleans()):
                lines.append(f'    [[runners.kubernetes.dns_config.options]]\n      name = "ndots"\n      value = "{draw(st.sampled_from(["1", "2", "5"]))}"')
            if draw(st.booleans()):
                lines.append(f'    [runners.kubernetes.dns_config]\n      nameservers = ["{draw(st.sampled_from(["10.0.0.10", "8.8.8.8"]))}"]')
        if draw(st.booleans()):
            lines.append("  [runners.feature_flags]\n    FF_NETWORK_PER_BUILD = " + draw(st.sampled_from(["true", "false"])))
        out.append("\n".join(indent + line for line in lines))
    text = "\n".join(out) + "\n"
    if draw(st.integers(0, 9)) == 9:
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(["[[", "= =", '"', "\ufeff", "\n[runners]\n"])) + text[cut:]
    return text


@st.composite
def helm_values(draw: st.DrawFn) -> str:
    config = draw(runner_toml("    "))
    extra = draw(st.sampled_from(["", "rbac:\n  create: true\n", "gitlabUrl: https://gitlab.example.com/\n"]))
    return f"{extra}runners:\n  config: |\n{config}"


@st.composite
def project(draw: st.DrawFn) -> dict[str, str]:
    """The files of one project: a pipeline, maybe an included file, maybe runner configuration."""
    files: dict[str, str] = {}
    included = draw(st.sampled_from([None, "ci/extra.yml", "ci/missing.yml"]))
    files[".gitlab-ci.yml"] = draw(pipeline(include=included))
    if included == "ci/extra.yml":
        files["ci/extra.yml"] = draw(pipeline())
    kind = draw(st.integers(0, 3))
    if kind == 1:
        files["config.toml"] = draw(runner_toml())
    elif kind == 2:
        files["values.yaml"] = draw(helm_values())
    return files
