"""The catalogue: `citybrain services import` all or nothing with a report, and the checks of a form."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.errors import ImportRejected, InvalidInput
from citybrain.core.settings import Settings
from citybrain.models import OnlineService
from citybrain.services import repository as repo
from citybrain.services import service
from citybrain.services.catalogue import check_eligible, check_form, parse_spec
from tests.services.factories import FORM, ID_NUMBER, SHOP_SIGN

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "src" / "citybrain" / "services" / "data" / "example_catalogue.json"


@pytest.fixture
def cli_env(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    return db


def _count(db: Database) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(OnlineService)) or 0


def test_the_example_catalogue_imports_and_a_second_run_updates(cli_env: Database) -> None:
    first = runner.invoke(app, ["services", "import", str(EXAMPLE)])
    assert first.exit_code == 0, first.output
    assert "2 created, 0 updated" in first.output
    again = runner.invoke(app, ["services", "import", str(EXAMPLE)])
    assert "0 created, 2 updated" in again.output
    with cli_env.reading() as s:
        sign = repo.service_by_code(s, "shop-sign")
        assert sign is not None
        assert (sign.legal_days, len(sign.spec["materials"]), len(sign.spec["fields"])) == (5, 3, 6)
    listed = runner.invoke(app, ["services", "list"])
    assert "road-dig" in listed.output


def test_one_bad_entry_refuses_the_file_names_every_problem_and_writes_nothing(
    cli_env: Database, tmp_path: Path
) -> None:
    good = copy.deepcopy(SHOP_SIGN)
    bad_department = {**copy.deepcopy(SHOP_SIGN), "code": "other", "department": "nowhere"}
    bad_field = {**copy.deepcopy(SHOP_SIGN), "code": "third", "legal_days": 0}
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps([good, bad_department, bad_field]), encoding="utf-8")
    result = runner.invoke(app, ["services", "import", str(path)])
    assert result.exit_code == 2
    assert "nothing imported" in result.output
    assert "department 'nowhere' is not in the directory" in result.output
    assert "legal_days" in result.output
    assert _count(cli_env) == 0


def test_a_file_that_is_not_json_is_refused(cli_env: Database, tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["services", "import", str(path)])
    assert result.exit_code == 2
    assert "is not JSON" in result.output
    missing = runner.invoke(app, ["services", "import", str(tmp_path / "none.json")])
    assert missing.exit_code == 2
    assert "cannot read" in missing.output


def test_a_service_twice_in_one_file_is_refused(db: Database) -> None:
    with db.transaction() as s, pytest.raises(ImportRejected, match="in the file twice"):
        service.import_catalogue(s, [SHOP_SIGN, SHOP_SIGN], now=datetime(2026, 1, 5, tzinfo=UTC))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"fields": [{"key": "a", "label": "A", "type": "choice"}]}, "needs choices"),
        ({"fields": [{"key": "a", "label": "A"}, {"key": "a", "label": "B"}]}, "field named twice"),
        ({"eligibility": [{"field": "zz", "op": "eq", "value": 1, "message": "m"}]}, "a field the form does not"),
        ({"materials": [{"code": "m", "name": "M", "types": ["text/html"]}]}, "types"),
        ({"fields": [{"key": "a", "label": "A", "pattern": "("}]}, "does not compile"),
    ],
)
def test_a_broken_spec_says_what_is_wrong(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_spec({**SHOP_SIGN, **change})


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("width_m", "wide", "width_m .*must be a number"),
        ("width_m", 12, "must be at most 10"),
        ("storeys", 1.5, "must be a whole number"),
        ("lit", "maybe", "must be one of: 是, 否"),
        ("contact", "12345", "is not a phone number"),
        ("shop", "x" * 51, "longer than 50"),
        ("start", "2026-02-30", "must be a date"),
        ("shop", "", "shop .*required"),
        ("extra", "1", "extra: not a field"),
    ],
)
def test_a_field_failing_its_check_is_named(field: str, value: Any, message: str) -> None:
    spec = parse_spec(SHOP_SIGN)
    with pytest.raises(InvalidInput, match=message):
        check_form(spec, {**FORM, field: value})


def test_a_good_form_is_normalised_and_eligibility_is_read_on_it() -> None:
    spec = parse_spec(SHOP_SIGN)
    checked = check_form(spec, {**FORM, "start": "2026-03-01"})
    assert checked == {"shop": "老王面馆", "width_m": 3.5, "storeys": 1, "lit": "否", "contact": "13812345678",
                       "start": "2026-03-01"}  # fmt: skip
    with pytest.raises(InvalidInput, match="招牌不得设置在三层及以上"):
        check_eligible(spec, check_form(spec, {**FORM, "storeys": 3}))


def test_an_id_number_field_checks_the_check_character() -> None:
    spec = parse_spec({**SHOP_SIGN, "fields": [{"key": "id", "label": "身份证号", "type": "id_number"}],
                       "eligibility": []})  # fmt: skip
    assert check_form(spec, {"id": ID_NUMBER}) == {"id": ID_NUMBER}
    with pytest.raises(InvalidInput, match="not a valid resident ID"):
        check_form(spec, {"id": ID_NUMBER[:-1] + "1"})
