"""docs/grid.md documents every grid route, every `citybrain grid` command, every KPI figure and every kind a Demo
City patrol finds."""

from __future__ import annotations

from pathlib import Path

from fastapi.routing import APIRoute

from citybrain.cli.grid import app as grid_cli
from citybrain.grid.api import router
from citybrain.grid.kpis import Workload
from citybrain.grid.simulate import KINDS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "grid.md").read_text(encoding="utf-8")


def test_every_route_is_documented() -> None:
    paths = {f"/api/v1{r.path}" for r in router.routes if isinstance(r, APIRoute)}
    assert len(paths) == 7
    missing = {p for p in paths if p.replace("{inspection_id}", "{id}") not in DOC}
    assert missing == set()


def test_every_command_is_documented() -> None:
    names = {c.name for c in grid_cli.registered_commands}
    assert names == {"import", "demo", "simulate", "worker", "worker-key"}
    assert all(f"citybrain grid {name}" in DOC for name in names)


def test_every_kpi_figure_is_documented() -> None:
    figures = set(Workload().out()) | {"found_first_rate", "ahead_of_complaints_rate", "on_spot_rate"}
    assert {f for f in figures if f"`{f}`" not in DOC} == set()


def test_every_patrol_kind_is_named() -> None:
    named = {"sanitation.garbage": "garbage", "sanitation.vendors": "vendors", "sanitation.ads": "ads",
             "roads.damage": "pavement", "roads.lighting": "lamps", "public_safety.manhole": "manholes",
             "parking.bikes": "bikes", "greenery.damage": "green", "construction.site.muck": "muck"}  # fmt: skip
    assert {k.category for k in KINDS} == set(named)
    assert all(word in DOC for word in named.values())
