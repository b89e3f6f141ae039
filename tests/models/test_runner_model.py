"""Runner configuration: TOML with spans, Helm values mapped back to values.yaml, the runner model."""

from __future__ import annotations

from pathlib import Path

import pytest

from cilint.facts.runners import RunnerChoices
from cilint.loading.load import load_config, load_project
from cilint.findings import Finding
from cilint.loading.runner_files import load_runner_configs
from cilint.source import SourceFile
from cilint.syntax.toml import parse_toml
from cilint.syntax.tree import MapNode, ScalarNode, SeqNode
from cilint.loading.workspace import Workspace
from tests.conftest import CORPUS, REPO

SEEDS = REPO / "tests" / "fixtures" / "seeds"

CONFIG = """\
concurrent = 4
[[runners]]
  name = "docker-1"
  url = "https://gitlab.example.com"
  executor = "docker"
  environment = ["FF_NETWORK_PER_BUILD=1", "HTTP_PROXY=http://proxy:3128"]
  pre_build_script = \"\"\"
echo one
echo two
\"\"\"
  [runners.feature_flags]
    FF_USE_FASTZIP = true
  [runners.docker]
    image = "alpine:3.20"
    dns = ["10.0.0.2"]
    dns_search = ["corp.example"]
    extra_hosts = ["gitlab.corp:10.0.0.5", "host.docker.internal:host-gateway"]
    privileged = true
    volumes = [
      "/certs/client",
      "/cache",
    ]
    tmpfs = { "/tmp" = "rw" }
[[runners]]
  name = "k8s"
  executor = "kubernetes"
  [runners.kubernetes]
    namespace = "ci"
    dns_policy = "None"
    cpu_request = "500m"
    [runners.kubernetes.dns_config]
      nameservers = ["1.1.1.1"]
      [[runners.kubernetes.dns_config.options]]
        name = "ndots"
        value = "2"
      [[runners.kubernetes.dns_config.options]]
        name = "single-request-reopen"
    [[runners.kubernetes.host_aliases]]
      ip = "10.0.0.5"
      hostnames = ["gitlab.corp", "registry.corp"]
  [runners.kuberentes]
    privileged = true
"""


def configs(root: Path, rel: str) -> tuple[list, list[Finding], SourceFile]:
    ws = Workspace(root)
    findings: list[Finding] = []
    loaded = load_runner_configs(ws, rel, findings)
    source = ws.source(rel)
    assert isinstance(source, SourceFile)
    return loaded, findings, source


def text_at(source: SourceFile, node) -> str:
    return source.text[node.span.start : node.span.end]


def test_toml_tables_belong_to_their_runner_and_keep_spans(project):
    root = project({"config.toml": CONFIG})
    (config,), findings, source = configs(root, "config.toml")
    assert findings == []
    docker, k8s = config.runners
    assert (docker.name, docker.executor, k8s.name, k8s.executor) == ("docker-1", "docker", "k8s", "kubernetes")
    dns = docker.docker.setting("dns")
    assert text_at(source, dns.key_node) == "dns" and text_at(source, dns.node) == '["10.0.0.2"]'
    assert source.position(dns.node.span.start) == (15, 11)
    assert docker.docker.strings("volumes") == ("/certs/client", "/cache")
    assert docker.docker.table("tmpfs").text("/tmp") == "rw"
    assert docker.table.text("pre_build_script") == "echo one\necho two\n"
    assert docker.feature_flag("FF_NETWORK_PER_BUILD") is True  # from environment
    assert docker.feature_flags["FF_USE_FASTZIP"].value is True
    assert docker.environment["HTTP_PROXY"].value == "http://proxy:3128"
    assert docker.environment["HTTP_PROXY"].origin == "runner"
    assert docker.docker_dns().extra_hosts == {"gitlab.corp": "10.0.0.5", "host.docker.internal": "host-gateway"}
    assert [s.key for s in docker.scripts()] == ["pre_build_script"]


