"""The query grammar alone (no database): what parses into what, and how a bad expression is reported."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from citybrain.core.errors import InvalidInput
from citybrain.sensing.filter_grammar import Binary, Call, ExpandItem, Literal, OrderItem, Path, Unary, parse


def test_precedence_not_over_and_over_or_and_arithmetic_over_comparison() -> None:
    tree = parse("$filter", "a eq 1 or not b eq 2 and c add 2 mul 3 gt 4")
    assert isinstance(tree, Binary)
    assert tree.op == "or"
    right = tree.right
    assert isinstance(right, Binary)
    assert right.op == "and"
    assert right.left == Unary("not", Binary("eq", Path(("b",)), Literal(2, "number")))
    sum_ = Binary("add", Path(("c",)), Binary("mul", Literal(2, "number"), Literal(3, "number")))
    assert right.right == Binary("gt", sum_, Literal(4, "number"))


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("'it''s'", Literal("it's", "string")),
        ("-2.5", Literal(-2.5, "number")),
        ("1e3", Literal(1000.0, "number")),
        ("true", Literal(True, "bool")),
        ("null", Literal(None, "null")),
        ("2024-01-31T08:00:00Z", Literal(datetime(2024, 1, 31, 8, tzinfo=UTC), "datetime")),
        ("geography'POINT(1 2)'", Literal("POINT(1 2)", "geo")),
    ],
)
def test_literals(text: str, literal: Literal) -> None:
    assert parse("$filter", f"x eq {text}") == Binary("eq", Path(("x",)), literal)


def test_functions_paths_and_keywords_inside_names() -> None:
    tree = parse("$filter", "geo.distance(Datastream/Thing/location, geography'POINT(1 2)') lt notes")
    assert isinstance(tree, Binary)
    assert tree.left == Call("geo.distance", (Path(("Datastream", "Thing", "location")), Literal("POINT(1 2)", "geo")))
    assert tree.right == Path(("notes",))
    assert parse("$filter", "now() gt orders") == Binary("gt", Call("now", ()), Path(("orders",)))


def test_orderby_select_and_nested_expand() -> None:
    assert parse("$orderby", "result DESC, id") == [
        OrderItem(Path(("result",)), True),
        OrderItem(Path(("id",)), False),
    ]
    assert parse("$select", "name,@iot.id") == [Path(("name",)), Path(("@iot.id",))]
    (item,) = parse("$expand", "Datastreams($top=2;$count=true;$expand=Observations($select=result))")
    assert isinstance(item, ExpandItem)
    assert item.options["$top"] == 2
    assert item.options["$count"] is True
    assert item.options["$expand"] == [ExpandItem(("Observations",), {"$select": [Path(("result",))]})]


@pytest.mark.parametrize(
    ("option", "text", "message"),
    [
        ("$filter", "name eq", "ends too early"),
        ("$filter", "name eq 'x' and", "ends too early"),
        ("$filter", "(name eq 'x'", "ends too early"),
        ("$filter", "name eq 'x')", "unexpected ')' at position 12"),
        ("$filter", "name == 'x'", "unexpected '=' at position 6"),
        ("$filter", "name eq 'x", "position 9"),
        ("$filter", "x eq 2024-13-45T00:00:00Z", "not a date-time"),
        ("$orderby", "name up", "unexpected 'up' at position 6"),
        ("$expand", "Datastreams($top=x)", "position 18"),
    ],
)
def test_errors_name_the_place(option: str, text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)) as caught:
        parse(option, text)
    assert caught.value.message.startswith(f"{option}: ")
