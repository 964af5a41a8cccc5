"""docs/joint_handling.md documents every part state and action, every report-in state and every joint KPI."""

from __future__ import annotations

from pathlib import Path

from citybrain.cases.joint import PART_STATE_NAMES, PART_TRANSITIONS, REPORT_IN_NAMES
from citybrain.cases.joint_kpis import JOINT_KPIS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "joint_handling.md").read_text(encoding="utf-8")


def _rows() -> set[tuple[str, str]]:
    rows = set()
    for line in DOC.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("`"):
            rows.add((cells[0].strip("`"), cells[1]))
    return rows


def test_every_state_action_and_kpi_has_its_row() -> None:
    rows = _rows()
    wanted = {(s.value, zh) for s, (zh, _en) in PART_STATE_NAMES.items()}
    wanted |= {(a, t.name_zh) for a, t in PART_TRANSITIONS.items()}
    wanted |= {(r.value, zh) for r, (zh, _en) in REPORT_IN_NAMES.items()}
    wanted |= {(k.name, k.name_zh) for k in JOINT_KPIS}
    assert wanted - rows == set()
