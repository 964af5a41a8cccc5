"""不确定，请帮我分类: "not sure" is offered only when intake has a classifier to read the request.

With a classifier the request goes in without a category and is read and routed (tests/e2e/test_journey.py).
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from citybrain.core.db import Database
from tests.web.test_portal import GOOD, case_count, error, submit


def test_without_a_classifier_not_sure_is_not_offered_and_is_refused(portal: TestClient, db: Database) -> None:
    page = portal.get("/portal").text
    assert 'value="auto"' not in page
    before = case_count(db)
    answer = submit(portal, **(GOOD | {"service_code": "auto"}))
    assert answer.status_code == 400
    assert error(answer)[1].startswith("填写内容有误")
    assert "classifier" in error(answer)[1]
    assert case_count(db) == before
