"""What the directory API reads and returns."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from citybrain.core.inputs import Input, Int32

_SLUG = re.compile(r"[a-z][a-z0-9_]*")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CategoryOut(_Out):
    code: str
    parent_code: str | None
    level: int
    name_zh: str
    name_en: str
    description: str
    keywords: list[str]
    sla_code: str | None = Field(description="the class set on this node (None: inherited)")
    effective_sla: str = Field(description="the class that applies, inherited from the nearest ancestor")
    active: bool
    children: list[CategoryOut] = Field(default_factory=list)


class DepartmentOut(_Out):
    id: int
    code: str
    name_zh: str
    name_en: str
    phone: str
    active: bool
    kind: str = Field(description="government, or a unit outside government: enterprise, property, utility, "
                      "contractor, social (社会协同单位)")  # fmt: skip
    supervisor_id: int | None = Field(description="主管部门: the government department supervising a unit")


class DepartmentIn(Input):
    code: str = Field(min_length=1, max_length=32)
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=64)
    kind: str = Field(default="government", max_length=16, description="government, enterprise, property, "
                      "utility, contractor or social")  # fmt: skip
    supervisor_code: str | None = Field(
        default=None, max_length=32, description="主管部门: a government department's code; required outside government"
    )

    @field_validator("code")
    @classmethod
    def _code_is_a_slug(cls, code: str) -> str:
        if not _SLUG.fullmatch(code):
            raise ValueError(f"{code!r} is not a department code: use lower-case letters, digits and _ (e.g. a1_urban)")
        return code


class DepartmentChange(Input):
    """What an administrator changes on a department or unit; None leaves a field as it is. A unit's kind stays:
    keys and accounts are bound by it (a partner key to a unit outside government)."""

    name_zh: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=64)
    supervisor_code: str | None = Field(
        default=None, max_length=32, description="主管部门: another government department to supervise the unit"
    )


class DistrictOut(_Out):
    code: str
    name_zh: str
    name_en: str
    center_lat: float | None
    center_lon: float | None


class RoutingRuleIn(Input):
    category_code: str | None = Field(default=None, description="dotted category code; None = every category")
    district_code: str | None = Field(default=None, description="None = every district")
    department_code: str
    priority: Int32 = Field(default=0, description="higher wins; a 32-bit integer")


class RoutingRuleOut(BaseModel):
    id: int
    category_code: str | None
    district_code: str | None
    department_code: str
    priority: int


class SlaPolicyOut(_Out):
    code: str
    name_zh: str
    name_en: str
    accept_hours: float = Field(description="签收时限: hours a department has to sign for a case")
    resolve_hours: float = Field(description="办结时限: hours to resolve it")


class SlaPolicyIn(Input):
    name_zh: str | None = Field(default=None, min_length=1, max_length=100)
    name_en: str | None = Field(default=None, min_length=1, max_length=100)
    accept_hours: float = Field(gt=0, le=24 * 365)
    resolve_hours: float = Field(gt=0, le=24 * 365)


class RouteOut(BaseModel):
    category_code: str
    district_code: str | None
    department: DepartmentOut | None
    rule: RoutingRuleOut | None
    sla: SlaPolicyOut | None
    reason: str
