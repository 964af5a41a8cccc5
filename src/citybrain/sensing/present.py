"""Entities as the standard's JSON: ``@iot.id``, ``@iot.selfLink``, properties, ``<Nav>@iot.navigationLink``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from citybrain.models.sensing import RESULT_BOOLEAN, RESULT_INTEGER, RESULT_JSON, RESULT_NUMBER, RESULT_STRING
from citybrain.sensing.entities import EntityType, Prop

#: Optional properties shown even when empty (the standard lists them as present with null).
ALWAYS = {("Observation", "resultTime")}


def iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    if when.tzinfo is not UTC:
        when = when.astimezone(UTC)
    text = when.isoformat(timespec="milliseconds" if when.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def decode_result(kind: int, number: float | None, text: str | None, other: Any) -> Any:
    """An Observation's result from the column its ``result_type`` names."""
    if kind == RESULT_NUMBER:
        return number
    if kind == RESULT_INTEGER:
        return None if number is None else int(number)
    if kind == RESULT_BOOLEAN:
        return bool(number)
    if kind == RESULT_STRING:
        return text
    if kind == RESULT_JSON:
        return other
    return None


def result_of(row: Any) -> Any:
    return decode_result(row.result_type, row.result_number, row.result_string, row.result_json)


def value_of(prop: Prop, row: Any) -> Any:
    if prop.kind == "result":
        return result_of(row)
    value = getattr(row, prop.attr)
    if prop.kind == "time":
        return iso(value)
    if prop.kind == "interval":
        end = getattr(row, str(prop.end))
        if value is None:
            return None
        return iso(value) if end is None or end == value else f"{iso(value)}/{iso(end)}"
    return value


def self_link(base: str, entity: EntityType, entity_id: int) -> str:
    return f"{base}/{entity.plural}({entity_id})"


def entity_json(entity: EntityType, row: Any, base: str, select: list[str] | None = None) -> dict[str, Any]:
    """One entity; with ``$select`` only the chosen properties and links (``id`` brings ``@iot.id`` and the link)."""
    chosen = set(select) if select is not None else None
    out: dict[str, Any] = {}
    link = self_link(base, entity, row.id)
    if chosen is None or "id" in chosen:
        out["@iot.id"] = row.id
        out["@iot.selfLink"] = link
    for prop in entity.props:
        if prop.name == "id" or (chosen is not None and prop.name not in chosen):
            continue
        value = value_of(prop, row)
        if value is not None or prop.required or (entity.name, prop.name) in ALWAYS or chosen is not None:
            out[prop.name] = value
    for nav in entity.navs:
        if chosen is None or nav.name in chosen:
            out[f"{nav.name}@iot.navigationLink"] = f"{link}/{nav.name}"
    return out


def _interval(start: datetime | None, end: datetime | None) -> str | None:
    if start is None:
        return None
    return iso(start) if end is None or end == start else f"{iso(start)}/{iso(end)}"


def observation_json(base: str, ident: int, v: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`entity_json` of an Observation made from its column values: the message of every new Observation,
    so written out rather than walked over the properties (that walk was most of the publisher's time). Equal to
    ``entity_json`` for any values (tests/sensing/test_present.py)."""
    link = f"{base}/Observations({ident})"
    out: dict[str, Any] = {"@iot.id": ident, "@iot.selfLink": link}
    phenomenon = _interval(v.get("phenomenon_time_start"), v.get("phenomenon_time_end"))
    if phenomenon is not None:
        out["phenomenonTime"] = phenomenon
    out["resultTime"] = iso(v.get("result_time"))
    result = v.get("result_number"), v.get("result_string"), v.get("result_json")
    out["result"] = decode_result(v["result_type"], *result)
    if v.get("result_quality") is not None:
        out["resultQuality"] = v["result_quality"]
    valid = _interval(v.get("valid_time_start"), v.get("valid_time_end"))
    if valid is not None:
        out["validTime"] = valid
    if v.get("parameters") is not None:
        out["parameters"] = v["parameters"]
    out["Datastream@iot.navigationLink"] = f"{link}/Datastream"
    out["FeatureOfInterest@iot.navigationLink"] = f"{link}/FeatureOfInterest"
    return out


_PLAIN_MESSAGE = frozenset((RESULT_NUMBER, RESULT_INTEGER))


@lru_cache(maxsize=64)
def _escaped(text: str) -> str:
    """``text`` as it stands inside a JSON string (the service root: the same for every message of a request)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def observation_text(base: str, ident: int, v: Mapping[str, Any]) -> str:
    """``json.dumps(observation_json(…), ensure_ascii=False)``, written out directly for the usual Observation (a
    number, no resultQuality, validTime or parameters): half the cost of building the dict and encoding it. The same
    text for any values (tests/sensing/test_present.py)."""
    number, kind = v.get("result_number"), v["result_type"]
    unusual = v.get("result_quality") is not None or v.get("parameters") is not None
    if unusual or v.get("valid_time_start") is not None or kind not in _PLAIN_MESSAGE or number is None:
        return json.dumps(observation_json(base, ident, v), ensure_ascii=False)
    if number != number or number in (float("inf"), float("-inf")):
        return json.dumps(observation_json(base, ident, v), ensure_ascii=False)
    link = f"{_escaped(base)}/Observations({ident})"
    phenomenon = _interval(v.get("phenomenon_time_start"), v.get("phenomenon_time_end"))
    when = iso(v.get("result_time"))
    result_time = "null" if when is None else f'"{when}"'
    result = repr(float(number)) if kind == RESULT_NUMBER else str(int(number))
    return "".join(
        (
            f'{{"@iot.id": {ident}, "@iot.selfLink": "{link}", ',
            "" if phenomenon is None else f'"phenomenonTime": "{phenomenon}", ',
            f'"resultTime": {result_time}, "result": {result}, ',
            f'"Datastream@iot.navigationLink": "{link}/Datastream", ',
            f'"FeatureOfInterest@iot.navigationLink": "{link}/FeatureOfInterest"}}',
        )
    )
