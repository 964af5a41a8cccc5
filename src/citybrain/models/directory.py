"""Directory tables: taxonomy (categories = Open311 services), departments, districts, routing, SLA."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from citybrain.models.base import Base


class SlaPolicy(Base):
    """A deadline class: how long a department has to sign for (签收) and to resolve (办结) a case."""

    __tablename__ = "sla_policies"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    accept_hours: Mapped[float] = mapped_column(Float)
    resolve_hours: Mapped[float] = mapped_column(Float)


class Category(Base):
    """One node of the three-level taxonomy; every active node can be requested as an Open311 service."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"), index=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(String(500), default="")
    sla_code: Mapped[str | None] = mapped_column(ForeignKey("sla_policies.code"))
    service_type: Mapped[str] = mapped_column(String(16), default="realtime")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ServiceAttribute(Base):
    """An Open311 service-definition attribute (extra question asked when a service is requested)."""

    __tablename__ = "service_attributes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    variable: Mapped[bool] = mapped_column(Boolean, default=True)
    datatype: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    datatype_description: Mapped[str] = mapped_column(String(200), default="")
    order: Mapped[int] = mapped_column(Integer, default=1)
    description: Mapped[str] = mapped_column(Text, default="")
    values: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Department(Base):
    """A department (承办单位) that cases are dispatched to."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: ``government``, or a unit outside government (社会协同单位): see ``directory.units.KINDS``
    kind: Mapped[str] = mapped_column(String(16), default="government", server_default="government")
    #: 主管部门: the government department supervising a unit outside government (None for a government one)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)


class District(Base):
    """An administrative district (区) with its centre and, when known, its boundary as GeoJSON."""

    __tablename__ = "districts"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    center_lat: Mapped[float | None] = mapped_column(Float)
    center_lon: Mapped[float | None] = mapped_column(Float)
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class RoutingRule(Base):
    """category (prefix) × district → department. The most specific matching rule wins."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_code: Mapped[str | None] = mapped_column(String(32), index=True)
    district_code: Mapped[str | None] = mapped_column(ForeignKey("districts.code"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    priority: Mapped[int] = mapped_column(Integer, default=0)
