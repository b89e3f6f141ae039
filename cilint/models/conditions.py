"""`rules:` conditions (`if:` expressions, `exists:`, `changes:`) and the pipelines they can give.

docs: ci/jobs/job_rules#cicd-variable-expressions. An expression compares variables with strings,
`null`, other variables or regular expressions (`==`, `!=`, `=~`, `!~`), alone (`$VAR`: set and not
empty), joined with `&&` (binds tighter) and `||`, in parentheses. A rules list is decided by its
first rule whose clauses all hold; `when: never` there, or no rule holding, excludes.

Offline, a predefined variable such as `$CI_COMMIT_BRANCH` is unknown. Each unknown variable an
expression reads is given a small domain: each string it is compared with, a value matching each
regular expression and nothing else (a compared string is taken to match no regular expression),
another value, and unset. Enumerating the assignments of the
domains gives every outcome a set of rules lists can have; `changes:` and expressions cilint cannot
read are free booleans. An assignment where `$CI_COMMIT_BRANCH` is "main" and another where it is
"dev" give two pipelines, never one that has both branches' files.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import NamedTuple

# An assignment maps a decision name to one of its values: a string, UNSET, OTHER, a Witness, or
# for a free boolean True/False. The expression types are NamedTuples, not dataclasses: the module
# loads for every configuration with rules, and eight dataclasses cost ~27M instructions to create
# (each generates and compiles its methods) against ~3M. Types are told apart with isinstance.
UNSET = "\0unset"
OTHER = "\0other"
MAX_ASSIGNMENTS = 4096


class Witness(NamedTuple):
    """A value matching the regular expression `pattern` and no string the variable is compared with."""

    pattern: str


class Var(NamedTuple):
    name: str


class Literal(NamedTuple):
    value: str | None  # None: `null`


class Regex(NamedTuple):
    pattern: str
    flags: str


class Compare(NamedTuple):
    left: Var | Literal
    op: str  # "==", "!=", "=~", "!~"
    right: Var | Literal | Regex


class Present(NamedTuple):
    var: Var


class Logic(NamedTuple):
    op: str  # "&&" or "||"
    left: Expr
    right: Expr


class Opaque(NamedTuple):
    """A condition cilint cannot decide offline (`changes:`, an expression it cannot read): a free
    boolean named by its text."""

    text: str


Expr = Compare | Present | Logic | Opaque

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<var>\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)
    | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<regex>/(?:[^/\\]|\\.)*/[a-z]*)
    | (?P<op>==|!=|=~|!~|&&|\|\||\(|\))
    | (?P<null>null\b)
    )""",
    re.VERBOSE,
)


def parse_if(text: str) -> Expr:
    """The expression of an `if:`; Opaque when it does not read as GitLab's grammar."""
    tokens: list[tuple[str, str]] = []
    position = 0
    stripped = text.strip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None or match.end() == position:
            return Opaque(stripped)
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    parser = _Parser(tokens)
    try:
        expr = parser.disjunction()
    except ValueError:
        return Opaque(stripped)
    return expr if parser.at_end() else Opaque(stripped)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.index = 0

    def at_end(self) -> bool:
        return self.index == len(self.tokens)

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.index] if self.index < len(self.tokens) else ("", "")

    def take(self) -> tuple[str, str]:
        if self.at_end():
            raise ValueError("unexpected end")
        token = self.tokens[self.index]
        self.index += 1
        return token

    def disjunction(self) -> Expr:
        left = self.conjunction()
        while self.peek() == ("op", "||"):
            self.take()
            left = Logic("||", left, self.conjunction())
        return left

    def conjunction(self) -> Expr:
        left = self.primary()
        while self.peek() == ("op", "&&"):
            self.take()
            left = Logic("&&", left, self.primary())
        return left

    def primary(self) -> Expr:
        kind, text = self.take()
        if (kind, text) == ("op", "("):
            inner = self.disjunction()
            if self.take() != ("op", ")"):
                raise ValueError("unbalanced")
            return inner
        left = self.operand(kind, text)
        if isinstance(left, Regex):
            raise ValueError("a regex on the left")
        if self.peek()[0] == "op" and self.peek()[1] in ("==", "!=", "=~", "!~"):
            op = self.take()[1]
            right = self.operand(*self.take())
            if isinstance(left, Literal) and isinstance(right, Var):
                left, right = right, left
            return Compare(left, op, right)
        if isinstance(left, Var):
            return Present(left)
        raise ValueError("a literal alone")

    @staticmethod
    def operand(kind: str, text: str) -> Var | Literal | Regex:
        if kind == "var":
            return Var(text.strip("${}"))
        if kind == "str":
            return Literal(text[1:-1].replace("\\" + text[0], text[0]))
        if kind == "null":
            return Literal(None)
        if kind == "regex":
            end = text.rindex("/")
            return Regex(text[1:end], text[end + 1:])
        raise ValueError(f"unexpected {text}")


def variables_of(expr: Expr) -> Iterator[str]:
    if isinstance(expr, Present):
        yield expr.var.name
    elif isinstance(expr, Compare):
        for side in (expr.left, expr.right):
            if isinstance(side, Var):
                yield side.name
    elif isinstance(expr, Logic):
        yield from variables_of(expr.left)
        yield from variables_of(expr.right)


def opaques_of(expr: Expr, known: Mapping[str, str]) -> Iterator[str]:
    """The free booleans of an expression: what cannot be read, and a comparison of two unknown
    variables (`$CI_COMMIT_REF_NAME == $CI_DEFAULT_BRANCH` can hold or not)."""
    if isinstance(expr, Opaque):
        yield expr.text
    elif isinstance(expr, Compare) and _between_unknowns(expr, known):
        yield _pair(expr)
    elif isinstance(expr, Logic):
        yield from opaques_of(expr.left, known)
        yield from opaques_of(expr.right, known)


