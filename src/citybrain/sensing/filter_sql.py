"""``$filter`` and ``$orderby`` ASTs → SQLAlchemy expressions for one entity type (SQLite and PostgreSQL alike).

An operand knows its kind (number, string, bool, datetime, geo …). JSON properties and an Observation's ``result``
take the kind of what they are compared with: ``properties/owner eq 'x'`` reads the JSON value as text, ``result gt
5`` the numeric column. Paths through to-one links (``Datastream/Thing/name``) become correlated scalar subqueries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    Integer,
    String,
    and_,
    case,
    exists,
    false,
    literal,
    literal_column,
    not_,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement, Grouping

from citybrain.core import clock
from citybrain.core.errors import InvalidInput
from citybrain.core.types import UTCDateTime
from citybrain.models.sensing import RESULT_BOOLEAN, RESULT_INTEGER, RESULT_NUMBER, RESULT_STRING
from citybrain.sensing import geo_sql
from citybrain.sensing.entities import EntityType, Nav, target
from citybrain.sensing.filter_grammar import Binary, Literal, Node, OrderItem, Path, Unary
from citybrain.sensing.sqlfuncs import (
    BOOLEAN_KINDS,
    FIELDS,
    NUMBER_KINDS,
    STRING_KINDS,
    json_kind,
    json_paths,
    str_index,
    utc_part,
)

Expr = ColumnElement[Any]
#: kinds that take the kind of the other side
FLEXIBLE = {"json", "result"}


@dataclass(frozen=True)
class Operand:
    kind: str  # number string bool datetime null geo geoliteral json result
    make: Callable[[str], Expr]  # the expression as a given kind (only flexible kinds look at it)
    geometry: Any = None  # a shapely geometry, for geo literals
    #: for a value found through a to-many link: wraps a condition on it into "some linked row satisfies it" (EXISTS)
    quantifier: Callable[[Expr], Expr] | None = None

    def as_(self, kind: str) -> Expr:
        return self.make(kind)

    def plain(self) -> Expr:
        return self.make(self.kind if self.kind not in FLEXIBLE else "string")


def _fixed(kind: str, expr: Expr, *sources: Operand) -> Operand:
    """A value of one kind; made from ``sources``, it keeps their to-many quantifiers."""
    return Operand(kind, lambda _k: expr, quantifier=quantifier_of(*sources))


def quantifier_of(*operands: Operand) -> Callable[[Expr], Expr] | None:
    found = [o.quantifier for o in operands if o.quantifier is not None]
    if not found:
        return None

    def wrap(cond: Expr) -> Expr:
        for quantify in reversed(found):
            cond = quantify(cond)
        return cond

    return wrap


@dataclass(frozen=True)
class Scope:
    """What paths are resolved against: an entity type and the (possibly aliased) ORM class standing for it."""

    entity: EntityType
    model: Any


def scope_of(entity: EntityType) -> Scope:
    return Scope(entity, entity.model)


# ---- paths ---------------------------------------------------------------------------------------------------


def _json_operand(column: Any, rest: tuple[str, ...]) -> Operand:
    if not rest:
        raise InvalidInput("compare a JSON property by a path into it, e.g. properties/owner")
    element = column[rest[0]] if len(rest) == 1 else column[rest]
    sqlite_path, postgresql_path = json_paths(rest)
    json_type = json_kind(column, literal(sqlite_path, String()), literal(postgresql_path, String()))

    def make(kind: str) -> Expr:
        """Read as a number (or boolean) only where it is one, so both databases answer alike (no match)."""
        if kind == "number":
            return case((json_type.in_(NUMBER_KINDS), element.as_float()), else_=null())
        if kind == "bool":
            return case((json_type.in_(BOOLEAN_KINDS), element.as_boolean()), else_=null())
        return case((json_type.in_(STRING_KINDS), element.as_string()), else_=null())

    return Operand("json", make)


def _result_operand(model: Any) -> Operand:
    def make(kind: str) -> Expr:
        if kind == "string":
            return case((model.result_type == RESULT_STRING, model.result_string), else_=null())
        if kind == "bool":
            return case((model.result_type == RESULT_BOOLEAN, model.result_number != 0), else_=null())
        numeric = model.result_type.in_((RESULT_NUMBER, RESULT_INTEGER))
        return case((numeric, model.result_number), else_=null())

    return Operand("result", make)


def _property(scope: Scope, segments: tuple[str, ...]) -> Operand:
    name, rest = segments[0], segments[1:]
    if name == "@iot.id":
        name = "id"
    prop = scope.entity.prop(name)
    if prop is None:
        raise InvalidInput(f"{scope.entity.name} has no property {name!r}")
    column = getattr(scope.model, prop.attr)
    if prop.kind in ("json", "geo") and rest:
        return _json_operand(column, rest)
    if rest:
        raise InvalidInput(f"{scope.entity.name}/{name} is not JSON; {'/'.join(segments)} goes nowhere")
    if prop.kind == "result":
        return _result_operand(scope.model)
    if prop.kind == "geo":
        return Operand("geo", lambda axis: getattr(scope.model, axis))
    kind = {"id": "number", "text": "string", "time": "datetime", "interval": "datetime"}.get(prop.kind, "json")
    if kind == "json":
        raise InvalidInput(f"{scope.entity.name}/{name} is JSON: compare a path into it, e.g. {name}/key")
    return _fixed(kind, column)


def _path(scope: Scope, segments: tuple[str, ...]) -> Operand:
    nav = scope.entity.nav(segments[0])
    if nav is None:
        return _property(scope, segments)
    if len(segments) == 1:
        raise InvalidInput(f"{'/'.join(segments)} names an entity, not a value; add a property, e.g. {nav.name}/id")
    other = target(nav)
    alias: Any = aliased(other.model)
    inner = _path(Scope(other, alias), segments[1:])
    if nav.many:
        return _any(scope, nav, alias, inner)
    if inner.quantifier is not None:
        raise InvalidInput(f"$filter: a to-many link after the to-one link {nav.name} is not supported")
    link = alias.id == getattr(scope.model, str(nav.fk))

    def make(kind: str) -> Expr:
        return select(inner.as_(kind)).where(link).scalar_subquery()

    return Operand(inner.kind, make, inner.geometry)


def _any(scope: Scope, nav: Nav, alias: Any, inner: Operand) -> Operand:
    """``Datastreams/name eq 'x'`` on Things: true when any linked Datastream has that name (OData ``any``)."""
    rows = select(literal(1)).select_from(alias)
    if nav.link is not None:
        through: Any = aliased(nav.link)
        rows = rows.join(through, getattr(through, nav.link_target) == alias.id)
        link = getattr(through, nav.link_source) == scope.model.id
    else:
        link = getattr(alias, str(nav.fk)) == scope.model.id
    deeper = inner.quantifier

    def quantify(cond: Expr) -> Expr:
        return exists(rows.where(link, deeper(cond) if deeper else cond))

    return Operand(inner.kind, inner.make, inner.geometry, quantify)


# ---- literals, operators --------------------------------------------------------------------------------------


def _literal(node: Literal) -> Operand:
    if node.kind == "number":
        return _fixed("number", literal(node.value, Float() if isinstance(node.value, float) else None))
    if node.kind == "string":
        return _fixed("string", literal(node.value, String()))
    if node.kind == "bool":
        return _fixed("bool", literal(node.value, Boolean()))
    if node.kind == "datetime":
        value: datetime = node.value if node.value.tzinfo else clock.as_utc(node.value)
        return _fixed("datetime", literal(value, UTCDateTime()))
    if node.kind == "geo":
        return Operand("geoliteral", lambda _k: null(), geo_sql.parse_wkt(str(node.value)))
    return _fixed("null", null())


_COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}
_ARITH = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}


def _pair(left: Operand, right: Operand, default: str) -> tuple[Expr, Expr, str]:
    """Both sides as one kind: a flexible side takes the other's kind (or ``default`` when both are flexible)."""
    if left.kind in FLEXIBLE and right.kind in FLEXIBLE:
        return left.as_(default), right.as_(default), default
    if left.kind in FLEXIBLE:
        return left.as_(right.kind), right.plain(), right.kind
    if right.kind in FLEXIBLE:
        return left.plain(), right.as_(left.kind), left.kind
    if left.kind == "datetime" and right.kind == "string" or right.kind == "datetime" and left.kind == "string":
        raise InvalidInput("compare times with a time literal such as 2024-01-31T08:00:00Z (not a quoted string)")
    return left.plain(), right.plain(), left.kind


