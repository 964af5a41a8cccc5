"""The package graph is a DAG that points down the layers of tools/layers.py, and the docs draw the real graph."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_layers() -> ModuleType:
    spec = importlib.util.spec_from_file_location("citybrain_layers", ROOT / "tools" / "layers.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


layers = _load_layers()


def test_every_import_points_down_the_layers() -> None:
    found = layers.imports()
    assert len(found) > 300  # the walk really read the tree
    assert layers.violations(found) == []


def test_no_package_cycle() -> None:
    assert layers.cycles(layers.edges(layers.imports())) == []


def test_the_layer_table_itself_is_a_dag() -> None:
    allowed = {(a, b): 1 for a, targets in layers.LAYERS.items() for b in targets}
    assert layers.cycles(allowed) == []


def test_every_package_is_in_the_table() -> None:
    packages = {p.name for p in layers.SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages <= set(layers.LAYERS)
    assert set(layers.PURPOSE) == set(layers.LAYERS)


def _plant(tmp_path: Path, package: str, source: str) -> Path:
    src = tmp_path / "citybrain"
    for name in ("core", "cases", package):
        (src / name).mkdir(parents=True, exist_ok=True)
        (src / name / "__init__.py").write_text("")
    (src / package / "planted.py").write_text(source)
    return src


@pytest.mark.parametrize(
    "source",
    [
        "from citybrain.cases import service\n",  # at module top
        "def f():\n    import citybrain.cases.api\n",  # lazy, inside a function
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from citybrain import cases\n",
    ],
)
def test_a_planted_wrong_way_import_is_named_with_file_and_line(tmp_path: Path, source: str) -> None:
    src = _plant(tmp_path, "core", source)
    problems = layers.violations(layers.imports(src))
    line = source.count("\n")  # the import is the last line of each snippet
    assert problems == [
        f"src/citybrain/core/planted.py:{line}: core imports cases, which the layers do not allow "
        "(it may import: nothing of ours)"
    ]


def test_a_planted_cycle_is_found(tmp_path: Path) -> None:
    src = _plant(tmp_path, "core", "from citybrain.cases import x\n")
    (src / "cases" / "back.py").write_text("from citybrain.core import y\n")
    assert layers.cycles(layers.edges(layers.imports(src))) == [["cases", "core"]]


def test_a_listed_departure_is_allowed_and_only_where_listed(tmp_path: Path) -> None:
    src = _plant(tmp_path, "analytics", "from citybrain.geo import places\n")
    (src / "analytics" / "hot_text.py").write_text("from citybrain.geo import places\n")
    problems = layers.violations(layers.imports(src))
    assert [p.split(":")[0] for p in problems] == ["src/citybrain/analytics/planted.py"]


def _block(text: str, start: str) -> str:
    begin = text.index(start) + len(start)
    return text[begin : text.index("<!-- end -->", begin)].strip()


def test_the_docs_show_the_table_and_the_graph_of_the_code() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    fix = "python tools/layers.py table|graph, pasted into docs/architecture.md"
    assert _block(doc, "<!-- layers:table -->") == layers.table(), fix
    assert _block(doc, "<!-- layers:graph -->") == layers.mermaid(layers.edges(layers.imports())), fix
