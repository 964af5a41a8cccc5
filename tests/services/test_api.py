"""The staff API of online services: attachments, applications and every step, masking, refusals of bad input
that write nothing, and KPIs against hand-computed values — SQLite and PostgreSQL."""

from __future__ import annotations

import re
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
from citybrain.models import ServiceApplication, ServiceApplicationEvent, ServiceApplicationMaterial, ServiceAttachment
from citybrain.services import attachments
from citybrain.web.app import create_app
from tests.conftest import make_key
from tests.services.factories import FORM, ID_NUMBER, PDF, PNG, SHOP_SIGN, at_city, catalogue

D = date.fromisoformat
LIMIT = 2000


@pytest.fixture
def small(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"services_attachment_max_bytes": LIMIT, "data_dir": tmp_path})


@pytest.fixture
def client(db: Database, small: Settings) -> Iterator[TestClient]:
    with db.transaction() as s:
        catalogue(s)
    with TestClient(create_app(small, database=db)) as c:
        yield c


@pytest.fixture
def op(db: Database) -> dict[str, str]:
    return {"X-API-Key": make_key(db, "operator")}


def _upload(client: TestClient, headers: dict[str, str], data: bytes, kind: str = "application/pdf") -> Any:
    return client.post("/api/v1/attachments", content=data, headers=headers | {"Content-Type": kind})


def _body(client: TestClient, headers: dict[str, str], **change: Any) -> dict[str, Any]:
    pdf = _upload(client, headers, PDF).json()["sha256"]
    png = _upload(client, headers, PNG, "image/png").json()["sha256"]
    body = {
        "service": "shop-sign",
        "applicant": {"name": "王小明", "phone": "13812345678", "id_number": ID_NUMBER},
        "form": FORM,
        "materials": [{"material": "licence", "sha256": pdf, "filename": "执照.pdf"},
                      {"material": "drawing", "sha256": png, "filename": "图.png"}],
    }  # fmt: skip
    return body | change


def _counts(db: Database) -> tuple[int, int, int]:
    with db.reading() as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(t)) or 0
            for t in (ServiceApplication, ServiceApplicationEvent, ServiceApplicationMaterial)
        )


def test_upload_is_sniffed_deduplicated_and_limited(client: TestClient, op: dict[str, str], small: Settings,
                                                    db: Database) -> None:  # fmt: skip
    first = _upload(client, op, PDF, "image/png")  # the header lies; the bytes say PDF
    assert first.status_code == 201, first.text
    assert first.json()["content_type"] == "application/pdf"
    again = _upload(client, op, PDF)
    assert again.json()["sha256"] == first.json()["sha256"]
    assert attachments.path_of(small.data_dir, first.json()["sha256"]).read_bytes() == PDF
    html = _upload(client, op, b"<html>not a pdf</html>", "application/pdf")
    assert html.status_code == 415
    assert "by its content" in html.json()["error"]["message"]
    big = _upload(client, op, b"%PDF-" + b"x" * LIMIT)
    assert big.status_code == 413
    assert "over the limit of 2,000 bytes" in big.json()["error"]["message"]
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(ServiceAttachment)) == 1
    assert len(list((small.data_dir / "attachments").rglob("*"))) == 2  # one folder, one file


