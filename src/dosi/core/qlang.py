"""The NGSI-LD query language ``q`` (ETSI GS CIM 009 §4.9): parse, bind, evaluate.

Grammar (AND binds tighter than OR)::

    query   = and *("|" and)
    and     = unit *(";" unit)
    unit    = "(" query ")" / term
    term    = ["!"] attr [op value]
    attr    = name *("." name) *("[" path "]")      ; sub-attributes, then compound path
    op      = "==" / "!=" / ">=" / ">" / "<=" / "<" / "~=" / "!~="
    value   = single / single ".." single / single *("," single)

A term matches an entity if ANY instance of the attribute (any datasetId) matches; a
list-valued target matches if any element does. Values of different kinds never match.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Final

import regex

from dosi.core._boolexpr import And, Or
from dosi.core.model import INSTANCE_MEMBERS, VALUE_MEMBER, Entity, TermResolver
from dosi.errors import BadRequestData, InvalidRequest, TooComplexQuery

Predicate = Callable[[Entity], bool]

OPERATORS: Final = ("!~=", "==", "!=", ">=", "<=", "~=", ">", "<")
_NAME = re.compile(r"[^\s.\[\]()!=<>~;|,\"']+")
_NUMBER = re.compile(r"^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
)
_BARE = re.compile(r"^[A-Za-z0-9:/#._\-+%@?&]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
#: Members addressed as ``attr.member`` that are instance metadata, not sub-attributes.
META_MEMBERS: Final = frozenset({"observedAt", "createdAt", "modifiedAt", "unitCode", "datasetId"})
REGEX_TIMEOUT: Final = 0.05
MAX_DEPTH: Final = 32


@dataclass(frozen=True)
class Attr:
    """``name.sub1.sub2[c1.c2]``: attribute, sub-attribute path, compound-value path."""

    name: str
    subs: tuple[str, ...] = ()
    path: tuple[str, ...] = ()


@dataclass(frozen=True)
class Range:
    low: Any
    high: Any


@dataclass(frozen=True)
class Term:
    attr: Attr
    op: str | None = None  # None: existence test
    value: Any = None  # a scalar, a Range or a tuple (value list)
    negated: bool = False  # "!attr": non-existence


def parse_q(text: str, *, max_terms: int = 256) -> Any:
    """Parse ``q`` into an AST; raises ``InvalidRequest`` (syntax) or ``TooComplexQuery``."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidRequest("q must not be empty")
    parser = _Parser(text, max_terms)
    node = parser.query(0)
    if parser.pos != len(text):
        raise InvalidRequest(f"unexpected {text[parser.pos]!r} at position {parser.pos} in q")
    return node


def compile_q(text: str, resolver: TermResolver, *, max_terms: int = 256) -> Predicate:
    """Parse ``q`` and bind attribute names through ``resolver``: a predicate over
    entities in the internal representation (``dosi.core.model``)."""
    return _bind(parse_q(text, max_terms=max_terms), resolver)


