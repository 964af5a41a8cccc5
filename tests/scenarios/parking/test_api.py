"""Gate reads through the API: scoped gate keys, pairing and bills, bad input refused whole, staff corrections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from citybrain.core import clock
from citybrain.core.db import Database
from tests.conftest import make_key
from tests.scenarios.parking.conftest import T0, at
from tests.web.test_access import _request, concrete, matrix

URL = "/api/v1/parking/events"


def read(park: str, direction: str, plate: str, minutes: float, **extra: Any) -> dict[str, Any]:
    return {"car_park": park, "gate": f"{park}-{direction}", "direction": direction, "plate": plate,
            "time": at(minutes), "confidence": 0.95, "image_ref": f"s3://gates/{plate}.jpg"} | extra  # fmt: skip


def post(client: TestClient, key: str, *reads: dict[str, Any]) -> Any:
    body = reads[0] if len(reads) == 1 else {"events": list(reads)}
    return client.post(URL, json=body, headers={"X-API-Key": key})


def test_an_entry_and_its_exit_make_a_billed_session(app_client: TestClient, parks: dict[str, str]) -> None:
    with clock.frozen(T0 + timedelta(hours=5)):
        entry = post(app_client, parks["P1"], read("P1", "in", "粤B12345", 0))
        assert entry.status_code == 200, entry.text
        assert entry.json()["items"][0]["outcome"] == "open"
        out = post(app_client, parks["P1"], read("P1", "out", "粤B12345", 150))  # 2 h 30: 3 day hours
    item = out.json()["items"][0]
    assert (item["outcome"], item["rule"], item["bill_fen"]) == ("close", "same_plate", 1800)
    assert item["session_id"] == entry.json()["items"][0]["session_id"]


def test_a_gate_key_posts_for_its_own_car_park_only(app_client: TestClient, parks: dict[str, str]) -> None:
    with clock.frozen(T0):
        refused = post(app_client, parks["P1"], read("P2", "in", "粤B12345", 0))
        assert refused.status_code == 403
        assert "own car park" in refused.text
        assert post(app_client, parks["P2"], read("P2", "in", "粤B12345", 0)).status_code == 200


def test_bad_reads_refuse_the_whole_batch_and_store_nothing(
    app_client: TestClient, parks: dict[str, str], operator_headers: dict[str, str]
) -> None:
    admin = make_key_admin(app_client)
    with clock.frozen(T0):
        good = read("P1", "in", "粤B12345", -10)
        bad = [read("NOPE", "in", "粤B22222", -5), read("P1", "in", "粤B33333", 60), read("P1", "in", "??", -1)]
        answer = post(app_client, admin, good, *bad)
        assert answer.status_code == 400
        text = answer.text
        assert "unknown car park 'NOPE'" in text
        assert "in the future" in text
        assert "unreadable plate" in text
        assert "nothing was stored" in text
        post(app_client, parks["P1"], read("P1", "in", "粤B44444", -20))
        backwards = post(app_client, parks["P1"], read("P1", "out", "粤B44444", -30))
        assert backwards.status_code == 400
        assert "exit before entry" in backwards.text
    sessions = app_client.get("/api/v1/parking/sessions", headers=operator_headers).json()
    assert [s["plate"] for s in sessions["items"]] == ["粤B44444"]


def make_key_admin(client: TestClient) -> str:
    db: Database = client.app.state.db  # type: ignore[attr-defined]
    return make_key(db, "admin")


def test_the_gate_role_may_post_reads_and_otherwise_gets_what_the_public_gets(
    app_client: TestClient, parks: dict[str, str]
) -> None:
    """Every route of docs/access.md as a gate key: where the public (or any valid key) is allowed, so is a gate;
    where a permission is needed, 403 — except the gate reads themselves."""
    gate = {"X-API-Key": parks["P1"]}
    wrong = []
    for (method, path), cells in matrix().items():
        status = app_client.request(method, concrete(path), **_request(method, path, gate)).status_code
        expected_open = cells["public"] == "✓" or (cells["public"] == "401" and cells["app"] == "✓")
        expected_open |= (method, path) == ("POST", URL)
        if (status in (401, 403)) == expected_open:
            wrong.append(f"{method} {path}: {status}")
    assert wrong == []


def test_duplicates_misreads_and_orphans_through_the_api(
    app_client: TestClient, parks: dict[str, str], operator_headers: dict[str, str]
) -> None:
    with clock.frozen(T0 + timedelta(hours=5)):
        answer = post(
            app_client, parks["P1"],
            read("P1", "in", "粤B80120", 0), read("P1", "in", "粤B80120", 1),  # one pass read twice
            read("P1", "out", "粤BBO120", 60),  # the exit camera misread 8→B and 0→O
            read("P1", "out", "粤A77777", 61),  # never seen coming in
            read("P1", "out", "粤A77777", 61.5),  # … and read twice
        )  # fmt: skip
    items = answer.json()["items"]
    assert [i["outcome"] for i in items] == ["open", "duplicate", "close", "orphan_exit", "duplicate"]
    assert items[4]["session_id"] == items[3]["session_id"]
    assert items[2]["rule"] == "lookalike"
    assert items[2]["review"] is True
    assert items[2]["confidence"] == 0.7
    review = app_client.get("/api/v1/parking/sessions?review=true", headers=operator_headers).json()
    assert {s["status"] for s in review["items"]} == {"closed", "orphan_exit"}


def test_staff_undo_a_pairing_and_pair_by_hand(
    app_client: TestClient, parks: dict[str, str], operator_headers: dict[str, str]
) -> None:
    with clock.frozen(T0 + timedelta(hours=5)):
        items = post(app_client, parks["P1"], read("P1", "in", "粤B12345", 0), read("P1", "out", "粤B12345", 90)).json()
    sid = items["items"][0]["session_id"]
    undone = app_client.post(
        f"/api/v1/parking/sessions/{sid}/unpair", json={"note": "两辆车"}, headers=operator_headers
    )
    assert undone.status_code == 200, undone.text
    stay, orphan = undone.json()
    assert (stay["status"], orphan["status"]) == ("open", "orphan_exit")
    assert "两辆车" in stay["history"][-1]["why"]
    bills = app_client.get("/api/v1/parking/bills", headers=operator_headers).json()["items"]
    assert [b["status"] for b in bills] == ["void"]
    again = app_client.post(
        f"/api/v1/parking/sessions/{orphan['id']}/pair", json={"session_id": sid, "note": "核对图片"},
        headers=operator_headers,
    )  # fmt: skip
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["match_rule"]) == ("closed", "staff")
    bills = app_client.get("/api/v1/parking/bills?status=unpaid", headers=operator_headers).json()["items"]
    assert [b["amount_fen"] for b in bills] == [1200]
    twice = app_client.post(f"/api/v1/parking/sessions/{orphan['id']}/pair", json={"session_id": sid, "note": "x"},
                            headers=operator_headers)  # fmt: skip
    assert twice.status_code == 409


def test_arrears_are_answered_at_the_next_entry_and_paying_clears_them(
    app_client: TestClient, parks: dict[str, str], operator_headers: dict[str, str]
) -> None:
    app_client.app.state.settings.parking_arrears_block_fen = 1000  # type: ignore[attr-defined]
    try:
        with clock.frozen(T0 + timedelta(hours=5)):
            post(app_client, parks["P1"], read("P1", "in", "粤B12345", 0), read("P1", "out", "粤B12345", 120))
            entry = post(app_client, parks["P2"], read("P2", "in", "粤B12345", 180)).json()["items"][0]
        assert (entry["arrears_fen"], entry["blocked"]) == (1200, True)
        account = app_client.get("/api/v1/parking/accounts/粤B12345", headers=operator_headers).json()
        assert account["unpaid_fen"] == 1200
        bill = account["bills"][0]["id"]
        assert app_client.post(f"/api/v1/parking/bills/{bill}/pay", headers=operator_headers).status_code == 200
        assert app_client.post(f"/api/v1/parking/bills/{bill}/pay", headers=operator_headers).status_code == 409
        with clock.frozen(T0 + timedelta(hours=6)):
            later = post(app_client, parks["P2"], read("P2", "out", "粤B12345", 240),
                         read("P2", "in", "粤B12345", 300)).json()["items"]  # fmt: skip
        # the first bill is paid; the hour at P2 (600) is owed, below the 1000 that blocks
        assert (later[1]["arrears_fen"], later[1]["blocked"]) == (600, False)
    finally:
        app_client.app.state.settings.parking_arrears_block_fen = 0  # type: ignore[attr-defined]


def test_reminders_count_on_old_unpaid_bills(
    app_client: TestClient, parks: dict[str, str], operator_headers: dict[str, str]
) -> None:
    with clock.frozen(T0 + timedelta(hours=5)):
        post(app_client, parks["P1"], read("P1", "in", "粤B12345", 0), read("P1", "out", "粤B12345", 120))
    with clock.frozen(T0 + timedelta(days=4)):
        first = app_client.post("/api/v1/parking/bills/remind", json={"after_hours": 72}, headers=operator_headers)
        again = app_client.post("/api/v1/parking/bills/remind", json={"after_hours": 72}, headers=operator_headers)
    assert [b["reminders"] for b in first.json()["items"]] == [1]
    assert again.json()["items"] == []


def test_nearby_finds_the_nearest_car_park_with_space(app_client: TestClient, parks: dict[str, str]) -> None:
    with clock.frozen(T0 + timedelta(hours=5)):
        post(app_client, parks["P1"], read("P1", "in", "粤B11111", 0), read("P1", "in", "粤B22222", 1))
    near = app_client.get("/api/v1/parking/nearby?lat=31.2304&lon=121.4737").json()["items"]
    assert [p["code"] for p in near] == ["P2"]  # P1 is the nearest but full (capacity 2)
    assert 1200 < near[0]["distance_m"] < 1400
    every = app_client.get("/api/v1/parking/car-parks").json()["items"]
    assert [(p["code"], p["occupied"], p["free"]) for p in every] == [("P1", 2, 0), ("P2", 0, 100)]


def test_a_pass_and_an_exempt_vehicle_pay_nothing(
    app_client: TestClient, parks: dict[str, str], operator_headers: dict[str, str]
) -> None:
    start = datetime(2026, 12, 1, tzinfo=UTC).isoformat()
    made = app_client.post("/api/v1/parking/passes", json={"plate": "粤B12345", "kind": "monthly", "car_park": "P1",
                                                           "valid_from": start}, headers=operator_headers)  # fmt: skip
    assert made.status_code == 200, made.text
    with clock.frozen(T0 + timedelta(hours=5)):
        items = post(app_client, parks["P1"], read("P1", "in", "粤B12345", 0), read("P1", "out", "粤B12345", 120),
                     read("P1", "in", "粤A0001警", 0), read("P1", "out", "粤A0001警", 120)).json()["items"]  # fmt: skip
    assert [i["bill_fen"] for i in items if i["outcome"] == "close"] == [0, 0]
    bills = app_client.get("/api/v1/parking/bills?status=unpaid", headers=operator_headers).json()
    assert bills["total"] == 0


def test_car_parks_export_as_ngsi_ld_off_street_parking(app_client: TestClient, parks: dict[str, str]) -> None:
    with clock.frozen(T0 + timedelta(hours=5)):
        post(app_client, parks["P1"], read("P1", "in", "粤B11111", 0))
        answer = app_client.get("/api/v1/parking/ngsi-ld?options=keyValues")
    assert answer.headers["content-type"].startswith("application/ld+json")
    found = {e["id"]: e for e in answer.json()}
    p1 = found["urn:ngsi-ld:OffStreetParking:P1"]
    assert (p1["type"], p1["totalSpotNumber"], p1["occupiedSpotNumber"], p1["availableSpotNumber"]) == (
        "OffStreetParking", 2, 1, 1)  # fmt: skip
    normalized = app_client.get("/api/v1/parking/ngsi-ld").json()
    assert normalized[0]["totalSpotNumber"]["type"] == "Property"


def test_a_gate_key_bound_to_no_car_park_is_refused(app_client: TestClient, parks: dict[str, str]) -> None:
    db: Database = app_client.app.state.db  # type: ignore[attr-defined]
    loose = make_key(db, "gate")  # made with `apikey create --role gate`, never bound
    with clock.frozen(T0):
        answer = post(app_client, loose, read("P1", "in", "粤B12345", 0))
    assert answer.status_code == 403
    assert "bound to no car park" in answer.text


def test_staff_cannot_pair_an_exit_with_a_later_entry(
    app_client: TestClient, parks: dict[str, str], operator_headers: dict[str, str]
) -> None:
    with clock.frozen(T0 + timedelta(hours=5)):
        items = post(app_client, parks["P1"], read("P1", "out", "粤A77777", 10), read("P1", "in", "粤A77777", 20))
    orphan, later = (i["session_id"] for i in items.json()["items"])
    refused = app_client.post(f"/api/v1/parking/sessions/{orphan}/pair", json={"session_id": later, "note": "x"},
                              headers=operator_headers)  # fmt: skip
    assert refused.status_code == 400
    assert "exit before entry" in refused.text
