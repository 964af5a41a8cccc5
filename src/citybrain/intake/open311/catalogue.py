"""The Open311 service catalogue: which categories a citizen's app may request, and what each asks.

Which nodes are services: every active category of level 2 or 3, plus a level-1 category that has no
active children. A level-1 node with children is a *group* (Open311 ``group``), not something to request —
"noise" alone does not tell a department what to do, "noise.construction.night" does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from citybrain.core.errors import InvalidInput, NotFound
from citybrain.intake.open311 import repository
from citybrain.intake.open311.schemas import Lang
from citybrain.models import Category, ServiceAttribute


def name_of(node: Any, lang: Lang) -> str:
    """A row's name in ``lang`` (categories, departments): English falls back to Chinese when missing."""
    if lang == "en" and getattr(node, "name_en", None):
        return str(node.name_en)
    return str(node.name_zh)


@dataclass(frozen=True)
class Catalogue:
    """The whole catalogue, read once per request in two queries."""

    categories: dict[str, Category]
    with_attributes: set[str]
    parents: set[str]

    def requestable(self, category: Category) -> bool:
        return category.level >= 2 or category.code not in self.parents

    def group_of(self, category: Category) -> Category:
        node = category
        while node.parent_code and node.parent_code in self.categories:
            node = self.categories[node.parent_code]
        return node

    def services(self, lang: Lang) -> list[dict[str, Any]]:
        return [self.service(c, lang) for c in self.categories.values() if self.requestable(c)]

    def service(self, category: Category, lang: Lang) -> dict[str, Any]:
        return {
            "service_code": category.code,
            "service_name": name_of(category, lang),
            "description": category.description or name_of(category, lang),
            "metadata": category.code in self.with_attributes,
            "type": category.service_type or "realtime",
            "keywords": category.keywords or "",
            "group": name_of(self.group_of(category), lang),
        }


def load_catalogue(session: Session) -> Catalogue:
    categories = {c.code: c for c in repository.active_categories(session)}
    parents = {c.parent_code for c in categories.values() if c.parent_code}
    return Catalogue(categories, repository.codes_with_attributes(session), parents)


def requestable_category(session: Session, code: str) -> Category:
    """The category behind ``service_code``: 404 if unknown or retired, 400 if it is only a group."""
    category = repository.category(session, code)
    if category is None or not category.active:
        raise NotFound(f"service_code {code!r} not found")
    if category.level < 2 and repository.has_children(session, code):
        raise InvalidInput(f"service_code {code!r} is a group; request one of its services (see services.json)")
    return category


def _value_name(value: dict[str, Any], lang: Lang) -> str:
    if lang == "en" and value.get("name_en"):
        return str(value["name_en"])
    return str(value.get("name") or value.get("name_zh") or value.get("name_en") or value.get("key", ""))


def attribute_body(attribute: ServiceAttribute, lang: Lang) -> dict[str, Any]:
    return {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description or None,
        "order": attribute.order,
        "description": attribute.description,
        "values": [{"key": str(v.get("key", "")), "name": _value_name(v, lang)} for v in attribute.values or []],
    }


def definition(session: Session, code: str, lang: Lang) -> dict[str, Any]:
    """GET services/{code}: the service and the extra questions it asks (its attributes)."""
    category = requestable_category(session, code)
    return {
        "service_code": category.code,
        "attributes": [attribute_body(a, lang) for a in repository.attributes(session, category.code)],
    }
