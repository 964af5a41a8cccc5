"""`citybrain privacy purge`: after the retention period a closed case loses its citizen's personal data, and every
KPI stays exactly as it was (个人信息保存期限, PIPL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models import Case, CaseContact, CaseEvent
from citybrain.web.app import create_app
from tests.conftest import make_key
from tests.web.seeded_city import CITIZENS, seed_city

runner = CliRunner()
KPI_VIEWS = ("", "?by=department", "?by=district,category", "?by=channel&period=month")


@pytest.fixture
def city(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("CITYBRAIN_PII_RETENTION_DAYS", raising=False)
    return db


def kpis(client: TestClient, headers: dict[str, str]) -> list[object]:
    answers = [client.get(f"/api/v1/kpis{view}", headers=headers) for view in KPI_VIEWS]
    assert all(a.status_code == 200 for a in answers), [a.text[:200] for a in answers]
    bodies = [a.json() for a in answers]
    for body in bodies:
        body["params"].pop("as_of")  # the moment asked, not a figure
    return bodies


def stored_text(db: Database, case_ids: list[int]) -> str:
    """Every column of the cases, contacts and events as one string: where a secret would be found."""
    with db.reading() as session:
        rows = [
            *session.execute(sa.select(Case).where(Case.id.in_(case_ids))).scalars(),
            *session.execute(sa.select(CaseContact).where(CaseContact.case_id.in_(case_ids))).scalars(),
            *session.execute(sa.select(CaseEvent).where(CaseEvent.case_id.in_(case_ids))).scalars(),
        ]
        return " ".join(str({c.key: getattr(r, c.key) for c in sa.inspect(r).mapper.column_attrs}) for r in rows)


def test_the_purge_removes_personal_data_and_keeps_every_kpi(city: Database, settings: Settings) -> None:
    seeded = seed_city(city, days=20, per_day=30)
    old = list(seeded.citizen_cases.values())
    long_ago = clock.utcnow() - timedelta(days=400)
    with city.transaction() as session:  # the citizens' cases were closed over a year ago
        session.execute(sa.update(Case).where(Case.id.in_(old)).values(status="closed", closed_at=long_ago))
    headers = {"X-API-Key": make_key(city, "admin")}
    with TestClient(create_app(settings, database=city)) as client:
        before = kpis(client, headers)
        secrets = [s for c in CITIZENS for s in c.secrets()]
        assert [s for s in secrets if s in stored_text(city, old)] == secrets  # all there to begin with

        dry = runner.invoke(app, ["privacy", "purge", "--days", "365"])
        assert dry.exit_code == 0, dry.output
        assert "dry run: 3 case(s)" in dry.output
        assert [s for s in secrets if s in stored_text(city, old)] == secrets

        done = runner.invoke(app, ["privacy", "purge", "--days", "365", "--apply"])
        assert done.exit_code == 0, done.output
        assert "purged the personal data of 3 case(s)" in done.output
        assert [s for s in secrets if s in stored_text(city, old)] == []
        assert kpis(client, headers) == before

    with city.reading() as session:
        contact = session.get(CaseContact, old[0])
        assert contact is not None
        assert (contact.name, contact.phone, contact.email, contact.id_number) == (None, None, None, None)
        case = session.get(Case, old[0])
        assert case is not None
        assert case.pii_purged_at is not None
        assert case.address is not None
        assert case.address.startswith(CITIZENS[0].street)  # the street stays, the door goes
        recent = session.scalars(sa.select(Case).where(Case.id.not_in(old), Case.pii_purged_at.is_not(None)))
        assert list(recent) == []  # nothing closed within the year was touched
    again = runner.invoke(app, ["privacy", "purge", "--days", "365", "--apply"])
    assert "of 0 case(s)" in again.output


def test_without_a_retention_period_the_purge_refuses(city: Database) -> None:
    result = runner.invoke(app, ["privacy", "purge", "--apply"])
    assert result.exit_code != 0
    assert "CITYBRAIN_PII_RETENTION_DAYS" in result.output