def test_kubernetes_dns_view_and_unknown_keys(project):
    root = project({"config.toml": CONFIG})
    (config,), _, source = configs(root, "config.toml")
    k8s = config.runners[1]
    dns = k8s.kubernetes_dns()
    assert dns.written_policy == "None" and dns.policy_rejected and dns.policy == "ClusterFirst"
    assert dns.nameservers == ("1.1.1.1",)
    assert dict(dns.options) == {"ndots": "2", "single-request-reopen": None}
    assert dns.ndots == 2 and dns.cluster_dns
    assert k8s.host_aliases() == {"gitlab.corp": "10.0.0.5", "registry.corp": "10.0.0.5"}
    unknown = {(u.table, u.key, u.suggestion) for u in k8s.unknown_keys}
    assert unknown == {("runners", "kuberentes", "kubernetes")}  # cpu_request is known by pattern
    (typo,) = k8s.unknown_keys
    assert source.position(typo.node.span.start) == (41, 12)


@pytest.mark.parametrize(
    ("policy", "effective", "ndots", "cluster"),
    [
        (None, "ClusterFirst", 5, True),
        ("cluster-first", "ClusterFirst", 5, True),
        ("none", "None", None, False),
        ("default", "Default", None, False),
        ("ClusterFirst", "ClusterFirst", 5, True),
    ],
)
def test_dns_policy_as_the_runner_reads_it(project, policy, effective, ndots, cluster):
    line = f'    dns_policy = "{policy}"\n' if policy else ""
    root = project({"config.toml": f'[[runners]]\n  executor = "kubernetes"\n  [runners.kubernetes]\n{line}'})
    (config,), _, _ = configs(root, "config.toml")
    dns = config.runners[0].kubernetes_dns()
    assert (dns.policy, dns.ndots, dns.cluster_dns) == (effective, ndots, cluster)


def test_toml_syntax_error_has_its_line(project):
    root = project({"config.toml": '[[runners]]\n  name = "x"\n  url = $URL\n'})
    loaded, (finding,), source = configs(root, "config.toml")
    assert loaded == [] and finding.rule_id == "CIL001"
    assert source.position(finding.location.span.start).line == 3


def test_toml_with_unicode_keeps_character_offsets():
    text = '# ünïcode ✓\n[[runners]]\n  name = "ünï"\n  url = "https://x"\n'
    parsed = parse_toml(text, "c.toml")
    runner = parsed.root.get("runners").items[0]
    url = runner.get("url")
    assert text[url.span.start : url.span.end] == '"https://x"'


HELM_STYLES = {
    "literal": 'runners:\n  config: |\n    [[runners]]\n      [runners.kubernetes]\n        dns_policy = "none"\n',
    "strip": 'runners:\n  config: |-\n    [[runners]]\n      [runners.kubernetes]\n        dns_policy = "none"\n',
    "keep": 'runners:\n  config: |+\n    [[runners]]\n      [runners.kubernetes]\n        dns_policy = "none"\n\n',
    "folded": 'runners:\n  config: >\n    [[runners]]\n\n    [runners.kubernetes]\n\n    dns_policy = "none"\n',
    "indicator": 'runners:\n  config: |4\n      [[runners]]\n      [runners.kubernetes]\n      dns_policy = "none"\n',
    "double": 'runners:\n  config: "[[runners]]\\n[runners.kubernetes]\\n  dns_policy = \\"none\\"\\n"\n',
    "single": "runners:\n  config: '[[runners]]\n\n    [runners.kubernetes]\n\n    dns_policy = \"none\"'\n",
    "crlf": 'runners:\r\n  config: |\r\n    [[runners]]\r\n      [runners.kubernetes]\r\n        dns_policy = "none"\r\n',
}