def _chain(node: Binary) -> list[Node]:
    """``a or b or c`` (a left-deep tree) as [a, b, c], without recursion: long id lists stay flat in SQL."""
    parts: list[Node] = []
    pending: list[Node] = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, Binary) and current.op == node.op:
            pending += [current.right, current.left]
        else:
            parts.append(current)
    return parts


def _balanced(join: Callable[..., Expr], parts: list[Expr], width: int = 50) -> Expr:
    """``a or b or …`` in parenthesised groups of ``width``: SQLite refuses an expression more than 1,000 deep."""
    while len(parts) > width:
        # "(group) = true" keeps SQL's three-valued logic and, unlike a bare group, is not flattened by SQLAlchemy
        parts = [Grouping(join(*parts[i : i + width])).op("=")(true()) for i in range(0, len(parts), width)]
    return join(*parts)


def _binary(scope: Scope, node: Binary) -> Operand:
    if node.op in ("and", "or"):
        parts = [condition(scope, part) for part in _chain(node)]
        return _fixed("bool", _balanced(and_ if node.op == "and" else or_, parts))
    left, right = compile_node(scope, node.left), compile_node(scope, node.right)
    if "geo" in (left.kind, right.kind) or "geoliteral" in (left.kind, right.kind):
        raise InvalidInput("a location can only be used inside geo.distance, st_within or geo.intersects")
    if node.op in _COMPARE:
        if right.kind == "null" or left.kind == "null":
            value = left if right.kind == "null" else right
            column = value.plain()
            return _fixed("bool", column.is_(None) if node.op == "eq" else column.is_not(None), value)
        a, b, _kind = _pair(left, right, "string" if node.op in ("eq", "ne") else "number")
        return _fixed("bool", _COMPARE[node.op](a, b), left, right)
    a, b, kind = _pair(left, right, "number")
    if kind != "number":
        raise InvalidInput(f"{node.op} works on numbers (date arithmetic is not supported)")
    if node.op == "mod":
        return _fixed("number", a.cast(Integer()) % b.cast(Integer()), left, right)
    return _fixed("number", _ARITH[node.op](a, b), left, right)


