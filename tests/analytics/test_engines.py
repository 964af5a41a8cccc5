"""One counting layer, two engines: DuckDB and Spark (local mode) give the same rules, boards and warnings.

The Demo City (a small one, in its own SQLite file as ``citybrain demo`` makes it) is exported to the Parquet
snapshot, and ``citybrain analyze associations|hot-issues|warnings`` and ``analyze daily`` run on it with
``CITYBRAIN_ENGINE=duckdb`` and ``=spark``: every count, rule, board and warning must be equal, and each JSON's
``params.engine`` must name the engine that ran. One SparkSession serves the whole module (they land on one xdist
worker through the ``spark`` group) and is stopped at its end.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from citybrain.analytics import io, spark
from citybrain.cases.snapshot import export
from citybrain.cli.main import app
from citybrain.core import clock, migrate
from citybrain.core.db import Database
from citybrain.core.errors import InvalidInput
from citybrain.core.settings import Settings
from citybrain.directory.defaults import load_defaults
from citybrain.insight import service as insight
from citybrain.simulate.load import load_city

pytestmark = pytest.mark.xdist_group("spark")
NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)
runner = CliRunner()


@pytest.fixture(scope="module")
def demo_city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Path]]:
    """A 30-day Demo City in SQLite and its Parquet snapshot; the module's SparkSession is stopped afterwards."""
    folder = tmp_path_factory.mktemp("demo")
    settings = Settings(database_url=f"sqlite:///{folder / 'citybrain.db'}", data_dir=folder)
    database = Database(settings)
    migrate.upgrade(database.engine)
    with database.transaction() as session:
        load_defaults(session)
        load_city(session, days=30, cases_per_day=60, now=NOW)
    export(database, folder / "snapshot")
    database.dispose()
    yield settings, folder / "snapshot"
    spark.stop()


@pytest.fixture
def city_env(demo_city: tuple[Settings, Path], monkeypatch: pytest.MonkeyPatch) -> Settings:
    settings, snapshot = demo_city
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CITYBRAIN_SNAPSHOT_DIR", str(snapshot))
    monkeypatch.setenv("CITYBRAIN_SPARK_MASTER", "local[2]")
    monkeypatch.delenv("CITYBRAIN_ALERT_WEBHOOK_URL", raising=False)
    return settings


def _run(engine: str, monkeypatch: pytest.MonkeyPatch, out: Path, *args: str) -> dict[str, Any]:
    monkeypatch.setenv("CITYBRAIN_ENGINE", engine)
    with clock.frozen(NOW):
        result = runner.invoke(app, ["analyze", *args, "--json", str(out)])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return document


def _without_run(document: dict[str, Any]) -> dict[str, Any]:
    """The document less what differs between two runs by design: the engine and the stored run's id."""
    params = {k: v for k, v in document["params"].items() if k not in ("engine", "run_id")}
    summary = {k: v for k, v in document.get("summary", {}).items() if k != "run_id"}
    return document | {"params": params, "summary": summary}


@pytest.mark.parametrize(
    "args",
    [
        ["associations", "--min-cases", "1", "--max-q", "1", "--top", "5", "--permutations", "0"],
        ["hot-issues", "--top", "8"],
        ["warnings", "--as-of", "2026-03-30", "--replicates", "99", "--seed", "3"],
    ],
    ids=["associations", "hot-issues", "warnings"],
)
def test_both_engines_give_the_same_results_on_the_demo_city(
    city_env: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str]
) -> None:
    duck = _run("duckdb", monkeypatch, tmp_path / "duckdb.json", *args)
    sparked = _run("spark", monkeypatch, tmp_path / "spark.json", *args)
    assert (duck["params"]["engine"], sparked["params"]["engine"]) == ("duckdb", "spark")
    found = duck.get("rules") or duck.get("issues") or duck.get("temporal")
    assert found, "the Demo City gives something to compare"
    assert _without_run(sparked) == _without_run(duck)


