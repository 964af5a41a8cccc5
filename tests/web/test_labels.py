"""The pages' catalogue is assembled from the registries: every KPI, status and action is named in both languages."""

from __future__ import annotations

from citybrain.alerts.service import STATUS_NAMES as ALERT_STATUS_NAMES
from citybrain.alerts.service import TRANSITIONS as ALERT_TRANSITIONS
from citybrain.cases.joint import PART_TRANSITIONS, PartRole, PartState, ReportIn
from citybrain.cases.joint_kpis import JOINT_KPIS
from citybrain.cases.kpis import KPIS
from citybrain.cases.lifecycle import TRANSITIONS, Status
from citybrain.core.i18n import section
from citybrain.web.labels import LABELS


def test_every_registry_entry_has_its_label() -> None:
    assert section(LABELS, "kpi") == {k.name: (k.name_zh, k.name_en) for k in KPIS}
    assert set(section(LABELS, "status")) == {s.value for s in Status}
    assert set(section(LABELS, "action")) == set(TRANSITIONS)
    assert set(section(LABELS, "alert_action")) == set(ALERT_TRANSITIONS)
    assert (
        set(section(LABELS, "alert_status"))
        == set(ALERT_STATUS_NAMES)
        == {target for _sources, target in ALERT_TRANSITIONS.values()}
    )


def test_the_short_heads_of_the_cli_come_from_the_kpi_registry() -> None:
    assert LABELS["kpi_short.satisfaction_rate"] == ("满意率", "satisfied")
    assert {name.removeprefix("kpi_short.") for name in LABELS if name.startswith("kpi_short.")} == {
        k.name for k in KPIS if k.short
    }


def test_every_joint_registry_entry_has_its_label() -> None:
    assert set(section(LABELS, "part_state")) == {s.value for s in PartState}
    assert set(section(LABELS, "part_role")) == {r.value for r in PartRole}
    assert set(section(LABELS, "part_action")) == set(PART_TRANSITIONS)
    assert set(section(LABELS, "report_in")) == {r.value for r in ReportIn}
    assert set(section(LABELS, "joint_kpi")) == {k.name for k in JOINT_KPIS}
    assert set(section(LABELS, "joint_event")) == {"part_add", "whistle", "report_in"} | {
        f"part_{a}" for a in PART_TRANSITIONS
    }
