"""DNS004 probe-blocks-agent-context: A fatal Kubernetes API probe runs before the job switches to the GitLab agent context."""

from __future__ import annotations

import re
from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.edits.entries import remove_seq_item
from cilint.edits.scalars import insert_text
from cilint.facts.environment import expander_at
from cilint.facts.local_hosts import classify
from cilint.facts.positions import Positions
from cilint.facts.scripts import ScriptCommand, expander
from cilint.findings import Applicability, Finding, Fix, Related, Severity
from cilint.models.pipeline import Job
from cilint.shell.bash import analyse
from cilint.shell.network import command_targets

_PROBE_TOOLS = {"curl", "wget", "nc", "ncat", "netcat", "telnet", "ping"}
_API_HINT = re.compile(r":6443\b|/(?:healthz|livez|readyz|version)\b|/api(?:/|$)|kube|k8s", re.IGNORECASE)
_AGENT_SERVER = re.compile(r"KAS_URL|k8s-proxy|kubernetes-agent|//kas\.", re.IGNORECASE)


def _is_agent_switch(item: ScriptCommand, expand) -> bool:  # type: ignore[no-untyped-def]
    command = item.command
    if command.name != "kubectl" or len(command.args) < 3 or command.args[0].text != "config":
        return False
    action = command.args[1].text
    if action == "use-context":
        written = command.args[2].text
        context = expand(written) if not command.args[2].literal else written
        return ":" in (context or written) or "KUBE_CONTEXT" in written
    if action in ("set-cluster", "set-context"):
        return any(_AGENT_SERVER.search(a.text) for a in command.args[2:])
    return False


def _is_api_probe(item: ScriptCommand, expand) -> bool:  # type: ignore[no-untyped-def]
    command = item.command
    if command.name == "kubectl":
        args = [a.text for a in command.args]
        if args[:1] == ["cluster-info"] or (args[:1] == ["version"] and "--client" not in args):
            return True
        return args[:2] == ["get", "--raw"] or any(a.startswith("--raw=") for a in args)
    if command.name not in _PROBE_TOOLS:
        return False
    for target in command_targets(command, expand):
        text = target.word.text if target.word.literal else (expand(target.word.text) or "")
        if _API_HINT.search(text):
            return True
    return False


class ProbeBlocksAgentContext(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        positions = ctx.facts.positions
        for job in ctx.jobs():
            yield from self._job(ctx, job, positions)

    def _job(self, ctx: CheckContext, job: Job, positions: Positions) -> Iterator[Finding]:
        if not any("kubectl" in line.text for line in job.script_lines()):
            return  # no agent context switch without kubectl
        expand = expander(job)
        commands = [c for c in ctx.facts.commands(job) if c.line.section != "after_script"]
        # a context given by a variable the script set (`export CTX=group/project:agent`) counts
        switch = next((c for c in commands
                       if c.command.name == "kubectl" and _is_agent_switch(c, expander_at(job, ctx.facts.jobs, c))), None)
        if switch is None:
            return
        for item in commands:
            if item.order >= switch.order:
                break
            if item.line.section != "before_script" or not item.command.fatal or not _is_api_probe(item, expand):
                continue
            where = positions.inside(item.line.node, item.command.start, item.command.end)
            switch_where = positions.inside(switch.line.node, switch.command.start, switch.command.end)
            probe_text = item.line.text[item.command.start : item.command.end]
            switch_text = _short(switch.line.text[switch.command.start:switch.command.end])
            never = next((t.host for t in command_targets(item.command, expand) if classify(t.host)), None)
            yield Finding(
                self.rule_id,
                f"`{_short(probe_text)}` in job `{job.name}` probes the Kubernetes API before the agent context is used",
                where, Severity.MAJOR,
                why=(f"when the probe fails the job ends in `before_script`, and the GitLab agent route "
                     f"(`{switch_text}`, in `{switch.line.section}`), which works, is never tried"),
                remedy=(f"remove the probe: `{never}` never resolves on a runner" if never
                        else "move the probe after the context switch, or make it non-fatal"),
                fix=self._fix(ctx, job, item, positions, expand),
                related=(Related(switch_where, "the agent context is selected here"),),
                route=("probe", job.name, _short(probe_text)),
            )

    @classmethod
    def _fix(cls, ctx: CheckContext, job: Job, item: ScriptCommand, positions: Positions, expand) -> Fix | None:  # type: ignore[no-untyped-def]
        never = next((t.host for t in command_targets(item.command, expand) if classify(t.host)), None)
        if never is not None:
            return cls._remove(ctx, job, item, never)
        return cls._tolerate(item, positions)

    @staticmethod
    def _remove(ctx: CheckContext, job: Job, item: ScriptCommand, host: str) -> Fix | None:
        """A probe of a name that never resolves on a runner checks nothing: removed, never tolerated
        (`|| true` would keep a lookup that always fails, and hide it from DNS001)."""
        if len(analyse(item.line.text).commands) != 1:
            return None  # the line does more than probe: the author's to split
        seq = job.node.get(item.line.section)
        source = ctx.source_of(item.line.node)
        edit = remove_seq_item(source, seq, item.line.node) if seq is not None and source is not None else None
        return Fix(f"Remove the probe of `{host}`, which never resolves on a runner", (edit,),
                   Applicability.UNSAFE) if edit else None

    @staticmethod
    def _tolerate(item: ScriptCommand, positions: Positions) -> Fix | None:
        if not analyse(item.line.text).parsed:
            return None  # an unbalanced quote would take ` || true` into a string (found by tests/fuzz)
        offsets = positions.offsets(item.line.node)
        end = item.command.end
        if not offsets or end > len(offsets) or end == 0:
            return None
        at = offsets[end - 1] + 1
        return Fix("Make the probe non-fatal (`|| true`)",
                   (insert_text(item.line.node.path, at, " || true"),), Applicability.UNSAFE)


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 60 else flat[:57] + "..."
