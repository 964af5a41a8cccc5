"""The grammar of SensorThings query options (OData-like): ``$filter``, ``$orderby``, ``$select``, ``$expand``.

One lark LALR grammar with a start rule per option; ``$expand``'s nested options reuse the same rules, so
``Datastreams($filter=result gt 5;$expand=Observations($top=1))`` parses in one pass. The parse tree becomes the small
AST below, which ``sensing/filter_sql.py`` turns into SQLAlchemy expressions — never into SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from citybrain.core.errors import InvalidInput

GRAMMAR = r"""
filter: expr
orderby: order_item ("," order_item)*
order_item: expr DIRECTION?
select: path ("," path)*
expand: expand_item ("," expand_item)*
expand_item: path ("(" expand_option (";" expand_option)* ")")?
expand_option: "$filter" "=" expr          -> opt_filter
             | "$orderby" "=" orderby      -> opt_orderby
             | "$top" "=" INT              -> opt_top
             | "$skip" "=" INT             -> opt_skip
             | "$count" "=" BOOL           -> opt_count
             | "$select" "=" select        -> opt_select
             | "$expand" "=" expand        -> opt_expand

?expr: or_expr
?or_expr: and_expr | and_expr (OR and_expr)+                  -> chain
?and_expr: not_expr | not_expr (AND not_expr)+                -> chain
?not_expr: comparison | NOT not_expr                          -> negation
?comparison: additive | additive COMP_OP additive             -> binary
?additive: multiplicative | additive ADD_OP multiplicative    -> binary
?multiplicative: unary | multiplicative MUL_OP unary          -> binary
?unary: primary | "-" unary                                   -> minus
?primary: literal | call | path | "(" expr ")"
call: IDENT "(" [expr ("," expr)*] ")"
path: IDENT ("/" IDENT)*
literal: STRING | NUMBER | BOOL | NULL | DATETIME | GEO

