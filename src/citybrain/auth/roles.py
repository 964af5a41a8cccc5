"""Roles and what each may do, declared once (the API, CLI and docs read this table)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Permission(StrEnum):
    SUBMIT = "submit"  # create requests (Open311 POST, web form)
    READ_CASES = "read_cases"  # staff view of cases
    SEE_PII = "see_pii"  # citizen name / phone / ID unmasked
    DISPATCH = "dispatch"  # 派单, reassign, merge, invalidate, callbacks, reminders
    HANDLE = "handle"  # 签收, 退单, progress, reply — on the department's own cases
    MANAGE_DIRECTORY = "manage_directory"  # taxonomy, departments, routing, SLA
    READ_KPIS = "read_kpis"
    HANDLE_ALERTS = "handle_alerts"  # see and handle early-warning alerts (预警): acknowledge, snooze, close
    RANK_DEPARTMENTS = "rank_departments"  # reports that compare every department (排名); never a department's key
    WRITE_SENSORS = "write_sensors"  # SensorThings writes (/sta/v1.1); a sensor key only on the Things it created
    MODERATE = "moderate"  # approve or reject citizens' comments on the portal before they are public
    MANAGE_USERS = "manage_users"  # staff accounts, their roles and departments, API keys (/admin)
    READ_ACCESS_LOG = "read_access_log"  # who read or exported whose personal data (PIPL); administrators only
    POST_GATE_READS = "post_gate_reads"  # a gate (道闸) posts plate reads; a gate key for its own car park
    MANAGE_PARKING = "manage_parking"  # car parks, tariffs, passes; sessions, their pairing and bills (停车管理)
    INSPECT = "inspect"  # 巡查上报: file problems found on patrol, resolve on the spot, check in — on own cells
    READ_GRID = "read_grid"  # grid cells, inspections, patrol coverage (a grid worker: own cells only)
    SEE_ADDRESS = "see_address"  # a case's exact address (门牌) unmasked, the rest masked: a partner unit on site
    READ_KNOWLEDGE = "read_knowledge"  # the hotline knowledge base's items and staff answer search (知识库)
    EDIT_KNOWLEDGE = "edit_knowledge"  # write, review (another person's), publish and expire knowledge items


#: What a refused caller is told besides the permission's name.
REFUSAL_HINTS: dict[Permission, str] = {
    Permission.HANDLE_ALERTS: "operators, supervisors and administrators see and handle alerts",
    Permission.RANK_DEPARTMENTS: (
        "reports that rank every department are not for a department's key; it reads its own KPIs at /api/v1/kpis"
    ),
    Permission.MANAGE_DIRECTORY: "only administrators change the directory",
    Permission.MODERATE: "operators and administrators moderate the portal's comments",
    Permission.MANAGE_USERS: "only administrators manage staff accounts and API keys",
    Permission.WRITE_SENSORS: "SensorThings writes need a key of role sensor (a station or gateway) or admin",
    Permission.READ_ACCESS_LOG: "only administrators read the access log of personal data",
    Permission.POST_GATE_READS: "gate reads need a key of role gate (bound to its car park) or admin",
    Permission.MANAGE_PARKING: "operators and administrators manage car parks, sessions and bills",
    Permission.INSPECT: "inspections are filed with a grid worker's key (citybrain grid worker-key) or by an admin",
    Permission.READ_GRID: "grid workers (own cells), operators, supervisors and administrators read the grid",
    Permission.READ_KNOWLEDGE: "staff read the knowledge base; the public asks at /api/v1/knowledge/answers",
    Permission.EDIT_KNOWLEDGE: "operators and administrators edit, review and publish knowledge items",
}


@dataclass(frozen=True)
class Role:
    name: str
    title_zh: str
    title_en: str
    permissions: frozenset[Permission]


_ALL = frozenset(Permission)

ROLES: dict[str, Role] = {
    r.name: r
    for r in (
        Role("admin", "系统管理员", "administrator", _ALL),
        Role(
            "operator",
            "话务/派单员",
            "operator / dispatcher",
            _ALL
            - {
                Permission.MANAGE_DIRECTORY,
                Permission.WRITE_SENSORS,
                Permission.MANAGE_USERS,
                Permission.READ_ACCESS_LOG,
                Permission.POST_GATE_READS,
                Permission.INSPECT,
            },
        ),
        Role(
            "department",
            "承办单位",
            "department handler",
            frozenset(
                {
                    Permission.READ_CASES,
                    Permission.SEE_PII,
                    Permission.HANDLE,
                    Permission.READ_KPIS,
                    Permission.READ_KNOWLEDGE,
                }
            ),
        ),
        Role(
            "supervisor",
            "督查/领导",
            "supervisor",
            frozenset(
                {
                    Permission.READ_CASES,
                    Permission.READ_KPIS,
                    Permission.HANDLE_ALERTS,
                    Permission.RANK_DEPARTMENTS,
                    Permission.READ_GRID,
                    Permission.READ_KNOWLEDGE,
                }
            ),
        ),
        Role(
            "analyst",
            "数据分析员",
            "analyst",
            frozenset({Permission.READ_KPIS, Permission.RANK_DEPARTMENTS, Permission.READ_KNOWLEDGE}),
        ),
        Role(
            "partner",
            "社会协同单位",
            "partner unit handler",
            frozenset({Permission.READ_CASES, Permission.HANDLE, Permission.READ_KPIS, Permission.SEE_ADDRESS}),
        ),
        Role("app", "第三方应用", "Open311 client application", frozenset({Permission.SUBMIT})),
        Role("sensor", "传感器/网关", "sensor station or gateway", frozenset({Permission.WRITE_SENSORS})),
        Role("gate", "停车场道闸", "car-park gate (plate camera)", frozenset({Permission.POST_GATE_READS})),
        # 网格员: a key bound to one grid worker; no citizen cases, no personal data (docs/grid.md)
        Role("grid_worker", "网格员", "grid worker", frozenset({Permission.INSPECT, Permission.READ_GRID})),
    )
}

DEFAULT_ROLE = "operator"

#: The roles a person signs in with (a staff account); ``app``, ``sensor``, ``gate`` and ``grid_worker`` are keys only.
STAFF_ROLES = ("operator", "department", "supervisor", "analyst", "admin", "partner")

#: Roles bound to one unit of the directory (a key or account needs one): they read and act on its cases only.
#: ``partner`` (社会协同单位) is bound to a unit outside government (物业, 水电气热企业, 施工/养护单位 …).
UNIT_ROLES = frozenset({"department", "partner"})


@dataclass(frozen=True)
class Principal:
    """Who is calling: a named API key or a signed-in staff account, with a role (and, for department handlers,
    their department)."""

    name: str
    role: str
    department_id: int | None = None
    key_id: int | None = None  # the API key's id (a sensor key owns the Things it created)
    user_id: int | None = None  # the staff account's id when signed in with a session cookie
    csrf_token: str | None = None  # the session's anti-forgery token (None for an API key)
    rate_limit: int | None = None  # the key's own requests per minute (None: the setting's default)
    supervised: frozenset[int] = frozenset()  # a department's units outside government (it is their 主管部门)

    def can(self, permission: Permission) -> bool:
        return permission in ROLES[self.role].permissions

    @property
    def bound_to_unit(self) -> bool:
        """Held to its own department or unit's cases (``UNIT_ROLES``)."""
        return self.role in UNIT_ROLES


ANONYMOUS = Principal(name="public", role="public")
ROLES["public"] = Role("public", "公众", "public", frozenset())