def _unary(scope: Scope, node: Unary) -> Operand:
    if node.op == "not":
        return _fixed("bool", not_(condition(scope, node.operand)))
    operand = compile_node(scope, node.operand)
    return _fixed("number", -operand.as_("number"), operand)


def compile_node(scope: Scope, node: Node) -> Operand:
    if isinstance(node, Literal):
        return _literal(node)
    if isinstance(node, Path):
        return _path(scope, node.segments)
    if isinstance(node, Binary):
        return _binary(scope, node)
    if isinstance(node, Unary):
        return _unary(scope, node)
    from citybrain.sensing.filter_functions import call

    return call(scope, node, compile_node)


def condition(scope: Scope, node: Node) -> Expr:
    """A ``$filter`` as a WHERE condition; 400 when it is not a yes/no question."""
    operand = compile_node(scope, node)
    if operand.kind in FLEXIBLE:
        expr = operand.as_("bool")
    elif operand.kind != "bool":
        raise InvalidInput("$filter must be a condition (e.g. name eq 'x'), not a value")
    elif isinstance(node, Literal):
        expr = true() if node.value else false()
    else:
        expr = operand.plain()
    return operand.quantifier(expr) if operand.quantifier is not None else expr


def order_by(scope: Scope, items: list[OrderItem]) -> list[Expr]:
    """``$orderby`` items as ORDER BY terms; a ``result`` sorts by its number, then its text."""
    terms: list[Expr] = []
    for item in items:
        operand = compile_node(scope, item.expr)
        if operand.kind == "result":
            exprs = [operand.as_("number"), operand.as_("string")]
        elif operand.kind in ("geo", "geoliteral"):
            raise InvalidInput("cannot order by a location")
        else:
            exprs = [operand.plain()]
        terms += [e.desc() if item.descending else e.asc() for e in exprs]
    return terms


def time_part(field: str, value: Expr) -> Expr:
    if field not in FIELDS:
        raise InvalidInput(f"no time function {field}()")
    return utc_part(literal_column(f"'{field}'"), value)


def text_index(haystack: Expr, needle: Expr) -> Expr:
    return str_index(haystack, needle)
