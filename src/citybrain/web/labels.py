"""The pages' label catalogue, assembled from the domains' registries (the mechanism is :mod:`citybrain.core.i18n`).

Templates read it through the Jinja environment (``labels["kpi.response_rate"]``, ``value | percent``); the desk's
script gets it as JSON (:func:`for_desk`), with the city's time zone so the browser can show times as the city
reads them.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Environment

from citybrain.alerts.service import ACTION_NAMES as ALERT_ACTION_NAMES
from citybrain.alerts.service import STATUS_NAMES as ALERT_STATUS_NAMES
from citybrain.alerts.service import TRANSITIONS as ALERT_TRANSITIONS
from citybrain.cases.joint import (
    JOINT_EVENT_NAMES,
    PART_STATE_NAMES,
    PART_TRANSITIONS,
    REPORT_IN_NAMES,
    ROLE_NAMES,
)
from citybrain.cases.joint_kpis import JOINT_KPIS
from citybrain.cases.kpis import KPIS
from citybrain.cases.lifecycle import STATUS_NAMES, TRANSITIONS
from citybrain.cases.record import REQUEST_TYPES
from citybrain.cases.schemas import CHANNELS
from citybrain.core.i18n import Label, bilingual, catalogue, percent, section

#: The steps of a case the public timeline shows (portal 进度查询), as a citizen reads them; internal steps (notes,
#: reminders, supervision, a department's 退单) are not among them.
TIMELINE_NAMES: dict[str, Label] = {
    "receive": ("已受理", "received"),
    "dispatch": ("已派单", "dispatched"),
    "reassign": ("已改派", "reassigned"),
    "accept": ("已签收", "signed for"),
    "start": ("开始办理", "work started"),
    "resolve": ("已答复", "replied"),
    "callback": ("已回访", "called back"),
    "close": ("已结案", "closed"),
    "reopen": ("重新办理", "reopened"),
    "merge": ("已合并", "merged"),
    "invalidate": ("无效件", "marked invalid"),
}

LABELS: dict[str, Label] = catalogue(
    {
        "kpi": {k.name: (k.name_zh, k.name_en) for k in KPIS},
        "kpi_short": {k.name: k.short for k in KPIS if k.short},
        "status": {s.value: names for s, names in STATUS_NAMES.items()},
        "action": {a: (t.name_zh, t.name_en) for a, t in TRANSITIONS.items()},
        "alert_status": ALERT_STATUS_NAMES,
        "alert_action": ALERT_ACTION_NAMES,
        "timeline": TIMELINE_NAMES,
        "part_state": {s.value: names for s, names in PART_STATE_NAMES.items()},
        "part_role": {r.value: names for r, names in ROLE_NAMES.items()},
        "part_action": {a: (t.name_zh, t.name_en) for a, t in PART_TRANSITIONS.items()},
        "report_in": {r.value: names for r, names in REPORT_IN_NAMES.items()},
        "joint_event": JOINT_EVENT_NAMES,
        "joint_kpi": {k.name: (k.name_zh, k.name_en) for k in JOINT_KPIS},
        "cockpit": {
            "volume": ("受理量", "cases received"),
            "last_year": ("去年同期", "same period last year"),
            "category": ("类别", "category"),
            "district": ("区", "district"),
            "channel": ("渠道", "channel"),
            "request_type": ("诉求类型", "request type"),
            "department": ("承办单位", "department"),
            "overdue": ("超期", "overdue"),
            "density": ("工单密度", "case density"),
            "air": ("空气质量站", "air station"),
            "alert": ("预警", "alert"),
            "hot": ("热点", "hot issue"),
            "blind_zone": ("右转盲区", "right-turn blind zone"),
            "expected": ("预期", "expected"),
            "score": ("综合得分", "score"),
            "rank": ("排名", "rank"),
            "cases": ("件", "cases"),
        },
    }
)


def install(env: Environment) -> None:
    """Give every template ``labels`` and the filters ``percent`` and ``bilingual``."""
    env.globals["labels"] = LABELS
    env.filters["percent"] = percent
    env.filters["bilingual"] = bilingual


def for_desk(zone: str) -> dict[str, Any]:
    """The desk script's JSON: each section as ``{name: [中文, English]}`` (alert actions also list the statuses
    they start from), every label flat under ``labels``, and the city's zone (``CITYBRAIN_TIMEZONE``)."""
    return {
        "statuses": _lists(section(LABELS, "status")),
        "actions": _lists(section(LABELS, "action")),
        "alert_actions": {
            a: [*LABELS[f"alert_action.{a}"], sorted(sources)] for a, (sources, _target) in ALERT_TRANSITIONS.items()
        },
        "alert_statuses": _lists(section(LABELS, "alert_status")),
        "kpis": _lists(section(LABELS, "kpi")),
        "part_states": _lists(section(LABELS, "part_state")),
        "part_roles": _lists(section(LABELS, "part_role")),
        "part_actions": {
            a: [*LABELS[f"part_action.{a}"], sorted(s.value for s in t.sources), t.needs, sorted(t.roles)]
            for a, t in PART_TRANSITIONS.items()
        },
        "report_in": _lists(section(LABELS, "report_in")),
        "joint_events": _lists(section(LABELS, "joint_event")),
        "channels": {code: list(_pair(description)) for code, description in CHANNELS.items()},
        "request_types": {zh: [zh, en] for zh, en in REQUEST_TYPES.items()},
        "labels": _lists(LABELS),
        "zone": zone,
    }


def _pair(description: str) -> tuple[str, str]:
    """``"12345 热线电话 hotline call"`` → ``("12345 热线电话", "hotline call")``: Chinese up to its last character."""
    found = re.match(r"^(.*[\u4e00-\u9fff])\s+(.*)$", description)
    return (found.group(1), found.group(2)) if found else (description, description)


def for_cockpit(zone: str) -> dict[str, Any]:
    """The cockpit script's JSON: the KPI names, the cockpit's own labels, statuses and the city's zone."""
    return {
        "kpis": _lists(section(LABELS, "kpi")),
        "cockpit": _lists(section(LABELS, "cockpit")),
        "statuses": _lists(section(LABELS, "status")),
        "zone": zone,
    }


def _lists(labels: dict[str, Label]) -> dict[str, list[str]]:
    return {name: list(label) for name, label in labels.items()}
