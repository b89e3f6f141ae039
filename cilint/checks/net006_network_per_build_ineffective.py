"""NET006 network-per-build-ineffective: FF_NETWORK_PER_BUILD, `network_mtu` or `enable_ipv6` silently has no effect."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from cilint.checks.base import Check, CheckContext
from cilint.edits.entries import add_toml_key, insert_after_table_keys, remove_key_line
from cilint.edits.runner import runner_config_file
from cilint.facts.runners import DOCKER_EXECUTORS, MAX_MTU, MIN_MTU, truthy, valid_mtu
from cilint.data import load
from cilint.findings import Applicability, Confidence, Finding, Fix, Related, Severity
from cilint.source import SourceFile
from cilint.syntax.nodes import location, scalar_text

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner, RunnerConfig


FLAG = "FF_NETWORK_PER_BUILD"


def _editable(ctx: CheckContext, config: RunnerConfig) -> SourceFile | None:
    """The file to splice into: config.toml, or a Helm values file whose TOML is a literal block."""
    return runner_config_file(ctx.source(config.path), config)


def _is_docker(runner: Runner) -> bool:
    return (runner.executor or "") in DOCKER_EXECUTORS or (runner.executor is None and runner.docker.node is not None)


class NetworkPerBuildIneffective(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for config in ctx.project.runner_configs:
            for runner in config.runners:
                if _is_docker(runner):
                    yield from self._runner(ctx, config, runner)
        yield from self._job_flags(ctx)

    def _runner(self, ctx: CheckContext, config: RunnerConfig, runner: Runner) -> Iterator[Finding]:
        mode = runner.docker.setting("network_mode")
        flag = runner.feature_flag(FLAG)
        mode_set = mode is not None and bool(scalar_text(mode.node)) and not mode.is_template
        if mode_set and flag:
            assert mode is not None
            source = _editable(ctx, config)
            edit = remove_key_line(source, mode.key_node, mode.node) if source else None
            yield Finding(
                self.rule_id,
                f"runner `{runner.name}`'s `network_mode = \"{mode.value}\"` cancels its `{FLAG}`",
                location(mode.node), Severity.MAJOR,
                why=("the runner creates a network per job only when `network_mode` is empty (even `\"bridge\"` "
                     "disables it), so services still cannot resolve each other"),
                remedy="remove `network_mode`",
                fix=Fix("Remove network_mode", (edit,), Applicability.UNSAFE) if edit else None,
                route=("flag-with-network-mode", runner.name),
            )
        if not mode_set and runner.docker.setting("network_mtu") is None:
            finding = self._cloud_mtu(ctx, config, runner)
            if finding is not None:
                yield finding
        for key in ("network_mtu", "enable_ipv6"):
            setting = runner.docker.setting(key)
            if setting is None or setting.is_template or setting.value in (0, False, None):
                continue
            if key == "network_mtu" and not valid_mtu(setting.value):
                who = "its jobs" if flag else f"jobs that set `{FLAG}` themselves"
                yield Finding(  # nothing is proposed on top of a value no network can have
                    self.rule_id,
                    f"runner `{runner.name}` sets `network_mtu = {scalar_text(setting.node)}`, which no network can use",
                    location(setting.node), Severity.MAJOR if flag else Severity.MINOR, route=("invalid-mtu", runner.name),
                    why=(f"an MTU is {MIN_MTU} to {MAX_MTU} bytes: for {who} Docker cannot create the per-job network "
                         "and the job fails before its script"),
                    remedy="write the MTU of the host's network (1500, or less on overlays and VPNs)",
                )
                continue
            if mode_set:
                assert mode is not None
                yield Finding(
                    self.rule_id,
                    f"runner `{runner.name}`'s `{key}` has no effect: `network_mode = \"{mode.value}\"` turns per-job networks off",
                    location(setting.node), Severity.MAJOR, route=(key, runner.name),
                    why=f"`{key}` applies only to the per-job network, which a non-empty `network_mode` disables",
                    remedy=f"remove `network_mode` to get per-job networks, or remove `{key}`",
                )
            elif not flag:
                explicit_off = flag is False
                severity = Severity.MAJOR if explicit_off else Severity.MINOR
                caveat = "" if explicit_off else " (only jobs that set the flag themselves get it)"
                yield Finding(
                    self.rule_id,
                    f"runner `{runner.name}`'s `{key}` has no effect without `{FLAG}`",
                    location(setting.node), severity, fix=self._flag_fix(ctx, config, runner),
                    why=f"`{key}` applies only to the per-job network the flag creates, and the runner does not turn it on{caveat}",
                    remedy=f"set `{FLAG} = true` in `[runners.feature_flags]`",
                    route=(key, runner.name),
                )

    def _cloud_mtu(self, ctx: CheckContext, config: RunnerConfig, runner: Runner) -> Finding | None:
        """Per-job networks on autoscaled VMs of a cloud whose network MTU is below 1500: the network
        the runner creates has MTU 1500 whatever the VM's, unless `network_mtu` says otherwise."""
        if runner.executor == "docker+machine":
            driver = runner.table.table("machine").setting("MachineDriver")
        elif runner.executor == "docker-autoscaler":
            driver = runner.table.table("autoscaler").setting("plugin")
        else:
            return None
        written = (scalar_text(driver.node) or "").lower() if driver is not None and not driver.is_template else ""
        cloud = next((c for c in load("cloud_networks.toml")["cloud"] if c["match"] in written), None)
        if driver is None or cloud is None:
            return None
        if not runner.feature_flag(FLAG) and not self._a_job_sets_the_flag(ctx, runner):
            return None
        anchor = runner.docker.node or runner.table.node
        if anchor is None:
            return None
        source = _editable(ctx, config)
        edit = add_toml_key(source, runner.docker.node, "network_mtu", cloud["mtu"]) \
            if source is not None and runner.docker.node is not None else None
        return Finding(
            self.rule_id,
            f"runner `{runner.name}` creates per-job networks with MTU 1500 on {cloud['name']} VMs",
            location(anchor), Severity.MAJOR,
            fix=Fix(f"Set network_mtu = {cloud['mtu']}", (edit,), Applicability.UNSAFE) if edit else None,
            related=(Related(location(driver.node), f"the VMs come from {cloud['name']}"),),
            route=("cloud-mtu", runner.name),
            confidence=Confidence.MEDIUM,  # the cloud's default; a network with jumbo frames would not need it
            why=(f"{cloud['note']}, but a network the runner creates for `{FLAG}` gets 1500 whatever the VM's, so "
                 "large packets are dropped: TLS handshakes, `git clone` and downloads hang or time out"),
            remedy=(f"set `network_mtu = {cloud['mtu']}` (the MTU of the VMs' network) in `[runners.docker]`"),
        )

    @staticmethod
    def _a_job_sets_the_flag(ctx: CheckContext, runner: Runner) -> bool:
        return any(truthy(v.value) for job in ctx.jobs() if (v := job.variables.get(FLAG)) is not None
                   and any(c.runner is runner for c in ctx.facts.confirmed_runners(job)))

    @staticmethod
    def _flag_fix(ctx: CheckContext, config: RunnerConfig, runner: Runner) -> Fix | None:
        source = _editable(ctx, config)
        if source is None or runner.table.node is None:
            return None
        flags = runner.table.table("feature_flags")
        if flags.node is not None:
            if FLAG in flags.node.entries:
                return None  # written false: turning it on is the owner's decision
            edit = add_toml_key(source, flags.node, FLAG, True)
        else:
            edit = insert_after_table_keys(source, runner.table.node, ["[runners.feature_flags]", f"  {FLAG} = true"])
        return Fix(f"Turn on {FLAG} for the runner", (edit,), Applicability.UNSAFE) if edit else None

    def _job_flags(self, ctx: CheckContext) -> Iterator[Finding]:
        seen: set[tuple[int, str]] = set()
        for job in ctx.jobs():
            variable = job.variables.get(FLAG)
            if variable is None or not truthy(variable.value):
                continue
            for choice in ctx.facts.confirmed_runners(job):
                mode = choice.runner.docker.setting("network_mode")
                if mode is None or not scalar_text(mode.node) or (id(variable.node), choice.runner.name) in seen:
                    continue
                seen.add((id(variable.node), choice.runner.name))
                yield Finding(
                    self.rule_id,
                    f"job `{job.name}`'s `{FLAG}` has no effect: runner `{choice.runner.name}` sets `network_mode`",
                    location(variable.node), Severity.MAJOR,
                    why=(f"`network_mode = \"{mode.value}\"` turns per-job networks off, so services still cannot "
                         "resolve each other"),
                    remedy=f"remove `network_mode` from runner `{choice.runner.name}`'s `[runners.docker]`",
                    related=(Related(location(mode.node), f"`network_mode` of runner `{choice.runner.name}`"),),
                    route=("job-flag-with-network-mode", job.name, choice.runner.name),
                )
