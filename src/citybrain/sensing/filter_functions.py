"""The functions ``$filter`` knows: string, time, math and geo — each a portable SQLAlchemy expression."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import and_, func, literal
from sqlalchemy.sql.elements import ColumnElement

from citybrain.core import clock
from citybrain.core.errors import InvalidInput
from citybrain.core.types import UTCDateTime
from citybrain.sensing import geo_sql
from citybrain.sensing.filter_grammar import Call, Node
from citybrain.sensing.filter_sql import Operand, Scope, quantifier_of, text_index, time_part
from citybrain.sensing.sqlfuncs import FIELDS

Expr = ColumnElement[Any]
Compile = Callable[[Scope, Node], Operand]


def _fixed(kind: str, expr: Expr) -> Operand:
    return Operand(kind, lambda _k: expr)


def _text(args: list[Operand]) -> list[Expr]:
    return [a.as_("string") for a in args]


def _strings(name: str, args: list[Operand]) -> Operand:
    s = _text(args)
    if name in ("substringof", "contains"):
        haystack, needle = (s[1], s[0]) if name == "substringof" else (s[0], s[1])
        return _fixed("bool", text_index(haystack, needle) > 0)
    if name == "startswith":
        return _fixed("bool", func.substr(s[0], 1, func.length(s[1])) == s[1])
    if name == "endswith":
        tail = func.substr(s[0], func.length(s[0]) - func.length(s[1]) + 1)
        return _fixed("bool", and_(func.length(s[0]) >= func.length(s[1]), tail == s[1]))
    if name == "indexof":
        return _fixed("number", text_index(s[0], s[1]) - 1)
    if name == "concat":
        return _fixed("string", s[0].concat(s[1]))
    return _fixed("string", {"tolower": func.lower, "toupper": func.upper, "trim": func.trim}[name](s[0]))


def _substring(args: list[Operand]) -> Operand:
    start = args[1].as_("number") + 1
    if len(args) == 3:
        return _fixed("string", func.substr(args[0].as_("string"), start, args[2].as_("number")))
    return _fixed("string", func.substr(args[0].as_("string"), start))


def _math(name: str, args: list[Operand]) -> Operand:
    value = args[0].as_("number")
    return _fixed("number", {"round": func.round, "floor": func.floor, "ceiling": func.ceiling}[name](value))


def _geo(name: str, args: list[Operand]) -> Operand:
    points = [a for a in args if a.kind == "geo"]
    shapes = [a for a in args if a.kind == "geoliteral"]
    if len(points) != 1 or len(shapes) != 1:
        raise InvalidInput(f"{name}() takes a location property and a geography'…' literal")
    lat, lon, geometry = points[0].as_("lat"), points[0].as_("lon"), shapes[0].geometry
    if name == "geo.distance":
        return _fixed("number", geo_sql.distance(lat, lon, geometry))
    if name == "st_contains" and args[0].kind == "geo":
        raise InvalidInput("st_contains(location, …) is not supported for point locations; use st_within")
    inside = geo_sql.within(lat, lon, geometry)
    return _fixed("bool", ~inside if name == "st_disjoint" else inside)


_ARITY: dict[str, tuple[int, int]] = {
    **{n: (2, 2) for n in ("substringof", "contains", "startswith", "endswith", "indexof", "concat")},
    **{n: (1, 1) for n in ("length", "tolower", "toupper", "trim", "round", "floor", "ceiling", *FIELDS)},
    "substring": (2, 3),
    "now": (0, 0),
    **{n: (2, 2) for n in ("geo.distance", "geo.intersects", "st_within", "st_intersects", "st_contains")},
    "st_disjoint": (2, 2),
}
_GEO = {"geo.distance", "geo.intersects", "st_within", "st_intersects", "st_contains", "st_disjoint"}


def call(scope: Scope, node: Node, compile_node: Compile) -> Operand:
    """The function's value; arguments found through to-many links keep their quantifiers."""
    assert isinstance(node, Call)
    if node.name not in _ARITY:
        known = ", ".join(sorted(_ARITY))
        raise InvalidInput(f"$filter: unknown or unsupported function {node.name}(); known: {known}")
    low, high = _ARITY[node.name]
    if not low <= len(node.args) <= high:
        raise InvalidInput(f"{node.name}() takes {low if low == high else f'{low} to {high}'} argument(s)")
    args = [compile_node(scope, a) for a in node.args]
    result = _call(node, args)
    quantifier = quantifier_of(*args)
    return replace(result, quantifier=quantifier) if quantifier is not None else result


def _call(node: Call, args: list[Operand]) -> Operand:
    name = node.name
    if name in _GEO:
        return _geo(name, args)
    if name == "now":
        return _fixed("datetime", literal(clock.utcnow(), UTCDateTime()))
    if name in FIELDS:
        return _fixed("number", time_part(name, args[0].as_("datetime")))
    if name == "length":
        return _fixed("number", func.length(args[0].as_("string")))
    if name == "substring":
        return _substring(args)
    if name in ("round", "floor", "ceiling"):
        return _math(name, args)
    return _strings(name, args)
