"""The sensing package stays pure where the brief says so: it imports only what its layer allows of ours (core,
models, auth, analytics — tools/layers.py), and the index and report modules do no I/O (only numpy, pyarrow and
the standard library's non-I/O modules)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import citybrain.sensing

PACKAGE = Path(citybrain.sensing.__file__).parent
PURE = {"aqi.py", "air_grid.py", "air_report.py"}
PURE_ALLOWED = {"__future__", "collections", "dataclasses", "datetime", "typing", "numpy", "pyarrow", "citybrain"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_sensing_imports_only_its_layer_of_ours(path: Path) -> None:
    ours = {n for n in _imports(path) if n.startswith("citybrain")}
    allowed = ("citybrain.core", "citybrain.models", "citybrain.auth", "citybrain.analytics", "citybrain.sensing")
    assert all(n.startswith(allowed) for n in ours), ours


@pytest.mark.parametrize("name", sorted(PURE))
def test_index_and_reports_do_no_io(name: str) -> None:
    roots = {n.split(".")[0] for n in _imports(PACKAGE / name)}
    assert roots <= PURE_ALLOWED, roots - PURE_ALLOWED
