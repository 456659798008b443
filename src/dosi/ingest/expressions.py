"""Safe arithmetic for unit conversions: ``value * 1.8 + 32``, never ``eval``.

The grammar is arithmetic only: numbers, names bound by the caller (``value`` and the
other measures of the same message), ``+ - * / // % **``, parentheses and the functions
``abs``, ``min``, ``max`` and ``round``. Expressions are parsed once at provisioning time
(``compile_expression``) into a small tree and evaluated with floats; every failure is an
``ExpressionError``, and a result that is not a finite number is refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from dosi.ingest.errors import ExpressionError

MAX_LENGTH: Final = 256
MAX_DEPTH: Final = 32

_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|//|[-+*/%(),]))"
)


def _min(*args: float) -> float:
    if not args:
        raise ExpressionError("min() needs at least one argument")
    return min(args)


def _max(*args: float) -> float:
    if not args:
        raise ExpressionError("max() needs at least one argument")
    return max(args)


def _round(*args: float) -> float:
    if len(args) == 1:
        return float(round(args[0]))
    if len(args) == 2 and args[1].is_integer() and 0 <= args[1] <= 15:
        return round(args[0], int(args[1]))
    raise ExpressionError("round() takes a value and optionally 0..15 digits")


def _abs(*args: float) -> float:
    if len(args) != 1:
        raise ExpressionError("abs() takes one argument")
    return abs(args[0])


FUNCTIONS: Final[dict[str, Callable[..., float]]] = {
    "abs": _abs,
    "min": _min,
    "max": _max,
    "round": _round,
}


def _pow(a: float, b: float) -> float:
    return math.pow(a, b)


def _div(a: float, b: float) -> float:
    return a / b


def _floordiv(a: float, b: float) -> float:
    return a // b


def _mod(a: float, b: float) -> float:
    return a % b


BINARY: Final[dict[str, Callable[[float, float], float]]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": _div,
    "//": _floordiv,
    "%": _mod,
    "**": _pow,
}


class Node:
    """A node of a parsed expression."""

    __slots__ = ()

    def eval(self, variables: Mapping[str, float]) -> float:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Num(Node):
    value: float

    def eval(self, variables: Mapping[str, float]) -> float:
        return self.value


@dataclass(frozen=True, slots=True)
class Name(Node):
    name: str

    def eval(self, variables: Mapping[str, float]) -> float:
        if self.name not in variables:
            raise ExpressionError(f"the expression reads {self.name!r}, which the message lacks")
        return variables[self.name]


@dataclass(frozen=True, slots=True)
class Neg(Node):
    operand: Node

    def eval(self, variables: Mapping[str, float]) -> float:
        return -self.operand.eval(variables)


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node

    def eval(self, variables: Mapping[str, float]) -> float:
        return BINARY[self.op](self.left.eval(variables), self.right.eval(variables))


@dataclass(frozen=True, slots=True)
class Call(Node):
    function: str
    args: tuple[Node, ...]

    def eval(self, variables: Mapping[str, float]) -> float:
        return FUNCTIONS[self.function](*(arg.eval(variables) for arg in self.args))


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed expression; ``names`` are the variables it reads."""

    source: str
    tree: Node
    names: frozenset[str]

    def evaluate(self, variables: Mapping[str, float]) -> float:
        """The value for ``variables``; raises ExpressionError (never anything else)."""
        try:
            result = self.tree.eval(variables)
        except ExpressionError:
            raise
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise ExpressionError(f"{self.source!r} failed: {exc}") from None
        if not math.isfinite(result):
            raise ExpressionError(f"{self.source!r} gave {result}, not a finite number")
        return result


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokenize(source)
        self.pos = 0
        self.names: set[str] = set()

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise ExpressionError("the expression ends too early")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, op: str) -> None:
        kind, text = self.take()
        if kind != "op" or text != op:
            raise ExpressionError(f"expected {op!r}, found {text!r}")

    def expr(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"the expression nests deeper than {MAX_DEPTH} levels")
        node = self.term(depth)
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            node = Binary(op, node, self.term(depth))
        return node

    def term(self, depth: int) -> Node:
        node = self.factor(depth)
        while self.peek() in ("*", "/", "//", "%"):
            op = self.take()[1]
            node = Binary(op, node, self.factor(depth))
        return node

    def factor(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"the expression nests deeper than {MAX_DEPTH} levels")
        if self.peek() in ("+", "-"):
            op = self.take()[1]
            inner = self.factor(depth + 1)
            return Neg(inner) if op == "-" else inner
        base = self.atom(depth)
        if self.peek() == "**":
            self.take()
            return Binary("**", base, self.factor(depth + 1))
        return base

    def atom(self, depth: int) -> Node:
        kind, text = self.take()
        if kind == "num":
            return Num(float(text))
        if kind == "name":
            if self.peek() == "(":
                if text not in FUNCTIONS:
                    raise ExpressionError(f"unknown function {text!r}")
                self.take()
                args: list[Node] = []
                if self.peek() != ")":
                    args.append(self.expr(depth + 1))
                    while self.peek() == ",":
                        self.take()
                        args.append(self.expr(depth + 1))
                self.expect(")")
                return Call(text, tuple(args))
            if text in FUNCTIONS:
                raise ExpressionError(f"{text!r} is a function: call it with parentheses")
            self.names.add(text)
            return Name(text)
        if text == "(":
            node = self.expr(depth + 1)
            self.expect(")")
            return node
        raise ExpressionError(f"unexpected {text!r}")


def _tokenize(source: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    end = len(source.rstrip())
    while pos < end:
        match = _TOKEN.match(source, pos)
        if match is None or match.end() == pos:
            raise ExpressionError(f"unexpected character {source[pos : pos + 1]!r} at {pos}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def compile_expression(source: str) -> Expression:
    """Parse ``source``; raises ExpressionError for anything but whitelisted arithmetic."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("an expression must be a non-empty string")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"an expression may have at most {MAX_LENGTH} characters")
    parser = _Parser(source)
    tree = parser.expr(0)
    if parser.pos != len(parser.tokens):
        raise ExpressionError(f"unexpected {parser.tokens[parser.pos][1]!r}")
    return Expression(source, tree, frozenset(parser.names))


__all__ = ["FUNCTIONS", "Expression", "compile_expression"]