DIRECTION.2: /(asc|desc)\b/i
OR.2: /or\b/
AND.2: /and\b/
NOT.2: /not\b/
COMP_OP.2: /(eq|ne|gt|ge|lt|le)\b/
ADD_OP.2: /(add|sub)\b/
MUL_OP.2: /(mul|div|mod)\b/
BOOL.2: /(true|false)\b/
NULL.2: /null\b/
GEO.3: /(geography|geometry)'[^']*'/i
DATETIME.3: /\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?/
NUMBER: /\d+(\.\d+)?([eE][+-]?\d+)?/
INT: /\d+/
STRING: /'([^']|'')*'/
IDENT: /[A-Za-z_@][A-Za-z0-9_.@]*/
%ignore /[ \t\r\n]+/
"""


@dataclass(frozen=True)
class Literal:
    value: Any
    kind: str  # number | string | bool | null | datetime | geo


@dataclass(frozen=True)
class Path:
    segments: tuple[str, ...]


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Binary:
    op: str  # eq ne gt ge lt le add sub mul div mod and or
    left: Node
    right: Node


@dataclass(frozen=True)
class Unary:
    op: str  # not | minus
    operand: Node


Node = Literal | Path | Call | Binary | Unary


@dataclass(frozen=True)
class OrderItem:
    expr: Node
    descending: bool


@dataclass
class ExpandItem:
    """One ``$expand`` entry: its navigation path and the options in its parentheses (raw, checked later)."""

    path: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)


def _parse_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"not a date-time: {text}") from exc


@v_args(inline=True)
class _ToAst(Transformer[Token, Any]):
    def filter(self, expr: Node) -> Node:
        return expr

    def literal(self, token: Token) -> Literal:
        kind, text = token.type, str(token)
        if kind == "STRING":
            return Literal(text[1:-1].replace("''", "'"), "string")
        if kind == "NUMBER":
            is_int = text.isdigit()
            return Literal(int(text) if is_int else float(text), "number")
        if kind == "BOOL":
            return Literal(text == "true", "bool")
        if kind == "NULL":
            return Literal(None, "null")
        if kind == "DATETIME":
            return Literal(_parse_datetime(text), "datetime")
        return Literal(text[text.index("'") + 1 : -1], "geo")

    def path(self, *parts: Token) -> Path:
        return Path(tuple(str(p) for p in parts))

    def call(self, name: Token, *args: Node | None) -> Call:
        return Call(str(name).lower(), tuple(a for a in args if a is not None))

    def binary(self, left: Node, op: Token, right: Node) -> Binary:
        return Binary(str(op), left, right)

    def chain(self, first: Node, *rest: Node | Token) -> Node:
        """``a or b or c``, parsed flat (no recursion however long), as the left-deep tree ((a or b) or c)."""
        tree = first
        for op, operand in zip(rest[::2], rest[1::2], strict=True):
            tree = Binary(str(op), tree, operand)  # type: ignore[arg-type]
        return tree

    def negation(self, _op: Token, operand: Node) -> Unary:
        return Unary("not", operand)

    def minus(self, operand: Node) -> Node:
        if isinstance(operand, Literal) and operand.kind == "number":
            return Literal(-operand.value, "number")
        return Unary("minus", operand)

    def orderby(self, *items: OrderItem) -> list[OrderItem]:
        return list(items)

    def order_item(self, expr: Node, direction: Token | None = None) -> OrderItem:
        return OrderItem(expr, str(direction).lower() == "desc" if direction is not None else False)

    def select(self, *paths: Path) -> list[Path]:
        return list(paths)

    def expand(self, *items: ExpandItem) -> list[ExpandItem]:
        return list(items)

    def expand_item(self, path: Path, *options: tuple[str, Any]) -> ExpandItem:
        return ExpandItem(path.segments, dict(options))

    def opt_filter(self, expr: Node) -> tuple[str, Any]:
        return ("$filter", expr)

    def opt_orderby(self, items: list[OrderItem]) -> tuple[str, Any]:
        return ("$orderby", items)

    def opt_top(self, value: Token) -> tuple[str, Any]:
        return ("$top", int(value))

    def opt_skip(self, value: Token) -> tuple[str, Any]:
        return ("$skip", int(value))

    def opt_count(self, value: Token) -> tuple[str, Any]:
        return ("$count", str(value) == "true")

    def opt_select(self, paths: list[Path]) -> tuple[str, Any]:
        return ("$select", paths)

    def opt_expand(self, items: list[ExpandItem]) -> tuple[str, Any]:
        return ("$expand", items)


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, start=["filter", "orderby", "select", "expand"], parser="lalr", maybe_placeholders=True)


#: How the grammar's terminals are named in a message.
_NAMES = {
    "ADD_OP": "add/sub",
    "MUL_OP": "mul/div/mod",
    "COMP_OP": "eq/ne/gt/ge/lt/le",
    "AND": "and",
    "OR": "or",
    "NOT": "not",
    "DIRECTION": "asc/desc",
    "COMMA": "','",
    "LPAR": "'('",
    "RPAR": "')'",
    "SEMICOLON": "';'",
    "SLASH": "'/'",
    "IDENT": "a property name",
    "STRING": "a 'string'",
    "NUMBER": "a number",
    "INT": "a whole number",
}


def _describe(option: str, text: str, exc: UnexpectedInput) -> str:
    position = getattr(exc, "column", "?")
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END" or isinstance(exc, UnexpectedEOF):
        return f"{option}: the expression {text!r} ends too early"
    if isinstance(exc, UnexpectedToken):
        expected = ", ".join(sorted({_NAMES.get(e, e) for e in exc.expected})[:10])
        return f"{option}: unexpected {str(exc.token)!r} at position {position} of {text!r} (expected {expected})"
    if isinstance(exc, UnexpectedCharacters):
        return f"{option}: unexpected character {exc.char!r} at position {position} of {text!r}"
    return f"{option}: cannot parse {text!r} at position {position}"


#: The longest query option parsed; nesting deeper than Python's recursion allows is refused too.
MAX_LENGTH = 20_000


def parse(option: str, text: str) -> Any:
    """Parse the value of ``option`` (``$filter``, ``$orderby``, ``$select`` or ``$expand``); 400 naming the spot."""
    start = option.lstrip("$")
    if len(text) > MAX_LENGTH:
        raise InvalidInput(f"{option} is longer than {MAX_LENGTH} characters")
    try:
        tree = _parser().parse(text, start=start)
        return _ToAst().transform(tree)
    except UnexpectedInput as exc:
        raise InvalidInput(_describe(option, text, exc)) from None
    except RecursionError:
        raise InvalidInput(f"{option} is nested too deeply") from None
    except VisitError as exc:
        if isinstance(exc.orig_exc, InvalidInput):
            raise InvalidInput(f"{option}: {exc.orig_exc.message}") from None
        raise