@pytest.mark.parametrize("style", sorted(HELM_STYLES))
def test_helm_values_positions_land_in_values_yaml(project, style):
    root = project({"values.yaml": HELM_STYLES[style].encode()})
    (config,), findings, source = configs(root, "values.yaml")
    assert findings == []
    assert config.kind == "helm" and config.runners[0].executor == "kubernetes"  # the chart's default
    setting = config.runners[0].kubernetes.setting("dns_policy")
    assert setting.value == "none" and setting.node.path == "values.yaml"
    if style == "double":  # escapes: the value is found in the quoted line
        assert source.text[setting.key_node.span.start :].startswith("dns_policy")
        return
    assert text_at(source, setting.key_node) == "dns_policy"
    assert text_at(source, setting.node) == '"none"'
    assert source.position(setting.key_node.span.start).line == source.text.count("\n", 0, source.text.find("dns_policy")) + 1


def test_helm_templates_are_opaque(project):
    root = project({
        "values.yaml": """\
            gitlab-runner:
              runners:
                executor: kubernetes
                config: |
                  [[runners]]
                    name = "runner-{{ .Release.Name }}"
                  {{- if .Values.privileged }}
                    [runners.kubernetes]
                      privileged = {{ .Values.privileged }}
                      image = "{{ printf "%s/%s" .Values.a .Values.b }}"
                  {{- end }}
        """,
    })
    (config,), findings, source = configs(root, "values.yaml")
    assert findings == []
    runner = config.runners[0]
    privileged = runner.kubernetes.setting("privileged")
    assert privileged.is_template and privileged.value == "{{ .Values.privileged }}"
    assert text_at(source, privileged.node) == "{{ .Values.privileged }}"
    assert runner.kubernetes.setting("image").is_template
    assert runner.table.setting("name").is_template
    assert config.templated


def test_helm_toml_error_points_into_values_yaml(project):
    root = project({"values.yaml": "runners:\n  config: |\n    [[runners]]\n      name = \"x\"\n      url = nope\n"})
    loaded, (finding,), source = configs(root, "values.yaml")
    assert loaded == [] and finding.rule_id == "CIL001" and finding.location.path == "values.yaml"
    assert source.position(finding.location.span.start) == (5, 13)


# -- which runner runs which job, settings ---------------------------------------------------------


def test_runner_mapping_by_tags_and_executor_setting(project):
    root = project({
        ".gitlab-ci.yml": "a:\n  tags: [k8s]\n  script: x\nb:\n  script: x\nc:\n  tags: [gpu]\n  script: x\n",
        "runner/config.toml": CONFIG,
        ".cilint.toml": """
            executor = "docker"
            [[runners]]
            name = "k8s"
            tags = ["k8s"]
            [[runners]]
            name = "docker-1"
            tags = ["docker"]
            run-untagged = true
        """,
    })
    project_model = load_project(root, None, load_config(Workspace(root)), [])
    choices = RunnerChoices(project_model)
    jobs = project_model.pipelines[0].jobs
    names = {job: [c.runner.name for c in choices.possible(jobs[job])] for job in jobs}
    assert names == {"a": ["k8s"], "b": ["docker-1"], "c": []}
    assert choices.possible_executors(jobs["a"]) == {"kubernetes"}
    assert choices.possible_executors(jobs["c"]) == {"docker"}  # the settings' fallback
    # mapped by tags: the runner file found in the repository counts as the job's runner
    assert [c.runner.name for c in choices.confirmed(jobs["a"])] == ["k8s"]


def test_without_mapping_every_runner_is_considered(project):
    root = project({".gitlab-ci.yml": "a:\n  script: x\n", "config.toml": CONFIG})
    model = load_project(root, None, load_config(Workspace(root)), [])
    choices = RunnerChoices(model)
    job = model.pipelines[0].jobs["a"]
    assert [(c.runner.name, c.reason) for c in choices.possible(job)] == [("docker-1", "unmapped"), ("k8s", "unmapped")]
    # found in the repository, neither mapped nor given with --runner-config: not confirmed
    assert choices.confirmed(job) == ()
    assert choices.confirmed_executors(job) == frozenset()


