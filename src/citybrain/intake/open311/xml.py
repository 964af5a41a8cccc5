"""Open311 bodies in both wire formats, from one Python structure.

The spec's JSON is the "Spark convention" mapping of its XML: a list in JSON is a wrapper element in XML
whose children take the singular name (``attributes`` → ``<attribute>``, ``values`` → ``<value>``). Writing
XML by hand from that rule keeps the two formats identical in content and costs far less per request than
building a DOM.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.responses import Response

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
FORMATS = ("json", "xml")

#: Child element name of each list-valued field (the Spark convention's singular).
SINGULAR = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}

# Characters XML 1.0 cannot carry at all (control characters other than tab, newline, return).
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _ILLEGAL_XML.sub("", str(value)).translate(_ESCAPES)


def _element(tag: str, value: Any, out: list[str]) -> None:
    if value is None or value == "":
        out.append(f"<{tag}/>")
    elif isinstance(value, Mapping):
        out.append(f"<{tag}>")
        for key, item in value.items():
            _element(key, item, out)
        out.append(f"</{tag}>")
    elif isinstance(value, list | tuple):
        child = SINGULAR.get(tag, "item")
        out.append(f"<{tag}>")
        for item in value:
            _element(child, item, out)
        out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}>{_text(value)}</{tag}>")


def to_xml(root: str, body: Mapping[str, Any] | Sequence[Any]) -> str:
    """Serialise ``body`` under ``root``; a sequence becomes the root's repeated singular children."""
    out = ['<?xml version="1.0" encoding="utf-8"?>']
    _element(root, body, out)
    return "".join(out)


def to_json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def respond(fmt: str, root: str, body: Mapping[str, Any] | Sequence[Any], status_code: int = 200) -> Response:
    """The response in the asked format, with the content types the spec (and validators) match exactly."""
    if fmt == "xml":
        return Response(to_xml(root, body).encode("utf-8"), status_code=status_code, media_type=XML_TYPE)
    return Response(to_json(body), status_code=status_code, media_type=JSON_TYPE)
