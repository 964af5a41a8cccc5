"""Triage fixtures: a small real classifier (Teddy Cup messages, fast settings) and apps configured with it."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models import Case
from citybrain.nlp import persistence
from citybrain.nlp.dataset import read_columns
from citybrain.nlp.model import TrainConfig, train
from citybrain.triage.model_cache import MODELS
from citybrain.web.app import create_app
from tests.conftest import make_key, shared_path

#: Clear messages of three Teddy classes (labour, education, environment) and where they are routed.
WAGES = "某建筑公司拖欠我们农民工工资已经半年，多次讨薪无果，请劳动监察部门帮忙追讨工资。"
SCHOOL = "孩子今年上小学，学区划分不合理，学校招生入学报名材料要求太多，请教育局解释。"
#: A message that says nothing about its subject: the model is unsure (confidence ~0.3).
VAGUE = "我想反映一个情况，希望领导重视。联系电话13812345678"


@pytest.fixture(scope="session")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained on 900 real labelled messages (3 calibration folds: a few seconds)."""
    cols = read_columns(shared_path("data", "teddy2020c", "messages_labelled.csv"), ["text", "label"])
    rows = random.Random(11).sample(list(zip(cols["text"], cols["label"], strict=True)), 900)
    model = train([r[0] for r in rows], [r[1] for r in rows], TrainConfig(calibration_folds=3))
    return persistence.save(model, tmp_path_factory.mktemp("model") / "model.npz")


AppFactory = Callable[..., TestClient]


@pytest.fixture
def make_client(db: Database, settings: Settings, model_file: Path) -> Iterator[AppFactory]:
    """Build a started app whose settings say which model (or none) and threshold triage uses."""
    stack: list[TestClient] = []

    def build(*, model: Path | None = model_file, threshold: float = 0.5, **extra: Any) -> TestClient:
        missing = settings.data_dir / "no-such-model.npz"
        tuned = settings.model_copy(
            update={"classify_model_path": model or missing, "triage_confidence_threshold": threshold, **extra}
        )
        client = TestClient(create_app(tuned, database=db))
        client.__enter__()
        stack.append(client)
        return client

    yield build
    for client in reversed(stack):
        client.__exit__(None, None, None)
    MODELS.clear()


@pytest.fixture
def app_key(db: Database) -> str:
    return make_key(db, "app")


def post(client: TestClient, key: str, **fields: Any) -> httpx.Response:
    response = client.post("/open311/v2/requests.json", data={"api_key": key, "lat": "28.2", "long": "112.9", **fields})
    return cast(httpx.Response, response)


def case_of(db: Database, response: httpx.Response) -> Case:
    assert response.status_code == 200, response.text
    case_id = int(response.json()[0]["service_request_id"])
    with db.reading() as s:
        case = s.scalars(select(Case).where(Case.id == case_id)).one()
        s.expunge(case)
    return case