class _Parser:
    def __init__(self, text: str, max_terms: int) -> None:
        self.text = text
        self.pos = 0
        self.max_terms = max_terms
        self.terms = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def query(self, depth: int) -> Any:
        parts = [self.conj(depth)]
        while self.peek() == "|":
            self.pos += 1
            parts.append(self.conj(depth))
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conj(self, depth: int) -> Any:
        parts = [self.unit(depth)]
        while self.peek() == ";":
            self.pos += 1
            parts.append(self.unit(depth))
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unit(self, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise TooComplexQuery("q is nested too deeply")
        if self.peek() == "(":
            self.pos += 1
            node = self.query(depth + 1)
            if self.peek() != ")":
                raise InvalidRequest(f"missing ')' at position {self.pos} in q")
            self.pos += 1
            return node
        self.terms += 1
        if self.terms > self.max_terms:
            raise TooComplexQuery(f"q has more than {self.max_terms} terms")
        return self.term()

    def name(self) -> str:
        match = _NAME.match(self.text, self.pos)
        if match is None:
            raise InvalidRequest(f"an attribute name is expected at position {self.pos} in q")
        self.pos = match.end()
        return match.group()

    def term(self) -> Term:
        negated = False
        if self.text.startswith("!", self.pos) and not self.text.startswith("!~=", self.pos):
            negated = True
            self.pos += 1
        name = self.name()
        subs: list[str] = []
        while self.peek() == ".":
            self.pos += 1
            subs.append(self.name())
        path: list[str] = []
        while self.peek() == "[":
            self.pos += 1
            path.append(self.name())
            while self.peek() == ".":
                self.pos += 1
                path.append(self.name())
            if self.peek() != "]":
                raise InvalidRequest(f"missing ']' at position {self.pos} in q")
            self.pos += 1
        attr = Attr(name, tuple(subs), tuple(path))
        op = next((o for o in OPERATORS if self.text.startswith(o, self.pos)), None)
        if op is None:
            return Term(attr, negated=negated)
        if negated:
            raise InvalidRequest("'!' negates an existence test and takes no comparison")
        self.pos += len(op)
        value = self.value(op)
        return Term(attr, op, value)

    def value(self, op: str) -> Any:
        items = [self.single(op)]
        if self.text.startswith("..", self.pos):
            if op not in ("==", "!="):
                raise InvalidRequest("a range is only allowed with == or !=")
            self.pos += 2
            return Range(items[0], self.single(op))
        while self.peek() == ",":
            if op not in ("==", "!="):
                raise InvalidRequest("a value list is only allowed with == or !=")
            self.pos += 1
            items.append(self.single(op))
        return tuple(items) if len(items) > 1 else items[0]

    def single(self, op: str) -> Any:
        if self.peek() == '"':
            end = self.pos + 1
            chars: list[str] = []
            while end < len(self.text) and self.text[end] != '"':
                if self.text[end] == "\\" and end + 1 < len(self.text):
                    end += 1
                chars.append(self.text[end])
                end += 1
            if end >= len(self.text):
                raise InvalidRequest("unterminated string in q")
            self.pos = end + 1
            text = "".join(chars)
            return _regex(text) if op in ("~=", "!~=") else text
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ";|),":
            if self.text.startswith("..", self.pos) and op not in ("~=", "!~="):
                break
            self.pos += 1
        raw = self.text[start : self.pos]
        if not raw:
            raise InvalidRequest(f"a value is expected at position {start} in q")
        if op in ("~=", "!~="):
            return _regex(raw)
        if not _BARE.match(raw):
            raise InvalidRequest(f'invalid value {raw!r} in q (quote strings with "...")')
        return _literal(raw)


def _regex(pattern: str) -> Any:
    try:
        return regex.compile(pattern)
    except regex.error as exc:
        raise BadRequestData(f"invalid regular expression in q: {exc}") from None


def _literal(raw: str) -> Any:
    if raw == "true":
        return True
    if raw == "false":
        return False
    if _NUMBER.match(raw):
        number = float(raw)
        return (
            int(number)
            if number.is_integer() and "." not in raw and "e" not in raw.lower()
            else number
        )
    moment = _temporal(raw)
    return moment if moment is not None else raw


def _temporal(raw: str) -> datetime | date | time | None:
    try:
        if _DATETIME.match(raw):
            parsed = datetime.fromisoformat(raw)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        if _DATE.match(raw):
            return date.fromisoformat(raw)
        if _TIME.match(raw):
            return time.fromisoformat(raw.rstrip("Z"))
    except ValueError:
        raise InvalidRequest(f"invalid date/time {raw!r} in q") from None
    return None


# -- evaluation -----------------------------------------------------------------------


def _bind(node: Any, resolver: TermResolver) -> Predicate:
    if isinstance(node, Or):
        parts = [_bind(p, resolver) for p in node.parts]
        return lambda e: any(p(e) for p in parts)
    if isinstance(node, And):
        parts = [_bind(p, resolver) for p in node.parts]
        return lambda e: all(p(e) for p in parts)
    return _bind_term(node, resolver)


def _bind_term(term: Term, resolver: TermResolver) -> Predicate:
    attr = resolver.expand(term.attr.name)
    subs = tuple(s if s in META_MEMBERS else resolver.expand(s) for s in term.attr.subs)
    path = term.attr.path

    def targets(entity: Entity) -> list[Any]:
        found: list[Any] = []
        for instance in entity["attrs"].get(attr, ()):
            node: Any = instance
            for sub in subs:
                node = node.get(sub) if isinstance(node, dict) else None
                if node is None:
                    break
            if node is None:
                continue
            if isinstance(node, dict) and "type" in node and node is not None:
                values = _values_of(node)
            else:
                values = [node]
            for value in values:
                for step in path:
                    value = value.get(step) if isinstance(value, dict) else None
                    if value is None:
                        break
                if value is not None:
                    found.append(value)
        return found

    if term.op is None:
        if term.negated:
            return lambda e: not targets(e)
        return lambda e: bool(targets(e))
    negative = term.op in ("!=", "!~=")
    test = _comparison(term, resolver)

    def predicate(entity: Entity) -> bool:
        values = [v for value in targets(entity) for v in _flatten(value)]
        if not values:
            return False
        if negative:
            return not any(test(v) for v in values)
        return any(test(v) for v in values)

    return predicate


def _values_of(instance: dict[str, Any]) -> list[Any]:
    """The comparable value(s) of an attribute instance, by its kind."""
    kind = instance.get("type")
    member = VALUE_MEMBER.get(kind) if isinstance(kind, str) else None
    if member is None:
        if "value" in instance and not set(instance) - INSTANCE_MEMBERS - {"value"}:
            return [instance["value"]]
        return [instance.get("value")] if "value" in instance else []
    value = instance.get(member)
    if member == "languageMap" and isinstance(value, dict):
        return list(value.values())
    return [] if value is None else [value]


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [v for item in value for v in _flatten(item)]
    if isinstance(value, dict) and "@value" in value:
        return [value["@value"]]
    return [value]


def _comparison(term: Term, resolver: TermResolver) -> Callable[[Any], bool]:
    op, wanted = term.op, term.value
    if op in ("~=", "!~="):

        def matches(value: Any) -> bool:
            if not isinstance(value, str):
                return False
            try:
                return wanted.search(value, timeout=REGEX_TIMEOUT) is not None
            except TimeoutError:
                raise TooComplexQuery("the q pattern takes too long to evaluate") from None

        return matches
    if op in ("==", "!="):
        if isinstance(wanted, Range):
            low, high = wanted.low, wanted.high
            return lambda v: _cmp(v, low, ">=") and _cmp(v, high, "<=")
        choices = wanted if isinstance(wanted, tuple) else (wanted,)
        expanded = tuple(
            resolver.expand(c) if isinstance(c, str) and ":" not in c else c for c in choices
        )
        return lambda v: (
            any(_equal(v, c) for c in choices) or (isinstance(v, str) and v in expanded)
        )
    assert op is not None
    return lambda v: _cmp(v, wanted, op)


def _coerce(value: Any, like: Any) -> Any:
    """Bring a stored value to the query value's kind, or None if they don't compare."""
    if isinstance(like, bool) or isinstance(value, bool):
        return value if isinstance(value, bool) and isinstance(like, bool) else None
    if isinstance(like, int | float):
        return value if isinstance(value, int | float) else None
    if isinstance(like, datetime | date | time):
        if not isinstance(value, str):
            return None
        moment = _temporal_value(value)
        return moment if type(moment) is type(like) else None
    if isinstance(like, str):
        return value if isinstance(value, str) else None
    return None


def _temporal_value(value: str) -> Any:
    try:
        return _temporal(value)
    except InvalidRequest:
        return None


def _equal(value: Any, wanted: Any) -> bool:
    coerced = _coerce(value, wanted)
    return coerced is not None and coerced == wanted


def _cmp(value: Any, wanted: Any, op: str) -> bool:
    coerced = _coerce(value, wanted)
    if coerced is None:
        return False
    try:
        if op == ">":
            return bool(coerced > wanted)
        if op == ">=":
            return bool(coerced >= wanted)
        if op == "<":
            return bool(coerced < wanted)
        return bool(coerced <= wanted)
    except TypeError:
        return False
