"""Query options of one request (or of one ``$expand`` entry): parsed, checked against the entity type, capped."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from citybrain.core.errors import InvalidInput
from citybrain.core.inputs import ascii_digits
from citybrain.sensing.entities import EntityType, navigation, target
from citybrain.sensing.filter_grammar import ExpandItem, Node, OrderItem, Path, parse

KNOWN = ("$top", "$skip", "$count", "$orderby", "$select", "$expand", "$filter")


@dataclass
class Expand:
    nav: str
    options: QueryOptions


@dataclass
class QueryOptions:
    top: int | None = None
    skip: int = 0
    count: bool = False
    orderby: list[OrderItem] = field(default_factory=list)
    select: list[str] | None = None
    expand: list[Expand] = field(default_factory=list)
    filter: Node | None = None

    def page_size(self, maximum: int) -> int:
        """``$top``, cut to the server's maximum page size."""
        return maximum if self.top is None else min(self.top, maximum)


#: The largest $top/$skip taken (larger would overflow a database's OFFSET).
LARGEST = 1_000_000_000


def _non_negative(option: str, text: str) -> int:
    if not ascii_digits(text) or int(text) > LARGEST:
        raise InvalidInput(f"{option} must be a whole number from 0 to {LARGEST}, not {text!r}")
    return int(text)


def _boolean(option: str, text: str) -> bool:
    if text not in ("true", "false"):
        raise InvalidInput(f"{option} must be true or false, not {text!r}")
    return text == "true"


def from_params(params: Mapping[str, str], entity: EntityType) -> QueryOptions:
    """The request's ``$…`` parameters; an unknown ``$option`` is a 400 (other parameters are left alone)."""
    unknown = [k for k in params if k.startswith("$") and k not in KNOWN]
    if unknown:
        raise InvalidInput(f"unsupported query option {unknown[0]}; supported: {', '.join(KNOWN)}")
    raw: dict[str, Any] = {}
    if "$top" in params:
        raw["$top"] = _non_negative("$top", params["$top"])
    if "$skip" in params:
        raw["$skip"] = _non_negative("$skip", params["$skip"])
    if "$count" in params:
        raw["$count"] = _boolean("$count", params["$count"])
    for option in ("$orderby", "$select", "$expand", "$filter"):
        if option in params:
            raw[option] = parse(option, params[option])
    return build(raw, entity)


def _select(paths: list[Path], entity: EntityType) -> list[str]:
    names = []
    for path in paths:
        name = "id" if path.segments == ("@iot.id",) else "/".join(path.segments)
        if entity.prop(name) is None and entity.nav(name) is None:
            raise InvalidInput(f"$select: {entity.name} has no property {name!r}")
        names.append(name)
    return names


def _expand(items: list[ExpandItem], entity: EntityType) -> list[Expand]:
    """``A/B(opts)`` becomes ``A($expand=B(opts))``; entries for the same link are merged."""
    merged: dict[str, dict[str, Any]] = {}
    for item in items:
        head, rest = item.path[0], item.path[1:]
        options = dict(item.options) if not rest else {"$expand": [ExpandItem(rest, item.options)]}
        slot = merged.setdefault(head, {})
        for key, value in options.items():
            slot[key] = slot.get(key, []) + value if key == "$expand" else value
    expands = []
    for name, options in merged.items():
        nav = navigation(entity, name)
        expands.append(Expand(name, build(options, target(nav))))
    return expands


def build(raw: dict[str, Any], entity: EntityType) -> QueryOptions:
    for option in ("$top", "$skip"):
        if raw.get(option, 0) > LARGEST:
            raise InvalidInput(f"{option} must be at most {LARGEST}")
    return QueryOptions(
        top=raw.get("$top"),
        skip=raw.get("$skip", 0),
        count=raw.get("$count", False),
        orderby=raw.get("$orderby", []),
        select=_select(raw["$select"], entity) if "$select" in raw else None,
        expand=_expand(raw.get("$expand", []), entity),
        filter=raw.get("$filter"),
    )
