"""``citybrain export parquet``: the snapshot holds every case by month, a later run adds only what changed (a
status change of an old case too), and reading it gives the same cases as the live database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from citybrain.analytics import io
from citybrain.cases import repository, service
from citybrain.cases.snapshot import export, snapshot_files
from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.errors import InvalidInput
from citybrain.core.settings import Settings
from citybrain.models import Case
from citybrain.simulate.load import load_city

NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)


@pytest.fixture
def city(db: Database) -> Database:
    with db.transaction() as session:
        load_city(session, days=45, cases_per_day=12, now=NOW)
    return db


def _snapshot_ids(folder: Path) -> list[str]:
    con = io.connect(engine="duckdb")
    try:
        io.open_snapshot(con, snapshot_files(folder))
        return [str(r[0]) for r in con.execute("SELECT id FROM cases ORDER BY id").fetchall()]
    finally:
        con.close()


def _database_ids(db: Database) -> list[str]:
    with db.reading() as session:
        return sorted(repository.case_table(session).column("id").to_pylist())


def test_first_run_writes_every_case_by_month_and_a_manifest(city: Database, tmp_path: Path) -> None:
    out = tmp_path / "snap"
    done = export(city, out, overlap_seconds=0)
    with city.reading() as session:
        total = len(session.scalars(select(Case.id)).all())
        months = {c.strftime("%Y-%m") for c in session.scalars(select(Case.created_at))}
    assert (done.run, done.rows) == (1, total)
    assert {p.split("/")[0] for p in done.files} == {f"month={m}" for m in months}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rows"] == total
    assert len(manifest["runs"]) == 1
    for entry in manifest["runs"][0]["files"]:  # each file holds its month's cases only, as many as listed
        table = pq.read_table(out / entry["path"])
        assert table.num_rows == entry["rows"]
        month = entry["path"][len("month=") : len("month=YYYY-MM")]
        assert {t.strftime("%Y-%m") for t in table.column("created_at").to_pylist()} == {month}
    assert _snapshot_ids(out) == _database_ids(city)


def test_a_later_run_adds_only_the_changed_cases(city: Database, tmp_path: Path) -> None:
    out = tmp_path / "snap"
    export(city, out, overlap_seconds=0)
    assert export(city, out, overlap_seconds=0).rows == 0  # nothing changed: nothing added
    with city.transaction() as session:
        oldest = session.scalars(
            select(Case).where(Case.status.in_(("received", "dispatched", "accepted"))).order_by(Case.created_at)
        ).first()
        assert oldest is not None
        service.invalidate(session=session, case=oldest, actor="test", reason="spam")
        changed = str(oldest.id)
    third = export(city, out, overlap_seconds=0)
    assert third.rows == 1
    assert pq.read_table(out / third.files[0]).column("id").to_pylist() == [changed]
    ids = _snapshot_ids(out)
    assert changed not in ids  # its latest version (invalid) wins over the first run's
    assert ids == _database_ids(city)


def test_files_the_manifest_does_not_list_are_not_read(city: Database, tmp_path: Path) -> None:
    out = tmp_path / "snap"
    export(city, out, overlap_seconds=0)
    first = snapshot_files(out)[0]
    pq.write_table(pq.read_table(first), first.parent / "run-00002.parquet")  # a run that died before its manifest
    assert _snapshot_ids(out) == _database_ids(city)
    assert export(city, out, overlap_seconds=0).run == 2  # the next run takes its number and writes over it


def test_the_command_and_its_errors(
    city: Database, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    out = tmp_path / "snap"
    result = CliRunner().invoke(app, ["export", "parquet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "run 1:" in result.output
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "manifest.json").write_text('{"format": "something else"}', encoding="utf-8")
    refused = CliRunner().invoke(app, ["export", "parquet", "--out", str(tmp_path / "other")])
    assert refused.exit_code != 0
    assert "use another --out" in refused.output
    with pytest.raises(InvalidInput, match="citybrain export parquet --out"):
        snapshot_files(tmp_path / "empty")


def _kpi_rows(con: object) -> list[tuple[object, ...]]:
    names = ", ".join(("id", "created_at", *repository.KPI_COLUMNS))
    return [tuple(r) for r in con.execute(f"SELECT {names} FROM kpi_cases ORDER BY id").fetchall()]  # type: ignore[attr-defined]


def test_the_kpis_read_every_case_with_its_kpi_columns_as_the_database_has_them(city: Database, tmp_path: Path) -> None:
    out = tmp_path / "snap"
    export(city, out, overlap_seconds=0)
    with city.transaction() as session:  # an invalid case: the analyses leave it out, the KPIs count it
        case = session.scalars(select(Case).where(Case.status == "received").order_by(Case.id)).first()
        assert case is not None
        service.invalidate(session=session, case=case, actor="test", reason="spam")
    export(city, out, overlap_seconds=0)
    snap, live = io.connect(engine="duckdb"), io.connect(engine="duckdb")
    try:
        io.open_snapshot(snap, snapshot_files(out, needs=repository.KPI_COLUMNS), kpis=True)
        with city.reading() as session:
            io.register(live, repository.case_table(session, with_kpis=True), view="kpi_cases")
        rows = _kpi_rows(snap)
        assert rows == _kpi_rows(live)
        assert str(case.id) in {r[0] for r in rows}
        assert any(r[repository.KPI_COLUMNS.index("satisfaction") + 2] is not None for r in rows)
    finally:
        snap.close()
        live.close()


def test_a_snapshot_of_an_older_version_serves_the_analyses_but_not_the_kpis(city: Database, tmp_path: Path) -> None:
    out = tmp_path / "snap"
    export(city, out, overlap_seconds=0)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["runs"][0]["files"]:  # as the first version wrote them: no KPI columns, none recorded
        path = out / entry["path"]
        pq.write_table(pq.read_table(path).drop_columns(list(repository.KPI_COLUMNS)), path)
    del manifest["runs"][0]["columns"]
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with city.transaction() as session:
        case = session.scalars(select(Case).where(Case.status == "received").order_by(Case.id)).first()
        assert case is not None
        service.invalidate(session=session, case=case, actor="test", reason="spam")
    assert export(city, out, overlap_seconds=0).rows == 1  # a new run's file, with the KPI columns, beside old ones
    assert _snapshot_ids(out) == _database_ids(city)
    with pytest.raises(InvalidInput, match=r"run\(s\) 1 of this snapshot were written without .*export it afresh"):
        snapshot_files(out, needs=repository.KPI_COLUMNS)
