"""Network targets: the hosts a shell command connects to, and the hosts a variable value names."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from cilint.shell.bash import SHELLS, Command, Word

_URL = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*)://(?:[^/@\s]*@)?(\[[0-9a-fA-F:.]+\]|[^/:\s?#\"']+)")
_HOST_PORT = re.compile(r"^([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):[0-9]{1,5}(?:/.*)?$")
_DEV_TCP = re.compile(r"/dev/(?:tcp|udp)/([^/\s]+)/")
_HOSTNAME = re.compile(
    r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9])?)*\.?$"
)
_SCP_LIKE = re.compile(r"^(?:[A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+\.[A-Za-z]{2,}|localhost):")

# Commands whose words are text for people, not targets.
MESSAGE_COMMANDS = frozenset({"echo", "printf", ":", "true", "false", "cat", "grep", "sed", "awk", "jq", "yq"})
# Options that take a value which is not a target, per tool family.
_CURL_VALUE_OPTIONS = frozenset({
    "-o", "--output", "-H", "--header", "-d", "--data", "--data-raw", "--data-binary", "--data-urlencode",
    "-u", "--user", "-X", "--request", "-w", "--write-out", "-A", "--user-agent", "-e", "--referer",
    "-T", "--upload-file", "-F", "--form", "-m", "--max-time", "--connect-timeout", "--retry",
    "--retry-delay", "--retry-max-time", "--cacert", "--capath", "--cert", "--key", "-E", "-b",
    "--cookie", "-c", "--cookie-jar", "-r", "--range", "-K", "--config", "-C", "--limit-rate",
    "--resolve", "--connect-to", "-U", "--proxy-user", "--output-dir", "-O", "--header-file",
    "--ca-native", "-Y", "-y", "-z", "-t", "--telnet-option",
})
_WGET_VALUE_OPTIONS = frozenset({
    "-O", "--output-document", "-o", "--output-file", "-P", "--directory-prefix", "--header", "-U",
    "--user-agent", "-T", "--timeout", "-t", "--tries", "--user", "--password", "--post-data",
    "--ca-certificate", "-e", "--execute", "-w", "--wait",
})
_NC_VALUE_OPTIONS = frozenset({"-w", "-p", "-s", "-i", "-X", "-q", "-W", "-I", "-O", "-T", "-V"})
_PROBE_TOOLS = frozenset({"ping", "ping6", "nslookup", "host", "traceroute", "tracepath", "mtr", "arping"})
_DB_TOOLS = frozenset({
    "psql", "pg_isready", "pg_dump", "pg_restore", "mysql", "mysqladmin", "mysqldump", "mariadb",
    "redis-cli", "mongosh", "mongo", "mongodump", "clickhouse-client", "cqlsh", "rabbitmqctl",
})
_HOST_OPTIONS = frozenset({"-h", "--host", "--hostname"})
_SERVER_OPTIONS = frozenset({"--server", "-s", "--kube-apiserver", "-H", "--host"})


@dataclass(frozen=True, slots=True, eq=False)
class Target:
    """A host a command connects to."""

    host: str  # lower-case, brackets of IPv6 literals removed
    word: Word  # where it is written in the script (or the redirect target)
    tool: str  # the command that connects


def hosts_in_text(text: str) -> Iterator[str]:
    """Hosts named by URLs and `host:port` in a piece of text."""
    # substring tests first: most words of a script are neither (a regex call costs more)
    if "://" in text:
        for match in _URL.finditer(text):
            yield match.group(2).strip("[]").lower()
    elif ":" in text:
        match = _HOST_PORT.match(text)
        if match:
            yield match.group(1).lower()


def value_hosts(value: str) -> Iterator[str]:
    """Hosts in a variable value: URLs, `host:port`, or the whole value when it is a hostname."""
    stripped = value.strip()
    found = False
    for host in hosts_in_text(stripped):
        found = True
        yield host
    if not found and _HOSTNAME.match(stripped) and "." in stripped:
        yield stripped.rstrip(".").lower()


def _bare(text: str) -> Iterator[str]:
    if _HOSTNAME.match(text) and not text.replace(".", "").isdigit() or _is_ip(text):
        yield text.rstrip(".").lower()
    else:
        yield from hosts_in_text(text)


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def command_targets(command: Command, expand: Callable[[str], str | None] | None = None) -> Iterator[Target]:
    """Hosts `command` connects to. `expand` resolves `$VAR` words (None when it cannot)."""

    def text_of(word: Word) -> str | None:
        if word.literal or expand is None:
            return word.text if word.literal else None
        return expand(word.text)

    for redirect in command.redirects:
        text = text_of(redirect.target) or ""
        for match in _DEV_TCP.finditer(text) if "/dev/" in text else ():
            yield Target(match.group(1).lower(), redirect.target, command.name or "redirect")
    name = command.name
    if not name or name in MESSAGE_COMMANDS or name in SHELLS:
        return  # a `sh -c '...'` script is analysed as commands of its own
    args = command.args
    skip_next = False
    positional = 0
    for index, word in enumerate(args):
        text = text_of(word)
        if skip_next:
            skip_next = False
            if text is not None and args[index - 1].text in ("-x", "--proxy"):  # curl's proxy
                yield from (Target(h, word, name) for h in _bare(text))
            elif text is not None and name in _DB_TOOLS | {"kubectl", "helm", "docker"} and args[index - 1].text in _HOST_OPTIONS | _SERVER_OPTIONS:
                yield from (Target(h, word, name) for h in _bare(text))
            continue
        if text is None:
            continue
        for match in _DEV_TCP.finditer(text) if "/dev/" in text else ():
            yield Target(match.group(1).lower(), word, name)
        if text.startswith("-"):
            option, _, value = text.partition("=")
            if value and (option in _HOST_OPTIONS | _SERVER_OPTIONS | {"--proxy", "-x", "--url"}):
                yield from (Target(h, word, name) for h in _bare(value))
                continue
            if not value and _takes_value(name, option):
                skip_next = True
            continue
        positional += 1
        found = list(hosts_in_text(text))
        if found:
            yield from (Target(h, word, name) for h in found)
            continue
        yield from (Target(h, word, name) for h in _positional_hosts(name, text, positional, args))


def _takes_value(tool: str, option: str) -> bool:
    if tool == "curl":
        return option in _CURL_VALUE_OPTIONS or option in ("-x", "--proxy")
    if tool == "wget":
        return option in _WGET_VALUE_OPTIONS
    if tool in ("nc", "ncat", "netcat"):
        return option in _NC_VALUE_OPTIONS
    if tool in _DB_TOOLS:
        return option in _HOST_OPTIONS | {"-p", "--port", "-U", "--username", "-u", "--user", "-d", "--dbname", "-a", "-n", "-c", "-f", "-P"}
    if tool in ("kubectl", "helm"):
        return option in _SERVER_OPTIONS | {"-n", "--namespace", "-f", "--filename", "-o", "--output", "-l", "--context", "--cluster", "--user", "--token", "-c", "--container", "--kubeconfig", "--values", "--set", "--version", "--timeout"}
    if tool == "docker":
        return option in ("-H", "--host", "-u", "--username", "-p", "--password", "-f", "--file", "-t", "--tag", "--build-arg", "--network", "-e", "--env", "-v", "--volume", "--name", "--platform", "--dns", "--add-host", "-w", "--workdir", "--entrypoint", "--label", "--cache-from", "--target")
    if tool == "ssh":
        return option in ("-p", "-i", "-o", "-l", "-F", "-J", "-L", "-R", "-D")
    if tool in ("dig",):
        return option in ("-p", "-t", "-c", "-f", "-k", "-b", "-q", "-x")
    return False


def _positional_hosts(tool: str, text: str, position: int, args: tuple[Word, ...]) -> Iterator[str]:
    if tool in ("curl", "wget"):
        yield from _bare(text.split("/", 1)[0].rsplit(":", 1)[0] if not text.startswith("[") else text)
    elif tool in _PROBE_TOOLS:
        yield from _bare(text)
    elif tool in ("nc", "ncat", "netcat", "telnet") and position == 1:
        yield from _bare(text)
    elif tool == "dig":
        yield from _bare(text[1:] if text.startswith("@") else text) if "." in text or text.startswith("@") else ()
    elif tool == "getent" and position == 2:
        yield from _bare(text)
    elif tool in ("ssh", "scp", "rsync", "git"):
        match = _SCP_LIKE.match(text)
        if match:
            yield match.group(1).lower()
        elif tool == "ssh" and position == 1:
            yield from _bare(text.split("@")[-1])
    elif tool == "docker" and args and args[0].text == "login" and position == 2:
        yield from _bare(text)
    elif tool in ("docker", "podman", "buildah", "skopeo") and args and args[0].text in ("pull", "push") and position == 2:
        registry = text.split("/", 1)[0] if "/" in text else ""
        if registry and ("." in registry or ":" in registry or registry == "localhost"):
            yield registry.split(":")[0].lower()
