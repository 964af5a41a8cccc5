"""A small catalogue and files for the online-services tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from citybrain.core.working_days import national
from citybrain.models import ServiceApplication
from citybrain.services import attachments, service
from citybrain.services.service import Applicant, MaterialFile, Step

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ID_NUMBER = "11010519491231002X"  # the GB 11643 example: a valid check character

SHOP_SIGN: dict[str, Any] = {
    "code": "shop-sign",
    "name": "户外招牌设置审批",
    "name_en": "Outdoor shop sign permit",
    "department": "urban_mgmt",
    "legal_days": 5,
    "materials": [
        {"code": "licence", "name": "营业执照", "required": True, "types": ["application/pdf"]},
        {"code": "drawing", "name": "招牌设计图", "required": True},
        {"code": "consent", "name": "业主同意书", "required": False},
    ],
    "fields": [
        {"key": "shop", "label": "店铺名称", "type": "text", "max_length": 50},
        {"key": "width_m", "label": "招牌宽度（米）", "type": "number", "min": 0.5, "max": 10},
        {"key": "storeys", "label": "楼层", "type": "integer", "min": 1, "max": 3},
        {"key": "lit", "label": "是否发光", "type": "choice", "choices": ["是", "否"]},
        {"key": "contact", "label": "联系电话", "type": "phone"},
        {"key": "start", "label": "拟设置日期", "type": "date", "required": False},
    ],
    "eligibility": [{"field": "storeys", "op": "lte", "value": 2, "message": "招牌不得设置在三层及以上"}],
}

FORM: dict[str, Any] = {"shop": "老王面馆", "width_m": "3.5", "storeys": 1, "lit": "否", "contact": "13812345678"}


def at_city(day: date, hour: int = 10) -> datetime:
    """A time on a city day (Shanghai, UTC+8) as aware UTC."""
    return datetime.combine(day, time(hour), tzinfo=UTC) - timedelta(hours=8)


def catalogue(session: Session) -> None:
    service.import_catalogue(session, [SHOP_SIGN], now=datetime(2025, 1, 2, tzinfo=UTC))


def files(session: Session, data_dir: Any) -> list[MaterialFile]:
    pdf = attachments.store(session, data_dir=data_dir, data=PDF, max_bytes=10_000)
    png = attachments.store(session, data_dir=data_dir, data=PNG, max_bytes=10_000)
    return [MaterialFile("licence", pdf.sha256, "licence.pdf"), MaterialFile("drawing", png.sha256, "d.png")]


def apply(session: Session, data_dir: Any, day: date) -> ServiceApplication:
    return service.submit(session=session, service_code="shop-sign", applicant=Applicant("王小明", "13812345678",
                          ID_NUMBER), form=FORM, files=files(session, data_dir), actor="portal",
                          now=at_city(day))  # fmt: skip


def step(session: Session, app: ServiceApplication, action: str, day: date, **kw: Any) -> ServiceApplication:
    return service.act(session=session, application=app, action=action, step=Step(**kw), actor="clerk",
                       now=at_city(day), today=day, calendar=national())  # fmt: skip