def test_invalid_settings_are_cil004_with_position(project):
    root = project({
        ".gitlab-ci.yml": "a:\n  script: x\n",
        "pyproject.toml": '[tool.cilint]\nexecutor = "kube"\n[[tool.cilint.runners]]\ntags = "x"\nrun-untagged = "yes"\n',
    })
    model = load_project(root, None, load_config(Workspace(root)), [])
    ws = model.workspace
    rows = sorted((f.rule_id, ws.source(f.path).position(f.location.span.start).line, f.message[:60]) for f in model.findings)
    assert [r[:2] for r in rows] == [("CIL004", 2), ("CIL004", 3), ("CIL004", 5)]


# -- real files -------------------------------------------------------------------------------------


def test_seed_001_vpc_dns_values():
    (config,), findings, source = configs(SEEDS, "seed001-vpc-dns-values.yaml")
    assert findings == []
    dns = config.runners[0].kubernetes_dns()
    assert dns.policy == "None" and not dns.policy_rejected
    assert dns.nameservers == ("10.0.0.2", "10.1.0.251", "10.1.0.252")
    assert dns.searches == ("gitlab.svc.cluster.local", "svc.cluster.local", "cluster.local")
    assert dns.ndots == 2
    nameservers = config.runners[0].kubernetes.table("dns_config").setting("nameservers")
    assert source.position(nameservers.key_node.span.start) == (10, 11)


def test_seed_002_pre_clone_script():
    (config,), findings, _ = configs(SEEDS, "seed002-pre-clone-config.toml")
    runner = config.runners[0]
    (script,) = runner.scripts()
    assert script.key == "pre_clone_script" and "/etc/resolv.conf" in script.value
    (removed,) = runner.unknown_keys
    assert (removed.key, removed.removed_in) == ("pre_clone_script", "17.0")


def _keys(node):
    if isinstance(node, MapNode):
        for key, (key_node, value) in node.entries.items():
            yield key, key_node
            yield from _keys(value)
    elif isinstance(node, SeqNode):
        for item in node.items:
            yield from _keys(item)


def test_every_corpus_runner_key_is_where_it_is_reported():
    checked = files = 0
    for project_dir in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        model = load_project(project_dir, None, load_config(Workspace(project_dir)), [])
        for config in model.runner_configs:
            files += 1
            source = model.workspace.source(config.path)
            for key, key_node in _keys(config.root):
                written = source.text[key_node.span.start : key_node.span.end]
                assert written.strip("\"'") == key, (config.path, key, written)
                checked += 1
            for _, runner in [(config, r) for r in config.runners]:
                for name in ("url", "executor", "name"):
                    setting = runner.table.setting(name)
                    if setting and isinstance(setting.node, ScalarNode) and not setting.is_template:
                        raw = source.text[setting.node.span.start : setting.node.span.end]
                        assert raw.strip("\"'") == setting.value, (config.path, name, raw)
    assert files >= 90 and checked > 1000


def _plain(node):
    if isinstance(node, MapNode):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, SeqNode):
        return [_plain(i) for i in node.items]
    return node.value


def test_toml_values_equal_tomllib_on_every_corpus_toml_file():
    """Values read without tomllib (plain strings, small integers, booleans) and with it agree with
    tomllib's reading of the whole file, for every TOML file of the corpus and some edge cases."""
    import tomllib

    edge = 'a = "x"\nb = \'c:\\\\d\'\nc = 0\nd = -5\ne = +7\nf = 1_000\ng = 0x1f\nh = "t\\u00e9"\ni = """m"""\nj = true\n'
    texts = [edge] + [p.read_text(encoding="utf-8") for p in sorted(CORPUS.rglob("*.toml"))]
    checked = 0
    for text in texts:
        try:
            expected = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue
        parsed = parse_toml(text, "x.toml")
        if parsed.problem is not None:
            continue  # the grammar and tomllib disagree: reported as such elsewhere
        assert _plain(parsed.root) == expected
        checked += 1
    assert checked >= 30
