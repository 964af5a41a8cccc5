"""A service of the catalogue (办事指南) and the checks of an applicant's form against it. Pure: no database.

A service says who decides (``department``), the legal limit in working days (``legal_days``, 法定办结时限),
the materials to bring (申请材料, each required or not, with the file types accepted), the form's fields with
their types and validation, and eligibility rules (申请条件) read on the checked form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from citybrain.core.errors import InvalidInput
from citybrain.core.privacy import is_id_card

FieldType = Literal["text", "number", "integer", "date", "choice", "phone", "id_number", "boolean"]
ContentType = Literal["application/pdf", "image/png", "image/jpeg"]
#: File types an attachment may have, by what its bytes say it is (sniffed, never the extension).
CONTENT_TYPES: tuple[ContentType, ...] = ("application/pdf", "image/png", "image/jpeg")
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
_CODE = r"^[A-Za-z0-9_.-]{1,64}$"


class FormField(BaseModel):
    """One field of the form (表单项) and what a value must be."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=_CODE)
    label: str = Field(min_length=1, max_length=200)
    label_en: str = ""
    type: FieldType = "text"
    required: bool = True
    max_length: int | None = Field(default=None, ge=1, le=10000)
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    choices: list[str] | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"pattern does not compile: {exc}") from None
        return value

    @model_validator(mode="after")
    def _choices_for_choice(self) -> FormField:
        if self.type == "choice" and not self.choices:
            raise ValueError(f"field {self.key}: a choice field needs choices")
        return self


class Material(BaseModel):
    """One material to bring (申请材料)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=_CODE)
    name: str = Field(min_length=1, max_length=200)
    name_en: str = ""
    required: bool = True
    types: list[ContentType] = Field(default_factory=lambda: list(CONTENT_TYPES))


class Rule(BaseModel):
    """An eligibility rule (申请条件) on one field of the checked form, with the message an applicant reads."""

    model_config = ConfigDict(extra="forbid")

    field: str
    op: Literal["eq", "ne", "in", "gte", "lte", "gt", "lt"]
    value: Any
    message: str = Field(min_length=1)


class ServiceSpec(BaseModel):
    """A service as a catalogue file gives it (``citybrain services import``)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=_CODE)
    name: str = Field(min_length=1, max_length=200)
    name_en: str = ""
    department: str = Field(min_length=1, description="The deciding department's code")
    legal_days: int = Field(ge=1, le=365, description="法定办结时限, in working days")
    materials: list[Material] = Field(default_factory=list)
    fields: list[FormField] = Field(default_factory=list)
    eligibility: list[Rule] = Field(default_factory=list)
    active: bool = True

    @model_validator(mode="after")
    def _unique_and_known(self) -> ServiceSpec:
        keys = [f.key for f in self.fields]
        codes = [m.code for m in self.materials]
        for what, names in (("field", keys), ("material", codes)):
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise ValueError(f"{what} named twice: {', '.join(twice)}")
        unknown = sorted({r.field for r in self.eligibility} - set(keys))
        if unknown:
            raise ValueError(f"eligibility rule on a field the form does not have: {', '.join(unknown)}")
        return self

    def material(self, code: str) -> Material | None:
        return next((m for m in self.materials if m.code == code), None)


def parse_spec(data: Any, where: str = "service") -> ServiceSpec:
    try:
        return ServiceSpec.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(f"{where}: {_explain(exc)}") from None


def _explain(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'service'}: {e['msg']}" for e in exc.errors())


def _number(f: FormField, value: Any) -> float | int:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if f.type == "integer":
        if number != number.to_integral_value():
            raise ValueError("must be a whole number")
        result: float | int = int(number)
    else:
        result = float(number)
    if f.min is not None and result < f.min:
        raise ValueError(f"must be at least {f.min:g}")
    if f.max is not None and result > f.max:
        raise ValueError(f"must be at most {f.max:g}")
    return result


def _text(f: FormField, value: Any) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValueError("must be text")
    text = str(value).strip()
    if f.max_length is not None and len(text) > f.max_length:
        raise ValueError(f"is longer than {f.max_length} characters")
    if f.type == "phone" and not _PHONE.match(text.replace(" ", "")):
        raise ValueError("is not a phone number (a mobile 1xxxxxxxxxx or a landline 0xx-xxxxxxxx)")
    if f.type == "id_number" and not is_id_card(text.upper()):
        raise ValueError("is not a valid resident ID number (18 characters, check digit)")
    if f.type == "choice" and text not in (f.choices or []):
        raise ValueError(f"must be one of: {', '.join(f.choices or [])}")
    if f.pattern is not None and not re.fullmatch(f.pattern, text):
        raise ValueError("does not have the expected form")
    return text


def _value(f: FormField, value: Any) -> Any:
    if f.type in ("number", "integer"):
        return _number(f, value)
    if f.type == "boolean":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "1", "yes", "on", "是"):
            return True
        if str(value).lower() in ("false", "0", "no", "off", "否"):
            return False
        raise ValueError("must be yes or no")
    if f.type == "date":
        try:
            return date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValueError("must be a date (YYYY-MM-DD)") from None
    return _text(f, value)


def check_form(spec: ServiceSpec, form: dict[str, Any]) -> dict[str, Any]:
    """The form with every value checked and normalised, or InvalidInput naming every field that failed."""
    unknown = sorted(set(form) - {f.key for f in spec.fields})
    problems = [f"{key}: not a field of this service" for key in unknown]
    checked: dict[str, Any] = {}
    for f in spec.fields:
        raw = form.get(f.key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if f.required:
                problems.append(f"{f.key} ({f.label}): required")
            continue
        try:
            checked[f.key] = _value(f, raw)
        except ValueError as exc:
            problems.append(f"{f.key} ({f.label}): {exc}")
    if problems:
        raise InvalidInput("the form is not complete or not valid — " + "; ".join(problems))
    return checked


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "in": lambda a, b: a in b,
    "gte": lambda a, b: a >= b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "lt": lambda a, b: a < b,
}


def check_eligible(spec: ServiceSpec, form: dict[str, Any]) -> None:
    """InvalidInput with every rule's message the checked form does not meet (不符合申请条件)."""
    failed = []
    for rule in spec.eligibility:
        value = form.get(rule.field)
        try:
            ok = value is not None and bool(_OPS[rule.op](value, rule.value))
        except TypeError:
            ok = False
        if not ok:
            failed.append(rule.message)
    if failed:
        raise InvalidInput("not eligible for this service (不符合申请条件): " + "; ".join(failed))


def missing_materials(spec: ServiceSpec, given: set[str]) -> list[Material]:
    """The required materials not among ``given`` (material codes)."""
    return [m for m in spec.materials if m.required and m.code not in given]
