"""The SQL functions whose spelling differs between SQLite and PostgreSQL, each isolated in one construct.

``utc_part(field, when)``: the year, month, day, hour, minute or second of a UTC time, as an integer.
``str_index(haystack, needle)``: the 1-based position of ``needle`` in ``haystack``, 0 when absent (SQLite ``instr``,
PostgreSQL ``strpos``) — case-sensitive on both, where ``LIKE`` would not be on SQLite.
``json_kind(column, paths…)``: the JSON type at a path, so a value is read as a number only when it is one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

_STRFTIME = {"year": "%Y", "month": "%m", "day": "%d", "hour": "%H", "minute": "%M", "second": "%S"}
FIELDS = tuple(_STRFTIME)


class utc_part(FunctionElement[int]):  # noqa: N801 - SQL function constructs are lower-case by convention
    type = Integer()
    inherit_cache = True
    name = "utc_part"


class str_index(FunctionElement[int]):  # noqa: N801
    type = Integer()
    inherit_cache = True
    name = "str_index"


def _field(element: utc_part) -> str:
    """The part's name travels as a literal column (part of the statement's cache key), never as a bound value."""
    field = str(list(element.clauses)[0].name).strip("'")
    if field not in _STRFTIME:
        raise ValueError(f"no time part {field!r}")
    return field


@compiles(utc_part, "sqlite")
def _utc_part_sqlite(element: utc_part, compiler: SQLCompiler, **kw: Any) -> str:
    when = compiler.process(list(element.clauses)[1], **kw)
    return f"CAST(strftime('{_STRFTIME[_field(element)]}', {when}) AS INTEGER)"


@compiles(utc_part, "postgresql")
def _utc_part_postgresql(element: utc_part, compiler: SQLCompiler, **kw: Any) -> str:
    when = compiler.process(list(element.clauses)[1], **kw)
    return f"CAST(FLOOR(EXTRACT({_field(element).upper()} FROM ({when}) AT TIME ZONE 'UTC')) AS INTEGER)"


@compiles(str_index, "sqlite")
def _str_index_sqlite(element: str_index, compiler: SQLCompiler, **kw: Any) -> str:
    haystack, needle = (compiler.process(c, **kw) for c in element.clauses)
    return f"instr({haystack}, {needle})"


@compiles(str_index, "postgresql")
def _str_index_postgresql(element: str_index, compiler: SQLCompiler, **kw: Any) -> str:
    haystack, needle = (compiler.process(c, **kw) for c in element.clauses)
    return f"strpos({haystack}, {needle})"


class json_kind(FunctionElement[str]):  # noqa: N801
    """The JSON type of the value at a path: ``number``, ``string``, ``boolean``, ``object``, ``array``, ``null``.

    Built as ``json_kind(column, sqlite_path, postgresql_path)`` (both paths bound as parameters); SQLite's
    ``json_type`` answers ``integer``/``real``/``true``/``false``/``text``, which the ``*_KINDS`` tuples cover.
    """

    type = String()
    inherit_cache = True
    name = "json_kind"


@compiles(json_kind, "sqlite")
def _json_kind_sqlite(element: json_kind, compiler: SQLCompiler, **kw: Any) -> str:
    column, path, _pg = (compiler.process(c, **kw) for c in element.clauses)
    return f"json_type({column}, {path})"


@compiles(json_kind, "postgresql")
def _json_kind_postgresql(element: json_kind, compiler: SQLCompiler, **kw: Any) -> str:
    column, _sqlite, path = (compiler.process(c, **kw) for c in element.clauses)
    return f"json_typeof(CAST({column} AS JSON) #> CAST({path} AS TEXT[]))"


def json_paths(keys: tuple[str, ...]) -> tuple[str, str]:
    """(SQLite path, PostgreSQL path) of ``keys``; keys are property names (letters, digits, ``_ . @``)."""
    return "$" + "".join(f'."{k}"' for k in keys), "{" + ",".join(keys) + "}"


NUMBER_KINDS = ("number", "integer", "real")
BOOLEAN_KINDS = ("boolean", "true", "false")
STRING_KINDS = ("string", "text")