def test_the_nightly_job_reads_the_snapshot_on_spark(city_env: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = {}
    for engine in ("duckdb", "spark"):
        monkeypatch.setenv("CITYBRAIN_ENGINE", engine)
        with clock.frozen(NOW):
            result = runner.invoke(app, ["analyze", "daily", "--only", "hot-issues", "--as-of", "2026-03-30"])
        assert result.exit_code == 0, result.output
        database = Database(city_env)
        with database.reading() as session:
            runs[engine] = insight.latest(session, "hot_issues")
        database.dispose()
    duck, sparked = runs["duckdb"], runs["spark"]
    assert (duck["params"]["engine"], sparked["params"]["engine"]) == ("duckdb", "spark")
    assert duck["source"] == sparked["source"] == f"snapshot {city_env.data_dir / 'snapshot'}"
    assert duck["summary"] == sparked["summary"]
    assert {k: v for k, v in duck["params"].items() if k not in ("engine", "run_id")} == {
        k: v for k, v in sparked["params"].items() if k not in ("engine", "run_id")
    }
    assert duck["results"], "the Demo City has hot issues"
    assert [(r["key"], r["case_ids"]) for r in duck["results"]] == [
        (r["key"], r["case_ids"]) for r in sparked["results"]
    ]


def test_the_spark_sql_is_transpiled_with_local_days() -> None:
    text = "SELECT CAST(timezone('Asia/Shanghai', timezone('UTC', created_at)) AS DATE) AS d FROM cases WHERE x = ?"
    assert spark.to_spark_sql(text) == (
        "SELECT CAST(FROM_UTC_TIMESTAMP(created_at, 'Asia/Shanghai') AS DATE) AS d FROM cases WHERE x = ?"
    )
    assert "UNIX_TIMESTAMP(created_at)" in spark.to_spark_sql("SELECT epoch(created_at) FROM cases")
    assert spark.to_spark_sql("SELECT epoch_us(resolved_at) - epoch_us(created_at) FROM kpi_cases") == (
        "SELECT UNIX_MICROS(resolved_at) - UNIX_MICROS(created_at) FROM kpi_cases"  # the KPIs' whole microseconds
    )


def test_without_java_the_spark_engine_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert spark.java_problem() == "no Java found (java not on PATH, JAVA_HOME not set)"
    with pytest.raises(InvalidInput, match="unknown engine 'polars'"):
        io.connect(engine="polars")


# --- the KPIs and the monthly report (citybrain report kpis|monthly) -------------------------------------------------

KPI_ARGS = ["--from", "2026-03-02", "--to", "2026-03-31", "--as-of", "2026-03-25T00:00:00Z", "-f", "json"]
KPI_QUESTIONS = {
    "department-week": ["--by", "department", "--period", "week"],
    "filtered-district-category-day": [
        "--by", "district,category", "--category-level", "2", "--category", "noise", "--period", "day"
    ],
}  # fmt: skip


def _report(monkeypatch: pytest.MonkeyPatch, engine: str, snapshot: bool, *args: str) -> dict[str, Any]:
    if not snapshot:
        monkeypatch.delenv("CITYBRAIN_SNAPSHOT_DIR")
    with clock.frozen(NOW):
        result = runner.invoke(app, ["report", *args, "--engine", engine])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@pytest.mark.parametrize("question", list(KPI_QUESTIONS))
def test_the_kpis_are_the_online_reports_on_both_engines(
    city_env: Settings, monkeypatch: pytest.MonkeyPatch, question: str
) -> None:
    args = ["kpis", *KPI_QUESTIONS[question], *KPI_ARGS]
    online = _report(monkeypatch, "database", True, *args)  # the API's path: SQL in the database
    found = {
        "duckdb on the snapshot": _report(monkeypatch, "duckdb", True, *args),
        "spark on the snapshot": _report(monkeypatch, "spark", True, *args),
    }
    if question == "department-week":  # the live database's rows as Arrow, once
        found["duckdb on the database's rows"] = _report(monkeypatch, "duckdb", False, *args)
    assert online["params"]["engine"] == "database"
    assert online["total"]["received"]
    assert online["total"]["satisfaction_rate"] is not None
    assert len({str(r["satisfaction_rate"]) for r in online["rows"]}) > 2, "the groups differ: a real comparison"
    for name, document in found.items():
        assert document["params"]["engine"] == name.split()[0], name
        assert document["params"] | {"engine": "database"} == online["params"], name
        assert document["total"] == online["total"], name
        assert document["rows"] == online["rows"], name


def test_the_demo_city_tells_the_satisfaction_rates_denominator_apart(city_env: Settings) -> None:
    """The satisfaction rate divides by the scored callbacks: on this city that is neither every case nor every
    resolved one, so a report that divided by another count would differ from the online one above."""
    from sqlalchemy import func, select

    from citybrain.models import Case

    database = Database(city_env)
    with database.reading() as session:
        scored, resolved, received = session.execute(
            select(func.count(Case.satisfaction), func.count(Case.resolved_at), func.count())
        ).one()
    database.dispose()
    assert 0 < scored < resolved < received


def test_the_monthly_report_is_the_online_one_on_both_engines(
    city_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["monthly", "--from", "2026-03-16", "--to", "2026-03-31", "--as-of", "2026-03-31T00:00:00Z", "--no-save"]
    online = _report(monkeypatch, "database", True, *args)
    reports = {engine: _report(monkeypatch, engine, True, *args) for engine in ("duckdb", "spark")}
    assert online["header"]["engine"] == "database"
    assert online["problems"]
    assert any(row["rank"] for row in online["departments"])
    assert any(row["previous"] for row in online["problems"]), "the previous half-month is counted too"

    def same(report: dict[str, Any]) -> dict[str, Any]:
        header = {k: v for k, v in report["header"].items() if k not in ("engine", "generated_at")}
        return report | {"header": header}

    for engine, report in reports.items():
        assert report["header"]["engine"] == engine
        assert same(report) == same(online), engine


def test_a_snapshot_without_the_kpi_columns_asks_for_a_fresh_export(demo_city: tuple[Settings, Path]) -> None:
    from citybrain.cases import repository
    from citybrain.cases.snapshot import MANIFEST, snapshot_files

    _settings, snapshot = demo_city
    manifest = json.loads((snapshot / MANIFEST).read_text(encoding="utf-8"))
    assert snapshot_files(snapshot, needs=repository.KPI_COLUMNS)  # this version's runs record their columns
    for run in manifest["runs"]:
        run.pop("columns")  # as an older version wrote them
    old = snapshot.parent / "old-snapshot"
    old.mkdir(exist_ok=True)
    (old / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert snapshot_files(old)  # the other analyses still read it
    with pytest.raises(InvalidInput, match=r"without the column\(s\) .*callback_at.*export it afresh, whole"):
        snapshot_files(old, needs=repository.KPI_COLUMNS)