def test_the_whole_way_through_the_api(client: TestClient, op: dict[str, str]) -> None:
    with clock.frozen(at_city(D("2026-02-09"))):
        made = client.post("/api/v1/applications", json=_body(client, op), headers=op)
        assert made.status_code == 201, made.text
        app_id = made.json()["id"]
        assert made.json()["state"] == "submitted"
        assert [m["material"] for m in made.json()["materials"]] == ["licence", "drawing"]
        accepted = client.post(f"/api/v1/applications/{app_id}/accept", json={}, headers=op).json()
        assert (accepted["state_zh"], accepted["due_on"]) == ("已受理", "2026-02-14")  # Sat 14 Feb: make-up day
        client.post(f"/api/v1/applications/{app_id}/review", json={}, headers=op)
    with clock.frozen(at_city(D("2026-02-11"))):
        asked = client.post(f"/api/v1/applications/{app_id}/supplement", json={"reason": "缺业主同意书"}, headers=op)
        assert asked.json()["clock"]["stopped_for_materials"] is True
    with clock.frozen(at_city(D("2026-02-25"))):
        consent = _upload(client, op, PNG + b"consent", "image/png").json()["sha256"]
        more = {"materials": [{"material": "consent", "sha256": consent}]}
        supplied = client.post(f"/api/v1/applications/{app_id}/supply", json=more, headers=op)
        assert supplied.status_code == 200, supplied.text
        assert (supplied.json()["paused_days"], supplied.json()["due_on"]) == (5, "2026-02-28")
        assert len(supplied.json()["materials"]) == 3
    with clock.frozen(at_city(D("2026-02-27"))):
        version = client.get(f"/api/v1/applications/{app_id}", headers=op).json()["version"]
        stale = client.post(f"/api/v1/applications/{app_id}/approve", json={"version": version - 1}, headers=op)
        assert stale.status_code == 409
        approved = client.post(f"/api/v1/applications/{app_id}/approve", json={"version": version}, headers=op)
        assert (approved.json()["days_used"], approved.json()["on_time"]) == (4, True)
        wrong = client.post(f"/api/v1/applications/{app_id}/refuse", json={"reason": "x"}, headers=op)
        assert wrong.status_code == 409
        assert "cannot refuse" in wrong.json()["error"]["message"]
        done = client.post(f"/api/v1/applications/{app_id}/deliver", json={"method": "online"}, headers=op).json()
    licence = done["materials"][0]
    got = client.get(f"/api/v1/applications/{app_id}/materials/{licence['sha256']}", headers=op)
    assert (got.status_code, got.content, got.headers["content-type"]) == (200, PDF, "application/pdf")
    stranger = client.get(f"/api/v1/applications/{app_id}/materials/{'a' * 64}", headers=op)
    assert stranger.status_code == 404
    assert [e["action"] for e in done["events"]] == ["submit", "accept", "review", "supplement", "supply",
                                                     "approve", "deliver"]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"service": "no-such"}, 404, "no service 'no-such'"),
        ({"form": FORM | {"width_m": 99}}, 400, "width_m .* at most 10"),
        ({"form": FORM | {"storeys": 3}}, 400, "不符合申请条件"),
        ({"materials": []}, 400, "required materials are missing: licence .*drawing"),
        (
            {"materials": [{"material": "licence", "sha256": "0" * 64}, {"material": "drawing", "sha256": "1" * 64}]},
            400,
            "licence: no attachment",
        ),
        ({"materials": [{"material": "nonsense", "sha256": "0" * 64}]}, 400, "not a material of this service"),
    ],
)
def test_bad_input_is_4xx_and_writes_nothing(
    client: TestClient, op: dict[str, str], db: Database, change: dict[str, Any], status: int, message: str
) -> None:
    body = _body(client, op, **change)
    answer = client.post("/api/v1/applications", json=body, headers=op)
    assert answer.status_code == status, answer.text
    assert re.search(message, answer.json()["error"]["message"]), answer.json()["error"]["message"]
    assert _counts(db) == (0, 0, 0)


def test_a_png_for_a_pdf_only_material_is_refused(client: TestClient, op: dict[str, str], db: Database) -> None:
    body = _body(client, op)
    body["materials"][0]["sha256"] = body["materials"][1]["sha256"]  # the licence must be a PDF
    answer = client.post("/api/v1/applications", json=body, headers=op)
    assert answer.status_code == 400
    assert "accepted: application/pdf" in answer.json()["error"]["message"]
    assert _counts(db) == (0, 0, 0)


def test_personal_data_is_masked_without_see_pii_and_departments_see_their_own(
    client: TestClient, op: dict[str, str], db: Database
) -> None:
    app_id = client.post("/api/v1/applications", json=_body(client, op), headers=op).json()["id"]
    supervisor = {"X-API-Key": make_key(db, "supervisor")}
    masked = client.get(f"/api/v1/applications/{app_id}", headers=supervisor).json()
    assert (masked["applicant_name"], masked["applicant_phone"]) == ("王**", "138****5678")
    assert masked["applicant_id_number"] == "110105********002X"
    assert masked["form"]["contact"] == "138****5678"
    full = client.get(f"/api/v1/applications/{app_id}", headers=op).json()
    assert (full["applicant_name"], full["applicant_id_number"]) == ("王小明", ID_NUMBER)
    own = {"X-API-Key": make_key(db, "department", "urban_mgmt")}
    other = {"X-API-Key": make_key(db, "department", "housing")}
    assert client.get(f"/api/v1/applications/{app_id}", headers=own).status_code == 200
    assert client.get(f"/api/v1/applications/{app_id}", headers=other).status_code == 403
    assert client.post(f"/api/v1/applications/{app_id}/accept", json={}, headers=other).status_code == 403
    assert client.get("/api/v1/applications", headers=other).json()["total"] == 0
    assert client.get("/api/v1/applications", headers=own).json()["total"] == 1
    assert client.post(f"/api/v1/applications/{app_id}/accept", json={}, headers=supervisor).status_code == 403


