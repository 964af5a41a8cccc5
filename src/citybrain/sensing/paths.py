"""Resource paths after ``/sta/v1.1/``: ``Things``, ``Things(1)``, ``Things(1)/Datastreams``, ``Things(1)/name``."""

from __future__ import annotations

from dataclasses import dataclass

from citybrain.core.errors import InvalidInput
from citybrain.core.inputs import MAX_INT64, ascii_digits


@dataclass(frozen=True)
class Segment:
    name: str
    id: int | None = None


def _segment(text: str) -> Segment:
    name, bracket, rest = text.partition("(")
    if not bracket:
        return Segment(text)
    if not rest.endswith(")"):
        raise InvalidInput(f"bad path segment {text!r}: expected Name(id)")
    key = rest[:-1].strip()
    if not ascii_digits(key) or int(key) > MAX_INT64:
        raise InvalidInput(f"bad id {key!r} in {text!r}: ids are whole numbers below 2^63")
    return Segment(name, int(key))


def parse_path(path: str) -> list[Segment]:
    parts = [p for p in path.strip("/").split("/") if p]
    if any(p == "$ref" for p in parts):
        raise InvalidInput('$ref is not supported; link entities by {"@iot.id": n} in a POST or PATCH body')
    return [_segment(p) for p in parts]