def _between_unknowns(expr: Compare, known: Mapping[str, str]) -> bool:
    return (isinstance(expr.left, Var) and isinstance(expr.right, Var)
            and expr.left.name not in known and expr.right.name not in known)


def _pair(expr: Compare) -> str:
    assert isinstance(expr.left, Var) and isinstance(expr.right, Var)
    return f"${expr.left.name} == ${expr.right.name}"


def evaluate(expr: Expr, assignment: Mapping[str, object], known: Mapping[str, str]) -> bool:
    if isinstance(expr, Opaque):
        return bool(assignment.get("?" + expr.text, True))
    if isinstance(expr, Logic):
        if expr.op == "&&":
            return evaluate(expr.left, assignment, known) and evaluate(expr.right, assignment, known)
        return evaluate(expr.left, assignment, known) or evaluate(expr.right, assignment, known)
    if isinstance(expr, Present):
        value = _value(expr.var, assignment, known)
        return value not in (UNSET, "")
    if _between_unknowns(expr, known):
        equal = bool(assignment.get("?" + _pair(expr), True))
        return equal if expr.op in ("==", "=~") else not equal
    left = _value(expr.left, assignment, known)
    if isinstance(expr.right, Regex):
        matched = _matches(left, expr.right)
        return matched if expr.op in ("=~", "==") else not matched
    right = _value(expr.right, assignment, known)
    equal = left == right and left != OTHER
    return equal if expr.op in ("==", "=~") else not equal


def _value(side: Var | Literal, assignment: Mapping[str, object], known: Mapping[str, str]) -> object:
    if isinstance(side, Literal):
        return UNSET if side.value is None else side.value
    if side.name in known:
        return known[side.name]
    return assignment.get(side.name, OTHER)


def _matches(value: object, regex: Regex) -> bool:
    """Only a regex's own witness matches it. A string the variable is compared with is not run
    through the pattern: Python's `re` backtracks (GitLab's RE2 does not), and a pattern such as
    `/(a+)+$/` against a crafted string would not finish; the cost is a variant missed where that
    string would also match."""
    return isinstance(value, Witness) and value.pattern == regex.pattern


def domains_of(names: Sequence[str], exprs: Sequence[Expr]) -> dict[str, tuple[object, ...]]:
    """The values worth trying for each unknown variable of `names`: the strings it is compared with,
    a value for each regular expression, another value, unset."""
    values: dict[str, dict[object, None]] = {name: {} for name in names}
    for expr in exprs:
        for compare in _compares(expr):
            found = values.get(compare.left.name) if isinstance(compare.left, Var) else None
            if found is None:
                continue
            if isinstance(compare.right, Literal) and compare.right.value is not None:
                found[compare.right.value] = None
            elif isinstance(compare.right, Regex):
                found[Witness(compare.right.pattern)] = None
    return {name: (*found, OTHER, UNSET) for name, found in values.items()}


def _compares(expr: Expr) -> Iterator[Compare]:
    if isinstance(expr, Compare):
        yield expr
    elif isinstance(expr, Logic):
        yield from _compares(expr.left)
        yield from _compares(expr.right)


def assignments(exprs: Sequence[Expr], known: Mapping[str, str]) -> list[dict[str, object]] | None:
    """Every assignment of the unknown variables and free booleans the expressions read; None when
    there would be more than MAX_ASSIGNMENTS."""
    names = sorted({n for e in exprs for n in variables_of(e) if n not in known})
    opaque = sorted({o for e in exprs for o in opaques_of(e, known)})
    domains: list[tuple[str, tuple[object, ...]]] = list(domains_of(names, exprs).items())
    domains += [("?" + o, (True, False)) for o in opaque]
    size = 1
    for _, values in domains:
        size *= len(values)
        if size > MAX_ASSIGNMENTS:
            return None
    return [dict(zip((n for n, _ in domains), combo)) for combo in itertools.product(*(v for _, v in domains))]


def describe(assignment_set: Sequence[Mapping[str, object]], every: Sequence[Mapping[str, object]]) -> str | None:
    """A condition that holds exactly for `assignment_set` among `every`, when it is a product of one
    choice per variable (the usual case); None otherwise."""
    names = sorted({n for a in every for n in a})
    parts: list[str] = []
    size = 1
    for name in names:
        chosen = {a[name] for a in assignment_set}
        full = {a[name] for a in every}
        size *= len(chosen)
        if chosen != full:
            parts.append(_describe_values(name, chosen, full))
    if size != len(assignment_set):
        return None
    return " and ".join(parts) if parts else None


def _describe_values(name: str, chosen: set[object], full: set[object]) -> str:
    if name.startswith("?"):
        text = name[1:]
        if text.startswith("$") and " == $" in text:
            return text if chosen == {True} else text.replace(" == ", " != ")
        return f"`{text}` holds" if chosen == {True} else f"`{text}` does not hold"
    shown = f"${name}"
    if len(chosen) == 1:
        return _one(shown, next(iter(chosen)))
    missing = full - chosen
    if len(missing) == 1:
        return _one(shown, next(iter(missing)), negate=True)
    return " or ".join(_one(shown, v) for v in sorted(chosen, key=str))


def _one(shown: str, value: object, negate: bool = False) -> str:
    if value == UNSET:
        return f"{shown} is set" if negate else f"{shown} is unset"
    if value == OTHER:
        return f"{shown} is unset or one of the values compared" if negate else f"{shown} is set to a value not compared"
    if isinstance(value, Witness):
        return f"{shown} !~ /{value.pattern}/" if negate else f"{shown} =~ /{value.pattern}/"
    return f'{shown} != "{value}"' if negate else f'{shown} == "{value}"'
