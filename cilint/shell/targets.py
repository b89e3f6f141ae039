"""Network targets in shell command lines and in variable values.

A line is split into simple commands at `;`, `&&`, `||`, `|` and newlines with the standard library's
POSIX word splitter. Comments and the text of `echo`/`printf` messages are not targets. Hosts come
from URLs (`scheme://host[:port]`), `host:port` words, `/dev/tcp/host/port`, `--server`/`-h`/`--host`
options, and the argument words of tools that take a bare host (ping, nslookup, dig, host, nc, ...).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass

_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^/@\s]*@)?(\[[0-9a-fA-F:.]+\]|[^/:\s?#\"']+)")
_HOST_PORT = re.compile(r"^([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):[0-9]{1,5}(?:/.*)?$")
_DEV_TCP = re.compile(r"/dev/(?:tcp|udp)/([^/\s]+)/")
_HOSTNAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$")
_OPERATORS = {";", "&&", "||", "|", "&", "(", ")", "\n", ";;"}
_WRAPPERS = {"sudo", "env", "time", "exec", "nohup", "timeout", "command", "xargs"}
_MESSAGE_COMMANDS = {"echo", "printf", ":", "true", "false", "export", "cat"}
_BARE_HOST_TOOLS = {
    "ping", "ping6", "nslookup", "dig", "host", "getent", "nc", "ncat", "netcat", "telnet",
    "traceroute", "tracepath", "ssh", "scp", "mtr",
}
_HOST_OPTIONS = {"-h", "--host", "--server", "-s", "--hostname", "--address"}


_KEYWORDS_CONDITION = {"if", "elif", "while", "until"}
_KEYWORDS_BODY = {"then", "do", "else", "{", "}", "fi", "done", "esac", "!"}


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    words: tuple[str, ...]  # arguments after the command name
    redirects: tuple[str, ...] = ()  # words before the name that are not assignments (`3<>/dev/tcp/..`)
    guarded: bool = False  # its failure is handled: an `if`/`while` condition, or followed by `||`


def commands(text: str) -> Iterator[Command]:
    """Simple commands of a shell script (best effort, line by line; `\\` continuations joined).

    This is a small POSIX word splitter, not a shell parser: `case` patterns, here-documents and
    the inside of `$( )` are not analysed.
    """
    in_condition = False
    for line in text.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        pending: list[tuple[list[str], bool]] = []
        try:
            for token in lexer:
                if token in _OPERATORS or set(token) <= set(";&|()"):
                    pending.append((words, in_condition or token == "||"))
                    words = []
                    continue
                if not words and token in _KEYWORDS_CONDITION:
                    in_condition = True
                    continue
                if not words and token in _KEYWORDS_BODY:
                    if token in ("then", "do"):
                        in_condition = False
                    continue
                words.append(token)
        except ValueError:
            pass  # unbalanced quotes: keep what was read
        pending.append((words, in_condition))
        for index, (group, guarded) in enumerate(pending):
            yield from _command(group, guarded)


def _command(words: list[str], guarded: bool) -> Iterator[Command]:
    index = 0
    skipped: list[str] = []
    while index < len(words) and (
        re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[index]) or re.match(r"^[0-9]*[<>]", words[index])
    ):
        skipped.append(words[index])
        index += 1
    while index < len(words) and words[index] in _WRAPPERS:
        index += 1
        while index < len(words) and (
            words[index].startswith("-") or words[index].isdigit() or re.match(r"^[0-9]*[<>]", words[index])
        ):
            skipped.append(words[index])
            index += 1
    if index < len(words):
        yield Command(words[index].rsplit("/", 1)[-1], tuple(words[index + 1 :]), tuple(skipped), guarded)
    elif skipped:
        yield Command("", (), tuple(skipped), guarded)


def command_hosts(command: Command) -> Iterator[str]:
    for word in (*command.redirects, *command.words):  # a /dev/tcp redirect connects, even for echo
        yield from (m.group(1).lower() for m in _DEV_TCP.finditer(word))
    if command.name in _MESSAGE_COMMANDS:
        return
    words = command.words
    for position, word in enumerate(words):
        yield from text_hosts(word)
        if word in _HOST_OPTIONS and position + 1 < len(words):
            yield from _bare(words[position + 1])
        elif "=" in word and word.split("=", 1)[0] in _HOST_OPTIONS:
            yield from _bare(word.split("=", 1)[1])
        elif command.name in _BARE_HOST_TOOLS and not word.startswith("-"):
            yield from _bare(word.split("@")[-1])


def text_hosts(text: str) -> Iterator[str]:
    """Hosts named by URLs and `host:port` inside a piece of text."""
    for match in _URL.finditer(text):
        yield match.group(1).strip("[]").lower()
    match = _HOST_PORT.match(text)
    if match and "://" not in text:
        yield match.group(1).lower()


def value_hosts(value: str) -> Iterator[str]:
    """Hosts in a variable value: URLs, `host:port`, or the whole value when it is a hostname."""
    found = False
    for host in text_hosts(value.strip()):
        found = True
        yield host
    if not found:
        yield from _bare(value.strip())


def _bare(word: str) -> Iterator[str]:
    if _HOSTNAME.match(word) and "." in word:
        yield word.rstrip(".").lower()
    else:
        yield from text_hosts(word)


def script_hosts(text: str) -> Iterator[str]:
    """Hosts that commands of `text` connect to, leaving out commands whose failure is handled."""
    for command in commands(text):
        if not command.guarded:
            yield from command_hosts(command)
