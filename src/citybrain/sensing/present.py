"""Entities as the standard's JSON: ``@iot.id``, ``@iot.selfLink``, properties, ``<Nav>@iot.navigationLink``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from citybrain.models.sensing import RESULT_BOOLEAN, RESULT_INTEGER, RESULT_JSON, RESULT_NUMBER, RESULT_STRING
from citybrain.sensing.entities import EntityType, Prop

#: Optional properties shown even when empty (the standard lists them as present with null).
ALWAYS = {("Observation", "resultTime")}


def iso(when: datetime | None) -> str | None:
    if when is None:
        return None
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
