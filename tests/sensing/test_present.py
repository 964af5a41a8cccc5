"""The Observation as JSON: the publisher's direct form equals the generic one a GET answers with."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from citybrain.models.sensing import (
    RESULT_BOOLEAN,
    RESULT_INTEGER,
    RESULT_JSON,
    RESULT_NULL,
    RESULT_NUMBER,
    RESULT_STRING,
)
from citybrain.sensing.entities import BY_NAME
from citybrain.sensing.present import entity_json, observation_json, observation_text

BASE = "http://city.example/sta/v1.1"
T0 = datetime(2024, 1, 1, 8, 0, 0, 125000, tzinfo=timezone(timedelta(hours=8)))
T1 = datetime(2024, 1, 1, 1, 0, tzinfo=UTC)


class _Row:
    def __init__(self, ident: int, values: dict[str, Any]) -> None:
        self.id = ident
        self.__dict__.update(values)


def test_observation_json_is_entity_json_for_every_kind_of_value() -> None:
    results = [
        (RESULT_NUMBER, 35.5, None, None),
        (RESULT_INTEGER, 7.0, None, None),
        (RESULT_BOOLEAN, 0.0, None, None),
        (RESULT_STRING, None, "good", None),
        (RESULT_JSON, None, None, {"a": [1, None]}),
        (RESULT_NULL, None, None, None),
    ]
    phenomena = [(T0, None), (T0, T1), (T1, T1)]
    optional = [None, {"flag": "pass"}]
    cases = itertools.product(results, phenomena, [None, T1], optional, [(None, None), (T0, T1)], optional)
    for n, (result, phenomenon, result_time, quality, valid, parameters) in enumerate(cases, start=1):
        values = {
            "datastream_id": 3,
            "feature_of_interest_id": 4,
            "result_type": result[0],
            "result_number": result[1],
            "result_string": result[2],
            "result_json": result[3],
            "phenomenon_time_start": phenomenon[0],
            "phenomenon_time_end": phenomenon[1],
            "result_time": result_time,
            "result_quality": quality,
            "valid_time_start": valid[0],
            "valid_time_end": valid[1],
            "parameters": parameters,
        }
        expected = entity_json(BY_NAME["Observation"], _Row(n, values), BASE)
        made = observation_json(BASE, n, values)
        assert made == expected
        assert list(made) == list(expected)  # the same keys in the same order: the same JSON text
        assert observation_text(BASE, n, values) == json.dumps(expected, ensure_ascii=False)


def test_observation_text_of_awkward_numbers_and_bases() -> None:
    values = {"result_type": RESULT_NUMBER, "phenomenon_time_start": T0, "result_time": None}
    for number in (1e-7, 1e22, -0.0, 3.0, 0.1 + 0.2, float("nan"), 123456789.123):
        for base in (BASE, 'http://host/"quoted"/\\城市/sta/v1.1'):
            made = observation_text(base, 9, values | {"result_number": number})
            assert made == json.dumps(observation_json(base, 9, values | {"result_number": number}), ensure_ascii=False)
