"""The package layers of CityBrain, declared once, and the check that keeps every import pointing down.

    python tools/layers.py check     # every import that runs against the table, as file:line; exit 1 if any
    python tools/layers.py graph     # the package graph as drawn in docs/architecture.md (Mermaid), from the code
    python tools/layers.py table     # the table of packages and what each may import, as in docs/architecture.md

Every ``import`` and ``from … import`` of ``citybrain`` counts — at module top, inside functions and under
``TYPE_CHECKING`` alike — because a lazy import hides a dependency, it does not remove it. ``tests/test_layers.py``
runs the check, plants a wrong-way import to see it fail, and keeps the two docs blocks equal to this file's output.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "citybrain"

_BASE = frozenset({"core"})
_DATA = _BASE | {"models"}
_LIBRARIES = frozenset({"geo", "nlp"})  # text and place libraries over core only; any domain may use them
_DOMAIN_BASE = _DATA | {"auth"} | _LIBRARIES

#: package → the packages it may import (lowest first). A package not listed here may not exist.
LAYERS: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "models": _BASE,
    "migrations": _DATA,
    "geo": _BASE,
    "nlp": _BASE,
    "analytics": _BASE,
    "auth": _DATA,
    "directory": _DOMAIN_BASE,
    "simulate": _DOMAIN_BASE | {"directory"},
    "cases": _DOMAIN_BASE | {"directory"},
    "alerts": _DATA | {"auth"},
    "sensing": _DATA | {"auth", "analytics"},
    "insight": _DOMAIN_BASE | {"directory", "cases", "alerts", "analytics", "sensing"},
    "triage": _DOMAIN_BASE | {"directory", "simulate", "cases"},
    "intake": _DOMAIN_BASE | {"directory", "cases", "triage"},
    "services": _DOMAIN_BASE | {"directory"},
    "reports": _DOMAIN_BASE | {"directory", "cases", "analytics", "insight"},
    "grid": _DOMAIN_BASE | {"directory", "simulate", "cases"},
    "scenarios": _DOMAIN_BASE | {"directory", "sensing", "alerts", "analytics", "insight"},
    "knowledge": _DOMAIN_BASE,
    "web": frozenset(),  # filled below: everything but cli
    "cli": frozenset(),  # everything
}
_ALL = frozenset(LAYERS)
LAYERS["web"] = _ALL - {"web", "cli"}
LAYERS["cli"] = _ALL - {"cli"}

#: What each package is for, one line (the docs table's middle column).
PURPOSE: dict[str, str] = {
    "core": "settings, database and the one transaction boundary, request dependencies, errors, clock, privacy",
    "models": "every ORM table (one import for Alembic)",
    "migrations": "Alembic environment and versions",
    "geo": "place names in text (zh/en), the gazetteer, locating a message (a library over core)",
    "nlp": "classifier, near-duplicate index, reply quality (a library over core)",
    "analytics": "pure statistics on arrays and DuckDB counting: associations, hot issues, detectors, scan",
    "auth": "API keys, roles and permissions, the caller as a request dependency",
    "directory": "taxonomy, departments, districts, routing rules, SLA policies, the directory snapshot",
    "simulate": "the synthetic Demo City and its loader",
    "cases": "lifecycle, SLA clock, transitions, callbacks, KPIs, the case policy, the case table for analyses",
    "alerts": "early-warning records, their life, notifications after commit",
    "sensing": "the SensorThings API v1.1 (things, datastreams, observations), air quality (HJ 633), sensor files",
    "insight": "the registry of analyses (open → count → judge → store) and their stored runs",
    "triage": "every new case read at intake: category, place, repeats, department; the human queue",
    "intake": "channels: Open311 GeoReport v2, bulk importers, the group-commit writer",
    "reports": "monthly KPI ranking and reply quality",
    "grid": "grid management (网格化管理): cells, grid workers, inspections through intake, patrols, 未诉先办",
    "services": "online services (互联网+政务服务): catalogue, applications on a working-day clock, attachments, KPIs",
    "scenarios": "barrier-free car parks (无杆停车), right-turn blind zones (右转盲区), on sensing and analytics",
    "knowledge": "the hotline knowledge base (知识库): items, review and versions, smart-answer search",
    "web": "the app factory, pages (landing, portal, desk), GET /me",
    "cli": "the citybrain command",
}

#: Imports the table does not allow but the design accepts, each with its reason (docs/architecture.md names them).
DEPARTURES: dict[tuple[str, str], str] = {
    ("analytics/hot_text.py", "geo"): "hot-issue grouping is text analytics: it reads place names with geo's extractor",
    ("analytics/hot_text.py", "nlp"): "hot-issue grouping shingles text with nlp's near-duplicate normaliser",
}


@dataclass(frozen=True)
class Import:
    source: str  # path below src/citybrain, e.g. "cases/api.py"
    line: int
    target: str  # the imported package, e.g. "auth"

    @property
    def package(self) -> str:
        return package_of(self.source)

    def __str__(self) -> str:
        return f"src/citybrain/{self.source}:{self.line}: {self.package} imports {self.target}"


def package_of(relative: str) -> str:
    parts = Path(relative).parts
    return parts[0] if len(parts) > 1 else ""


def _targets(node: ast.AST) -> list[str]:
    """The ``citybrain`` packages a node imports (``from citybrain import x`` names package ``x``)."""
    if isinstance(node, ast.Import):
        return [a.name.split(".")[1] for a in node.names if a.name.startswith("citybrain.")]
    if not isinstance(node, ast.ImportFrom) or node.level != 0 or node.module is None:
        return []
    if node.module == "citybrain":
        return [a.name for a in node.names if a.name in LAYERS]
    return [node.module.split(".")[1]] if node.module.startswith("citybrain.") else []


def imports(src: Path = SRC) -> list[Import]:
    """Every import of another citybrain package in the tree, in file and line order."""
    found = []
    for path in sorted(src.rglob("*.py")):
        relative = path.relative_to(src).as_posix()
        own = package_of(relative)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                found += [Import(relative, node.lineno, t) for t in _targets(node) if t != own]
    return sorted(found, key=lambda i: (i.source, i.line))


def violations(found: list[Import]) -> list[str]:
    """Imports against the table (a departure listed in :data:`DEPARTURES` excepted), and unknown packages."""
    problems = []
    for imp in found:
        if imp.package not in LAYERS:
            problems.append(f"{imp}: package {imp.package!r} is not in tools/layers.py LAYERS")
        elif imp.target not in LAYERS[imp.package] and (imp.source, imp.target) not in DEPARTURES:
            problems.append(f"{imp}, which the layers do not allow (it may import: {_may(imp.package)})")
    return problems


def _may(package: str) -> str:
    return ", ".join(sorted(LAYERS[package])) or "nothing of ours"


def edges(found: list[Import]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for imp in found:
        counts[(imp.package, imp.target)] += 1
    return dict(sorted(counts.items()))


def cycles(graph: dict[tuple[str, str], int]) -> list[list[str]]:
    """Strongly connected components of more than one package; empty when the graph is a DAG.

    Two packages share a component when each reaches the other; reachability by a depth-first walk is plenty for
    twenty packages.
    """
    nodes = sorted({n for edge in graph for n in edge})
    succ = {n: {b for a, b in graph if a == n} for n in nodes}
    reach = {n: _reachable(n, succ) for n in nodes}
    components: list[list[str]] = []
    for node in nodes:
        component = sorted(m for m in nodes if m in reach[node] and node in reach[m]) if node in reach[node] else []
        if len(component) > 1 and component not in components:
            components.append(component)
    return components


def _reachable(start: str, succ: dict[str, set[str]]) -> set[str]:
    """Every package reached from ``start`` by one or more imports."""
    seen: set[str] = set()
    todo = list(succ[start])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(succ[node])
    return seen


def mermaid(graph: dict[tuple[str, str], int]) -> str:
    """The package graph (edges point from importer to imported). Counts are left out on purpose: the picture
    changes when a package starts or stops depending on another, not with every import statement."""
    lines = ["```mermaid", "flowchart BT"]
    lines += [f"  {a} --> {b}" for (a, b) in graph if a]
    lines.append("```")
    return "\n".join(lines)


def table() -> str:
    rows = ["| package | owns | may import |", "|---|---|---|"]
    rows += [f"| `{p}` | {PURPOSE[p]} | {_may(p)} |" for p in LAYERS]
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    found = imports()
    if command == "graph":
        print(mermaid(edges(found)))
        return 0
    if command == "table":
        print(table())
        return 0
    if command != "check":
        print(__doc__)
        return 2
    problems = violations(found) + [f"package cycle: {' ↔ '.join(c)}" for c in cycles(edges(found))]
    print("\n".join(problems) if problems else f"{len(found)} imports between packages, all pointing down")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