def test_a_retried_application_is_taken_once(client: TestClient, op: dict[str, str], db: Database) -> None:
    body = _body(client, op)
    headers = op | {"Idempotency-Key": "apply-once"}
    first = client.post("/api/v1/applications", json=body, headers=headers)
    again = client.post("/api/v1/applications", json=body, headers=headers)
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers["idempotent-replayed"] == "true"
    assert _counts(db)[0] == 1


def _decide(client: TestClient, op: dict[str, str], accepted: str, decided: str, action: str) -> None:
    with clock.frozen(at_city(D(accepted))):
        app_id = client.post("/api/v1/applications", json=_body(client, op), headers=op).json()["id"]
        client.post(f"/api/v1/applications/{app_id}/accept", json={}, headers=op)
        client.post(f"/api/v1/applications/{app_id}/review", json={}, headers=op)
    with clock.frozen(at_city(D(decided))):
        answer = client.post(f"/api/v1/applications/{app_id}/{action}", json={"reason": "理由"}, headers=op)
        assert answer.status_code == 200, answer.text


def test_kpis_against_hand_counted_values(client: TestClient, op: dict[str, str], db: Database) -> None:
    # shop-sign: 5 working days.
    _decide(client, op, "2025-09-26", "2025-10-09", "approve")  # 28, 29, 30 Sep, 9 Oct = 4 days, on time
    _decide(client, op, "2025-09-30", "2025-10-13", "refuse")  # 9, 10, 11 (make-up), 13 Oct = 4 days, on time
    _decide(client, op, "2025-10-09", "2025-10-20", "approve")  # 10, 11, 13-17, 20 Oct = 8 days, late
    with clock.frozen(at_city(D("2025-10-10"))):  # declined: counted apart
        app_id = client.post("/api/v1/applications", json=_body(client, op), headers=op).json()["id"]
        client.post(f"/api/v1/applications/{app_id}/decline", json={"reason": "非本部门事项"}, headers=op)
    with clock.frozen(at_city(D("2025-10-20"))):  # one open, accepted 9 Oct, due 16 Oct: overdue today
        app_id = client.post("/api/v1/applications", json=_body(client, op), headers=op).json()["id"]
    with clock.frozen(at_city(D("2025-10-09"))):
        client.post(f"/api/v1/applications/{app_id}/accept", json={}, headers=op)
    analyst = {"X-API-Key": make_key(db, "analyst")}
    with clock.frozen(at_city(D("2025-10-20"))):
        k = client.get("/api/v1/applications/kpis?from=2025-10-01&to=2025-10-31", headers=analyst).json()
    assert (k["decided"], k["on_time"], k["refused"], k["declined"]) == (3, 2, 1, 1)
    assert k["on_time_rate"] == round(2 / 3, 4)
    assert k["average_days"] == round((4 + 4 + 8) / 3, 2)
    assert k["refusal_rate"] == round(1 / 3, 4)
    assert (k["open"], k["overdue"]) == (1, 1)
    assert k["by_service"] == [{"service": "shop-sign", "decided": 3, "on_time": 2, "on_time_rate": 0.6667,
                                "average_days": 5.33, "refused": 1, "refusal_rate": 0.3333}]  # fmt: skip
    assert SHOP_SIGN["legal_days"] == 5


def test_an_attachment_larger_than_the_general_body_limit_but_within_its_own_is_taken(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    big = settings.model_copy(update={"data_dir": tmp_path, "max_body_bytes": 100_000,
                                      "services_attachment_max_bytes": 300_000})  # fmt: skip
    with TestClient(create_app(big, database=db)) as c:
        headers = {"X-API-Key": make_key(db, "operator")}
        taken = _upload(c, headers, b"%PDF-" + b"x" * 200_000)
        assert taken.status_code == 201, taken.text
        refused = _upload(c, headers, b"%PDF-" + b"x" * 300_000)
        assert refused.status_code == 413
        assert (
            c.post(
                "/api/v1/applications",
                content=b"{" + b" " * 200_000 + b"}",
                headers=headers | {"Content-Type": "application/json"},
            ).status_code
            == 413
        )  # other routes keep the limit
