"""Shell scripts as GitLab Runner runs them, read with the tree-sitter bash grammar.

`analyse(text)` gives every simple command with its words and redirects (offsets into `text`), and
whether its failure ends the job. GitLab Runner runs bash scripts with `set -eo pipefail`: a failing
command ends the job unless it is an `if`/`while`/`until` condition, a non-final member of an `&&`/`||`
list, negated with `!`, inside a command substitution whose value an argument or `export`/`local`
uses, or after `set +e`. `sh -c '...'` / `bash -c '...'` scripts given as a literal are analysed too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cilint.source import ByteOffsets
from cilint.syntax.grammars import parser

_WRAPPERS = {"sudo", "env", "time", "exec", "nohup", "timeout", "command", "xargs", "nice", "stdbuf", "watch"}
SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh"})
_MASKING_DECLARATIONS = {"export", "local", "declare", "typeset", "readonly"}


@dataclass(frozen=True, slots=True, eq=False)
class Word:
    """A shell word after quote removal, with its offsets in the script."""

    text: str  # the shell value: quotes removed, expansions kept as written ($VAR, $(...))
    start: int  # character offsets in the analysed text
    end: int
    literal: bool = True  # no expansion inside


@dataclass(frozen=True, slots=True, eq=False)
class Redirect:
    """A shell redirection: operator and target."""

    operator: str  # ">", ">>", "<", "<>", ...
    target: Word


@dataclass(frozen=True, slots=True, eq=False)
class Command:
    """One simple command of a shell script."""

    name: str  # the program run (wrappers such as sudo/timeout/env skipped), basename
    args: tuple[Word, ...]
    redirects: tuple[Redirect, ...]
    start: int
    end: int
    fatal: bool  # its failure ends the job
    in_substitution: bool = False  # inside $(...) or `...`
    assignments: tuple[str, ...] = ()  # `VAR=value` prefixes


@dataclass(frozen=True, slots=True, eq=False)
class Assignment:
    """A variable the script sets in its own shell (`X=1`, `export X=1`, `declare -x X=1`), so later
    commands of the job see it. Not one in a subshell, a pipeline, `$(...)` or a function, nor a
    `VAR=value` prefix of one command."""

    name: str
    value: Word | None  # None: `export X` (exports what X already holds)
    start: int
    end: int
    exported: bool
    conditional: bool  # inside `if`, a loop, `case`, or after `&&`/`||`: it may not run


@dataclass(frozen=True, slots=True, eq=False)
class Script:
    """The commands of one script line and the `set -e` state after it."""

    commands: tuple[Command, ...]
    errexit_after: bool  # whether `set -e` is still on at the end (it carries to the next line)
    parsed: bool  # False when the grammar found errors (results are best effort)
    assignments: tuple[Assignment, ...] = ()


# A line of plain words - no quotes, expansions, operators, globs, comments or assignments - is one
# simple command whose words are its whitespace-separated parts; most script lines are such
# (`make test`, `docker build -t app .`), and reading them needs no grammar (tests/shell/test_shell_targets.py
# compares both readings on every plain line of the corpus).
_PLAIN_LINE = re.compile(r" *[A-Za-z0-9_./:@%+,-][A-Za-z0-9_./:@%+,=-]*(?: +[A-Za-z0-9_./:@%+,=-]+)* *")
_PLAIN_WORD = re.compile(r"[^ ]+")
_GRAMMAR_WORDS = frozenset({
    "if", "then", "elif", "else", "fi", "for", "in", "while", "until", "do", "done", "case", "esac",
    "select", "function", "time", "coproc", "unset", "unsetenv", *_MASKING_DECLARATIONS,
})


@lru_cache(maxsize=4096)
def analyse(text: str, errexit: bool = True) -> Script:
    if _PLAIN_LINE.fullmatch(text):
        words = [Word(m.group(), m.start(), m.end()) for m in _PLAIN_WORD.finditer(text)]
        if "=" not in words[0].text and words[0].text not in _GRAMMAR_WORDS:
            walker = _Walker(text, b"", errexit)
            walker.simple_command(words[0], words[1:], (), words[0].start, words[-1].end, True, False, ())
            return Script(tuple(walker.commands), walker.errexit, True)
    return analyse_with_grammar(text, errexit)


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def analyse_with_grammar(text: str, errexit: bool = True) -> Script:
    """`analyse` through the tree-sitter grammar, whatever the line looks like."""
    data = text.encode("utf-8")
    # tree-sitter-bash 0.25 crashes (SIGSEGV) on some code points above U+2C7FF after `{` or `${`
    # (found by tests/fuzz); the grammar reads a same-length stand-in, the walker the real text.
    tree = parser("bash").parse(data if text.isascii() else _ASTRAL.sub("\U00010000", text).encode("utf-8"))
    walker = _Walker(text, data, errexit)
    walker.block(tree.root_node, fatal=True, in_substitution=False)
    return Script(tuple(walker.commands), walker.errexit, not tree.root_node.has_error, tuple(walker.assignments))


class _Walker:
    def __init__(self, text: str, data: bytes, errexit: bool) -> None:
        self.text = text
        self.data = data
        self.errexit = errexit
        self.commands: list[Command] = []
        self.assignments: list[Assignment] = []
        self.elsewhere = 0  # inside a subshell or a pipeline: assignments there do not persist
        self.conditional = 0  # inside a condition's branch, a loop, `case`, or a later `&&`/`||` member
        self.char = ByteOffsets(text).char

    def source(self, node: Any) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    def word(self, node: Any) -> Word:
        if node.type == "word":  # a leaf token (three in four arguments): no expansion inside
            start, end = node.start_byte, node.end_byte
            text = self.data[start:end].decode("utf-8", errors="replace")
            return Word(self._unescape(text, None), self.char(start), self.char(end), True)
        literal = not (self._may_expand(node) and _has_expansion(node))
        return Word(self._value(node), self.char(node.start_byte), self.char(node.end_byte), literal)

    # Walking a node's descendants from Python costs more than parsing the line: these byte tests on
    # its text rule the walk out for most words and commands.
    def _may_expand(self, node: Any) -> bool:
        text = self.data[node.start_byte : node.end_byte]
        return b"$" in text or b"`" in text or b"<(" in text or b">(" in text

    def _may_substitute(self, node: Any) -> bool:
        text = self.data[node.start_byte : node.end_byte]
        return b"$(" in text or b"`" in text or b"<(" in text or b">(" in text

    def _value(self, node: Any) -> str:
        kind = node.type
        if kind == "raw_string":
            return self.source(node)[1:-1]
        if kind == "string":
            parts = [self._value(c) if c.type != "string_content" else self._unescape(self.source(c), '"')
                     for c in node.named_children]
            return "".join(parts)
        if kind == "concatenation":
            return "".join(self._value(c) for c in node.children)
        if kind == "word":
            return self._unescape(self.source(node), None)
        if kind == "ansi_c_string":
            return self.source(node)[2:-1]
        return self.source(node)  # expansions, substitutions, numbers: as written

    @staticmethod
    def _unescape(text: str, quote: str | None) -> str:
        if "\\" not in text:
            return text
        out: list[str] = []
        index = 0
        while index < len(text):
            char = text[index]
            if char == "\\" and index + 1 < len(text):
                following = text[index + 1]
                if quote is None or following in '$`"\\\n':
                    if following != "\n":
                        out.append(following)
                    index += 2
                    continue
            out.append(char)
            index += 1
        return "".join(out)

    # -- structure -----------------------------------------------------------------------------

    def block(self, node: Any, fatal: bool, in_substitution: bool) -> None:
        for child in node.named_children:
            self.statement(child, fatal, in_substitution)

    def statement(self, node: Any, fatal: bool, in_substitution: bool) -> None:
        kind = node.type
        if kind in ("comment", "heredoc_body", "function_definition"):
            return
        if kind == "command":
            self.command(node, (), fatal, in_substitution)
        elif kind == "redirected_statement":
            self.redirected(node, fatal, in_substitution)
        elif kind == "list":
            members = [c for c in node.children if c.type not in ("&&", "||", ";", "&")]
            for index, member in enumerate(members):
                self.conditional += index > 0
                self.statement(member, fatal and index == len(members) - 1, in_substitution)
                self.conditional -= index > 0
        elif kind == "negated_command":
            for child in node.named_children:
                self.statement(child, False, in_substitution)
        elif kind in ("if_statement", "elif_clause", "while_statement", "until_statement"):
            self.conditional += 1
            for index, child in enumerate(node.children):
                field = node.field_name_for_child(index)
                if field == "condition":
                    self.statement(child, False, in_substitution)
                elif child.is_named:
                    self.statement(child, fatal, in_substitution)
            self.conditional -= 1
        elif kind == "variable_assignment":
            self.substitutions(node, fatal)
            self._assigned(node, exported=False, in_substitution=in_substitution)
        elif kind == "variable_assignments":
            for child in node.named_children:
                self.statement(child, fatal, in_substitution)
        elif kind == "declaration_command":
            keyword = self.source(node.children[0]) if node.children else ""
            masked = keyword in _MASKING_DECLARATIONS
            self.substitutions(node, fatal and not masked)
            self._declared(node, keyword, in_substitution)
        elif kind in ("command_substitution", "process_substitution"):
            self.block(node, fatal, True)
        else:  # program, pipeline, subshell, compound_statement, do_group, else_clause, case ...
            apart = kind == "subshell" or (kind == "pipeline" and len(node.named_children) > 1)
            branch = kind in ("case_statement", "for_statement", "c_style_for_statement", "else_clause")
            self.elsewhere += apart
            self.conditional += branch
            for child in node.named_children:
                self.statement(child, fatal, in_substitution)
            self.elsewhere -= apart
            self.conditional -= branch

    def redirected(self, node: Any, fatal: bool, in_substitution: bool) -> None:
        body = node.child_by_field_name("body")
        redirects = tuple(r for r in (self.redirect(c) for c in node.children_by_field_name("redirect")) if r)
        if body is not None and body.type == "command":
            self.command(body, redirects, fatal, in_substitution)
        elif body is not None:
            # The grammar hangs a trailing redirect on a whole list (`a && b > f`); bash gives it
            # to the last command, which is where it is attached here.
            before = len(self.commands)
            self.statement(body, fatal, in_substitution)
            last = next((i for i in range(len(self.commands) - 1, before - 1, -1)
                         if not self.commands[i].in_substitution), None)
            if last is not None:
                command = self.commands[last]
                self.commands[last] = Command(command.name, command.args, command.redirects + redirects,
                                              command.start, command.end, command.fatal,
                                              command.in_substitution, command.assignments)
        else:
            self._emit("", (), redirects, node, fatal, in_substitution, ())

    def _declared(self, node: Any, keyword: str, in_substitution: bool) -> None:
        """`export A=1 B`, `declare -x A=1`, `readonly A=1`; `local` belongs to a function (not read)."""
        if keyword == "local":
            return
        flags = [self.source(c) for c in node.named_children if c.type == "word"]
        exported = keyword == "export" or any(f.startswith("-") and "x" in f for f in flags)
        if keyword in ("declare", "typeset") and any(f.startswith("-") and "f" in f for f in flags):
            return  # functions, not variables
        for child in node.named_children:
            if child.type == "variable_assignment":
                self._assigned(child, exported, in_substitution)
            elif child.type == "variable_name" and exported:
                self._record(self.source(child), None, child, True, in_substitution)

    def _assigned(self, node: Any, exported: bool, in_substitution: bool) -> None:
        if in_substitution or self.elsewhere:
            return
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        if name_node is None or name_node.type != "variable_name":
            return  # an array element (`a[1]=x`)
        value = self.word(value_node) if value_node is not None else Word("", self.char(node.end_byte), self.char(node.end_byte))
        self._record(self.source(name_node), value, node, exported, in_substitution)

    def _record(self, name: str, value: Word | None, node: Any, exported: bool, in_substitution: bool) -> None:
        if in_substitution or self.elsewhere:
            return
        self.assignments.append(Assignment(name, value, self.char(node.start_byte), self.char(node.end_byte),
                                           exported, self.conditional > 0))

    def substitutions(self, node: Any, fatal: bool) -> None:
        """Commands inside $(...) of a value; their failure counts when the value is the statement."""
        if not self._may_substitute(node):
            return
        for child in _descendants(node, include_self=True):
            if child.type in ("command_substitution", "process_substitution"):
                self.block(child, fatal, True)

    def redirect(self, node: Any) -> Redirect | None:
        destination = node.child_by_field_name("destination")
        if destination is None:
            named = [c for c in node.named_children if c.type != "file_descriptor"]
            destination = named[-1] if named else None
        if destination is None:
            return None
        operator = next((self.source(c) for c in node.children if not c.is_named), "")
        return Redirect(operator, self.word(destination))

    def command(self, node: Any, redirects: tuple[Redirect, ...], fatal: bool, in_substitution: bool) -> None:
        name_node = node.child_by_field_name("name")
        assignments = tuple(self.source(c) for c in node.children if c.type == "variable_assignment")
        words = [self.word(c) for c in node.children_by_field_name("argument")]
        own_redirects = tuple(r for r in (self.redirect(c) for c in node.children if c.type.endswith("redirect")) if r)
        # Substitutions used as arguments: their status is masked by the command's own.
        for child in node.children if self._may_substitute(node) else ():
            if child.type not in ("command_name", "variable_assignment"):
                for inner in _descendants(child, include_self=True):
                    if inner.type in ("command_substitution", "process_substitution"):
                        self.block(inner, False, True)
        for child in node.children:
            if child.type == "variable_assignment":
                self.substitutions(child, fatal if name_node is None else False)
        if name_node is None:
            self._emit("", (), redirects + own_redirects, node, fatal, in_substitution, assignments)
            for child in node.children:
                if child.type == "variable_assignment":
                    self._assigned(child, False, in_substitution)
            return
        self.simple_command(self.word(name_node), words, redirects + own_redirects, self.char(node.start_byte),
                            self.char(node.end_byte), fatal, in_substitution, assignments)

    def simple_command(self, name_word: Word, words: list[Word], redirects: tuple[Redirect, ...], start: int,
                       end: int, fatal: bool, in_substitution: bool, assignments: tuple[str, ...]) -> None:
        name, args = _unwrap(name_word, words)
        self.commands.append(
            Command(name, tuple(args), redirects, start, end, fatal and self.errexit, in_substitution, assignments)
        )
        if name in SHELLS:
            self._inline_script(args, fatal)
        if name == "set":
            self._set(args)

    def _emit(self, name: str, args: tuple[Word, ...], redirects: tuple[Redirect, ...], node: Any,
              fatal: bool, in_substitution: bool, assignments: tuple[str, ...]) -> None:
        self.commands.append(
            Command(name, args, redirects, self.char(node.start_byte), self.char(node.end_byte),
                    fatal and self.errexit, in_substitution, assignments)
        )

    def _set(self, args: list[Word]) -> None:
        flags = [a.text for a in args]
        for index, flag in enumerate(flags):
            if flag.startswith("-") and "e" in flag[1:] and not flag.startswith("--"):
                self.errexit = True
            elif flag.startswith("+") and "e" in flag[1:]:
                self.errexit = False
            elif flag in ("-o", "+o") and index + 1 < len(flags) and flags[index + 1] == "errexit":
                self.errexit = flag == "-o"

    def _inline_script(self, args: list[Word], fatal: bool) -> None:
        for index, arg in enumerate(args[:-1]):
            if arg.text.startswith("-") and "c" in arg.text and not arg.text.startswith("--"):
                script = args[index + 1]
                if not script.literal:
                    return
                shift = script.start + (1 if self.text[script.start : script.start + 1] in "'\"" else 0)
                inner = analyse(script.text, self.errexit)
                for command in inner.commands:
                    self.commands.append(_shifted(command, shift, fatal))
                return


def _shifted(command: Command, shift: int, fatal: bool) -> Command:
    def move(word: Word) -> Word:
        return Word(word.text, word.start + shift, word.end + shift, word.literal)

    return Command(
        command.name, tuple(move(a) for a in command.args),
        tuple(Redirect(r.operator, move(r.target)) for r in command.redirects),
        command.start + shift, command.end + shift, command.fatal and fatal, command.in_substitution,
        command.assignments,
    )


def _unwrap(name: Word, args: list[Word]) -> tuple[str, list[Word]]:
    """Skip `sudo -E`, `timeout 5`, `env A=b` and similar wrappers to the program they run."""
    program = name.text.rsplit("/", 1)[-1]
    while program in _WRAPPERS and args:
        index = 0
        while index < len(args) and (
            args[index].text.startswith("-") or args[index].text.replace(".", "").isdigit()
            or "=" in args[index].text and program == "env"
            or (program == "timeout" and args[index].text[:-1].isdigit())
        ):
            index += 1
        if index >= len(args):
            return program, []
        program, args = args[index].text.rsplit("/", 1)[-1], args[index + 1 :]
    return program, args


_EXPANSIONS = frozenset({
    "simple_expansion", "expansion", "command_substitution", "process_substitution", "arithmetic_expansion",
})


def _has_expansion(node: Any) -> bool:
    stack = [node]
    while stack:  # depth-first, stopping at the first expansion (most words start with theirs)
        current = stack.pop()
        if current.type in _EXPANSIONS:
            return True
        stack.extend(current.children)
    return False


def _descendants(node: Any, include_self: bool = False) -> list[Any]:
    out = [node] if include_self else []
    stack = list(reversed(node.children))
    while stack:
        current = stack.pop()
        out.append(current)
        if current.type not in ("command_substitution", "process_substitution"):
            stack.extend(reversed(current.children))
    return out
