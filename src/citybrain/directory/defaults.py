"""The default directory loaded by ``citybrain db init`` and by every test database (idempotent).

The taxonomy, departments, routing rules and Open311 attributes live as JSON in ``data/`` so a city can read
and diff them without reading Python; the SLA classes stay here because code relies on their codes.
Loading only *adds* what is missing: a city's own edits (a renamed category, a re-pointed rule) survive
``citybrain db init`` run again after an upgrade.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy.orm import Session

from citybrain.directory import repository
from citybrain.models import Category, Department, RoutingRule, ServiceAttribute, SlaPolicy

SLA_DEFAULTS = [
    # code, zh, en, accept_hours (签收时限), resolve_hours (办结时限) — after Beijing's 接诉即办 practice
    ("urgent", "紧急", "urgent", 0.5, 2),
    ("utilities", "水电气热", "utilities", 1, 24),
    ("general", "一般", "general", 2, 24 * 7),
    ("complex", "疑难复杂", "complex", 2, 24 * 15),
]


@cache
def default_data(name: str) -> list[dict[str, Any]]:
    """One of the JSON files in ``citybrain/directory/data`` (read once per process)."""
    text = resources.files("citybrain.directory").joinpath("data", f"{name}.json").read_text(encoding="utf-8")
    rows: list[dict[str, Any]] = json.loads(text)
    return rows


def parent_of(code: str) -> str | None:
    """``noise.construction.night`` → ``noise.construction``; a level-1 code has no parent."""
    return code.rsplit(".", 1)[0] if "." in code else None


def load_defaults(session: Session) -> None:
    """Add whatever default rows are missing; never overwrite a city's own edits."""
    _load_sla(session)
    _load_categories(session)
    _load_departments(session)
    _load_rules(session)
    _load_attributes(session)


def _load_sla(session: Session) -> None:
    missing = [row for row in SLA_DEFAULTS if repository.sla_policy(session, row[0]) is None]
    repository.add_all(
        session,
        (SlaPolicy(code=c, name_zh=zh, name_en=en, accept_hours=a, resolve_hours=r) for c, zh, en, a, r in missing),
    )


def _load_categories(session: Session) -> None:
    existing = repository.category_codes(session)
    rows = [
        Category(
            code=item["code"],
            parent_code=parent_of(item["code"]),
            level=item["code"].count(".") + 1,
            name_zh=item["name_zh"],
            name_en=item["name_en"],
            description=item["description"],
            keywords=",".join(item["keywords"]),
            sla_code=item["sla_code"],
        )
        for item in sorted(default_data("categories"), key=lambda i: i["code"].count("."))
        if item["code"] not in existing
    ]
    repository.add_all(session, rows)


def _load_departments(session: Session) -> None:
    existing = {d.code for d in repository.departments(session)}
    repository.add_all(
        session,
        (Department(**item) for item in default_data("departments") if item["code"] not in existing),
    )


def _load_rules(session: Session) -> None:
    """A default rule is missing when no city-wide rule exists for its category (whatever its department)."""
    citywide = {r.category_code for r in repository.routing_rules(session) if r.district_code is None}
    departments = {d.code: d.id for d in repository.departments(session)}
    repository.add_all(
        session,
        (
            RoutingRule(
                category_code=item["category"], district_code=None, department_id=departments[item["department"]]
            )
            for item in default_data("routing_rules")
            if item["category"] not in citywide and item["department"] in departments
        ),
    )


def _load_attributes(session: Session) -> None:
    existing = repository.service_attribute_keys(session)
    categories = repository.category_codes(session)
    repository.add_all(
        session,
        (
            ServiceAttribute(
                category_code=item["category"],
                code=item["code"],
                variable=True,
                datatype=item["datatype"],
                required=item["required"],
                datatype_description=item["datatype_description"],
                order=item["order"],
                description=item["description"],
                values=item["values"],
            )
            for item in default_data("service_attributes")
            if (item["category"], item["code"]) not in existing and item["category"] in categories
        ),
    )
