"""JSON Patch (RFC 6902) on an entity's own properties, as FROST accepts with ``application/json-patch+json``.

Only ``add``, ``replace``, ``remove`` and ``test`` on paths into the properties (``/name``, ``/properties/owner``);
links are changed with an ordinary PATCH body.
"""

from __future__ import annotations

import copy
from typing import Any

from citybrain.core.errors import InvalidInput


def _pointer(path: Any) -> list[str]:
    if not isinstance(path, str) or not path.startswith("/"):
        raise InvalidInput(f"JSON Patch: a path is a JSON pointer such as /name, not {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(document: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    node: Any = document
    for key in keys[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            node = {}
    if not isinstance(node, dict):
        raise InvalidInput(f"JSON Patch: /{'/'.join(keys)} is not inside an object")
    return node


def apply(document: dict[str, Any], operations: list[Any]) -> dict[str, Any]:
    """The document after ``operations``; 400 for an operation we do not apply."""
    result = copy.deepcopy(document)
    for operation in operations:
        if not isinstance(operation, dict) or operation.get("op") not in ("add", "replace", "remove", "test"):
            raise InvalidInput(f"JSON Patch: supported operations are add, replace, remove, test; not {operation!r}")
        keys = _pointer(operation.get("path"))
        if len(keys) > 1 and keys[0] not in result:
            result[keys[0]] = {}
        parent = _parent(result, keys)
        if operation["op"] == "remove":
            parent.pop(keys[-1], None)
        elif operation["op"] == "test":
            if parent.get(keys[-1]) != operation.get("value"):
                raise InvalidInput(f"JSON Patch: test of {operation['path']} failed")
        else:
            parent[keys[-1]] = operation.get("value")
    return result
