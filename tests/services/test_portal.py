"""The portal's online services: apply with files, follow by number, supply materials — and a refused form stores
nothing (no application, no attachment row, no file). SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models import ServiceApplication, ServiceAttachment
from citybrain.services import service
from citybrain.services.service import Step
from citybrain.web.app import create_app
from tests.services.factories import FORM, ID_NUMBER, PDF, PNG, at_city, catalogue
from tests.services.test_api import LIMIT
from tests.web.idempotent import another_body_is_422, retried

D = date.fromisoformat


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def client(db: Database, settings: Settings, data_dir: Path) -> Iterator[TestClient]:
    with db.transaction() as s:
        catalogue(s)
    small = settings.model_copy(update={"services_attachment_max_bytes": LIMIT, "data_dir": data_dir})
    with TestClient(create_app(small, database=db)) as c:
        yield c


def _fields(**change: Any) -> dict[str, Any]:
    return {"applicant_name": "王小明", "applicant_phone": "13812345678", "applicant_id_number": ID_NUMBER,
            **{k: str(v) for k, v in FORM.items()}, **change}  # fmt: skip


def _files(licence: bytes = PDF, drawing: bytes | None = PNG) -> list[tuple[str, tuple[str, bytes, str]]]:
    files = [("file_licence", ("执照.pdf", licence, "application/pdf"))]
    if drawing is not None:
        files.append(("file_drawing", ("图.png", drawing, "image/png")))
    return files


def _stored(db: Database, data_dir: Path) -> tuple[int, int, int]:
    with db.reading() as s:
        apps = s.scalar(select(func.count()).select_from(ServiceApplication)) or 0
        rows = s.scalar(select(func.count()).select_from(ServiceAttachment)) or 0
    files = (
        len([p for p in (data_dir / "attachments").rglob("*") if p.is_file()])
        if (data_dir / "attachments").exists()
        else 0
    )
    return apps, rows, files


def test_the_catalogue_and_a_service_page(client: TestClient) -> None:
    listing = client.get("/portal/services")
    assert listing.status_code == 200
    assert "户外招牌设置审批" in listing.text
    assert "法定时限 5 个工作日" in listing.text
    page = client.get("/portal/services/shop-sign")
    assert 'enctype="multipart/form-data"' in page.text
    assert "招牌不得设置在三层及以上" in page.text
    assert client.get("/portal/services/nope").status_code == 404


def test_apply_then_follow_then_supply(client: TestClient, db: Database, data_dir: Path) -> None:
    with clock.frozen(at_city(D("2026-02-09"))):
        answer = client.post("/portal/services/shop-sign/apply", data=_fields(), files=_files(), follow_redirects=False)
        assert answer.status_code == 303, answer.text
        follow = answer.headers["location"]
        page = client.get(follow)
    assert "已提交" in page.text
    assert "王小明" not in page.text
    assert "13812345678" not in page.text
    assert _stored(db, data_dir) == (1, 2, 2)
    code = follow.rsplit("/", 1)[1]
    with db.transaction() as s:
        app = s.scalars(select(ServiceApplication)).one()
        for action, day, reason in (("accept", "2026-02-09", None), ("supplement", "2026-02-10", "请补交业主同意书")):
            service.act(session=s, application=app, action=action, step=Step(reason=reason), actor="clerk",
                        now=at_city(D(day)), today=D(day), calendar=service_calendar())  # fmt: skip
    page = client.get(f"/portal/applications/{code.lower()}")
    assert "请补交业主同意书" in page.text
    assert "暂停计时" in page.text
    with clock.frozen(at_city(D("2026-02-24"))):
        sent = client.post(f"{follow}/supply", files=[("file_consent", ("同意书.pdf", PDF + b"consent", "x/y"))],
                           follow_redirects=False)  # fmt: skip
        assert sent.status_code == 303, sent.text
        page = client.get(follow)
    assert "审查中" in page.text
    # accepted Mon 9 Feb (due 14 Feb, a make-up Saturday); stopped from 10 Feb to 24 Feb: 11, 12, 13, 14, 24 Feb = 5
    # working days, so due 10 working days after 9 Feb: 10-14, 24-28 Feb → 28 Feb (a make-up Saturday again)
    assert 'id="due">2026-02-28' in page.text
    again = client.post(f"{follow}/supply", files=[("file_consent", ("a.pdf", PDF, "application/pdf"))])
    assert again.status_code == 409


def service_calendar() -> Any:
    from citybrain.core.working_days import national

    return national()


@pytest.mark.parametrize(
    ("fields", "files", "status", "message"),
    [
        (_fields(), _files(drawing=None), 400, "缺少必需的申请材料：招牌设计图"),
        (_fields(storeys="3"), _files(), 400, "招牌不得设置在三层及以上"),
        (_fields(contact="123"), _files(), 400, "is not a phone number"),
        (_fields(applicant_name=""), _files(), 400, "申请人姓名"),
        (_fields(), _files(licence=b"%PDF-" + b"x" * LIMIT), 413, "over the limit"),
        (_fields(), _files(licence=b"MZ\x90\x00 an exe named .pdf"), 415, "by its content"),
        (_fields(), _files(licence=PNG), 400, "not accepted"),
    ],
)
def test_a_refused_application_stores_nothing_and_says_why(
    client: TestClient, db: Database, data_dir: Path, fields: dict[str, Any], files: Any, status: int, message: str
) -> None:
    answer = client.post("/portal/services/shop-sign/apply", data=fields, files=files, follow_redirects=False)
    assert answer.status_code == status
    assert message in answer.text
    assert 'id="apply-form"' in answer.text  # the form again
    assert _stored(db, data_dir) == (0, 0, 0)


def test_unknown_application_and_service(client: TestClient) -> None:
    assert client.get("/portal/applications/SQ00000000XXXXXX").status_code == 404
    assert client.post("/portal/services/nope/apply", data=_fields(), files=_files()).status_code == 404
    lookup = client.get("/portal/applications?code=sq1", follow_redirects=False)
    assert lookup.headers["location"] == "/portal/applications/SQ1"


def test_a_retried_application_is_one_application(client: TestClient, db: Database, data_dir: Path) -> None:
    """A retry with the same ``Idempotency-Key`` (a new multipart boundary, as a browser makes) is the first 303 to
    the same follow page: one application, its attachments stored once."""
    url = "/portal/services/shop-sign/apply"
    with clock.frozen(at_city(D("2026-02-09"))):
        first = retried(client, url, "apply-1", data=_fields(), files=_files())
        assert first.status_code == 303
        assert first.headers["location"].startswith("/portal/applications/SQ")
        assert _stored(db, data_dir) == (1, 2, 2)
        another_body_is_422(client, url, "apply-1", data=_fields(storeys="2"), files=_files())
    assert _stored(db, data_dir) == (1, 2, 2)
