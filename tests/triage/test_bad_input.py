"""Bad input at intake: a clear result or a clear error, never a crash or a silent wrong answer."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.models import Case
from citybrain.nlp import persistence
from citybrain.nlp.model import TrainConfig, train
from tests.triage.conftest import AppFactory, post


def staff_case(client: TestClient, db: Database, headers: dict[str, str], text: str) -> Case:
    response = client.post("/api/v1/cases", json={"channel": "web", "text": text}, headers=headers)
    assert response.status_code == 201, response.text
    with db.reading() as s:
        case = s.get(Case, response.json()["id"])
        assert case is not None
        s.expunge(case)
    return case


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("ＡＢＣ化工厂每天排放刺鼻废气，空气污染严重，请环保部门查处", "环境保护"),  # full-width letters
        ("<p>化工厂&nbsp;排放废气，<br>空气污染严重</p>", "环境保护"),  # HTML remnants
        ("The 化工厂 keeps 排放废气 at night!! 空气污染 serious 😷", "环境保护"),  # mixed scripts, emoji
    ],
)
def test_messy_text_is_cleaned_and_classified(
    make_client: AppFactory, db: Database, operator_headers: dict[str, str], text: str, label: str
) -> None:
    case = staff_case(make_client(threshold=0.5), db, operator_headers, text)
    assert case.triage is not None
    assert case.triage["category"]["label"] == label


@pytest.mark.parametrize("text", ["", "   ", "<br><br>", "😀😀😀"])
def test_empty_or_meaningless_text_waits_for_a_person(
    make_client: AppFactory, db: Database, operator_headers: dict[str, str], text: str
) -> None:
    case = staff_case(make_client(threshold=0.5), db, operator_headers, text)
    assert case.needs_review is True
    assert case.status == "received"
    assert case.triage is not None
    assert case.triage["review"] == ["category"]


def test_a_100_kb_message_is_read_quickly(
    make_client: AppFactory, db: Database, operator_headers: dict[str, str]
) -> None:
    client = make_client(threshold=0.5)
    text = "化工厂排放废气，空气污染严重。" * 7000  # 105,000 characters: the staff API's limit is 100,000
    refused = client.post("/api/v1/cases", json={"channel": "web", "text": text}, headers=operator_headers)
    assert refused.status_code in (400, 422)
    started = time.perf_counter()
    case = staff_case(client, db, operator_headers, text[:100_000])
    assert time.perf_counter() - started < 5
    assert case.triage is not None
    assert case.triage["category"]["label"] == "环境保护"


def test_open311_without_service_code_needs_a_description(make_client: AppFactory, app_key: str, db: Database) -> None:
    client = make_client()
    response = post(client, app_key, description="   ")
    assert response.status_code == 400
    assert "service_code was not provided" in response.text
    html = post(client, app_key, description="看 <script>alert(1)</script>")
    assert html.status_code == 400


def test_a_model_label_that_is_not_in_the_directory_goes_to_a_person(
    make_client: AppFactory, db: Database, operator_headers: dict[str, str], tmp_path: Path
) -> None:
    texts = ["飞碟降落在广场", "外星人在广场跳舞", "火星车开进小区", "火星探测器掉进小区"]
    odd = train(texts, ["外星人", "外星人", "火星", "火星"], TrainConfig(calibration_folds=2))
    path = persistence.save(odd, tmp_path / "odd.npz")
    case = staff_case(make_client(model=path, threshold=0.01), db, operator_headers, "外星人降落在广场")
    assert case.needs_review is True
    assert case.triage is not None
    assert "not a category of the directory" in case.triage["category"]["why"]
