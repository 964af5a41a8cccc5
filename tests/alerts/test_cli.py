"""``citybrain analyze warnings`` and ``citybrain alerts …``: the JSON shape, storing, the daily job, bad input."""

from __future__ import annotations

import csv
import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from typer.testing import CliRunner

from citybrain.alerts import repository
from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings

runner = CliRunner()
START = datetime(2026, 1, 1, 8)
LAST = date(2026, 2, 9)  # day 39: the third day of the planted cluster
FAST = ["--replicates", "99", "--seed", "3"]
CLUSTER_KEYS = {"center", "radius_m", "start", "end", "observed", "expected", "recurrence_days", "p_value", "case_ids"}
TEMPORAL_KEYS = {"series", "method", "date", "observed", "expected", "threshold", "p_value"}


def _rows(days: int = 40, per_day: int = 10, planted: tuple[int, ...] = (37, 38, 39)) -> list[list[object]]:
    """Background cases spread over a city, and a burst of noise complaints around one spot on ``planted`` days."""
    rng = random.Random(5)
    rows: list[list[object]] = []
    for day in range(days):
        for k in range(per_day):
            at = START + timedelta(days=day, minutes=rng.randint(0, 600))
            lat, lon = 28.10 + rng.random() * 0.2, 112.90 + rng.random() * 0.2
            rows.append([f"b{day}-{k}", at.isoformat(), rng.choice(["roads", "water"]), lat, lon])
        if day in planted:
            for k in range(12):
                at = START + timedelta(days=day, minutes=rng.randint(0, 600))
                rows.append(
                    [
                        f"p{day}-{k}",
                        at.isoformat(),
                        "noise",
                        28.15 + rng.random() * 0.004,
                        112.95 + rng.random() * 0.004,
                    ]
                )
    return rows


def _write(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "created_at", "category", "lat", "lon"])
        writer.writerows(rows)
    return path


@pytest.fixture
def cases_csv(tmp_path: Path) -> Path:
    return _write(tmp_path / "cases.csv", _rows())


def _warnings(path: Path, as_of: str, out: Path, *more: str) -> dict[str, Any]:
    result = runner.invoke(
        app, ["analyze", "warnings", "--input", str(path), "--as-of", as_of, "--json", str(out), *FAST, *more]
    )
    assert result.exit_code == 0, result.output
    return cast(dict[str, Any], json.loads(out.read_text(encoding="utf-8")))


def test_the_json_shape_on_a_small_file(cases_csv: Path, tmp_path: Path) -> None:
    body = _warnings(cases_csv, LAST.isoformat(), tmp_path / "w.json")
    assert set(body) == {"temporal", "clusters", "params"}
    assert body["params"] == {"as_of": LAST.isoformat(), "cell_m": 250, "engine": "duckdb"}
    (cluster,) = body["clusters"]
    assert set(cluster) == CLUSTER_KEYS
    assert set(cluster["center"]) == {"lat", "lon"}
    assert abs(cluster["center"]["lat"] - 28.152) < 0.01
    assert (cluster["end"], cluster["recurrence_days"]) == ("2026-02-09", 100.0)
    planted = {f"p{d}-{k}" for d in (37, 38, 39) for k in range(12)}
    found = planted & set(cluster["case_ids"])
    assert len(found) >= 30, "most of the burst (a spot may straddle a cell border)"
    assert cluster["observed"] >= len(found)
    assert cluster["expected"] < cluster["observed"] / 3
    assert body["temporal"], "the noise burst is a temporal alarm too"
    assert all(set(t) == TEMPORAL_KEYS for t in body["temporal"])
    assert {(t["series"], t["date"]) for t in body["temporal"]} == {("noise", "2026-02-09")}


def test_a_radius_cap_bounds_the_clusters(cases_csv: Path, tmp_path: Path) -> None:
    wide = _warnings(cases_csv, LAST.isoformat(), tmp_path / "wide.json", "--cell-m", "500")
    assert any(c["radius_m"] > 400 for c in wide["clusters"])
    capped = _warnings(cases_csv, LAST.isoformat(), tmp_path / "w.json", "--cell-m", "500", "--max-radius-m", "400")
    assert all(c["radius_m"] <= 400 for c in capped["clusters"])
    assert capped != wide


def test_min_cases_drops_clusters_smaller_than_asked(cases_csv: Path, tmp_path: Path) -> None:
    found = _warnings(cases_csv, LAST.isoformat(), tmp_path / "a.json")
    smallest = min(c["observed"] for c in found["clusters"])
    fewer = _warnings(cases_csv, LAST.isoformat(), tmp_path / "b.json", "--min-cases", str(smallest + 1))
    assert all(c["observed"] > smallest for c in fewer["clusters"])
    assert len(fewer["clusters"]) < len(found["clusters"])


def test_the_same_seed_gives_the_same_answer(cases_csv: Path, tmp_path: Path) -> None:
    first = _warnings(cases_csv, LAST.isoformat(), tmp_path / "a.json")
    assert _warnings(cases_csv, LAST.isoformat(), tmp_path / "b.json") == first


def test_bad_rows_are_left_out_and_counted(tmp_path: Path) -> None:
    rows = _rows()
    rows += [rows[0], rows[1]]  # two repeated rows
    rows += [["late", (START + timedelta(days=45)).isoformat(), "roads", 28.2, 112.95]]  # after the as-of day
    rows += [[f"nxy{k}", (START + timedelta(days=39)).isoformat(), "roads", "", ""] for k in range(3)]
    result = runner.invoke(
        app, ["analyze", "warnings", "--input", str(_write(tmp_path / "c.csv", rows)), "--as-of", "2026-02-09", *FAST]
    )
    assert result.exit_code == 0, result.output
    assert "2 repeated row(s)" in result.stderr
    assert "1 case(s) after the analysis day" in result.stderr
    assert "3 case(s) of the scan's window without coordinates" in result.stderr
    body = json.loads(result.stdout)
    assert not {"late", "nxy0"} & {i for c in body["clusters"] for i in c["case_ids"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "/nonexistent/cases.csv"], "no such file"),
        (["--as-of", "2026-02-30"], "not a date"),
        (["--as-of", "2999-01-01"], "is in the future"),
        (["--replicates", "-1"], "replicates"),
        (["--cell-m", "0"], "--cell-m"),
        (["--max-radius-m", "-5"], "max_radius_m"),
        (["--centres", "hexagons"], "--centres must be one of cells, corners, half"),
        (["--min-cases", "0"], "min_cases"),
        (["--by", "category,nosuch"], "no column nosuch"),
    ],
)
def test_bad_input_is_exit_2_and_writes_nothing(cases_csv: Path, tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "never.json"
    base = ["analyze", "warnings", "--input", str(cases_csv), "--json", str(out)]
    result = runner.invoke(app, [*base, *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not out.exists()


def test_an_unwritable_json_target_is_exit_2_with_a_clear_message(cases_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "no such folder" / "warnings.json"
    result = runner.invoke(app, ["analyze", "warnings", "--input", str(cases_csv), "--json", str(out)])
    assert result.exit_code == 2, result.output
    assert "cannot write" in result.stderr
    assert not out.parent.exists()


def test_a_quiet_stretch_and_a_single_day_find_nothing(tmp_path: Path) -> None:
    old = _write(tmp_path / "old.csv", _rows(days=3, planted=()))
    quiet = _warnings(old, "2026-03-20", tmp_path / "q.json")  # every series is zero for weeks before the day
    assert (quiet["temporal"], quiet["clusters"], quiet["params"]["engine"]) == ([], [], "duckdb")
    one_day = _write(tmp_path / "one.csv", _rows(days=1, planted=(0,)))
    single = _warnings(one_day, "2026-01-01", tmp_path / "o.json")
    assert (single["temporal"], single["clusters"]) == ([], [])


@pytest.fixture
def cli_db(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("CITYBRAIN_ALERT_WEBHOOK_URL", raising=False)
    return db


@pytest.mark.slow
def test_stored_warnings_grow_one_alert_over_consecutive_days(
    cli_db: Database, cases_csv: Path, tmp_path: Path
) -> None:
    for day in ("2026-02-08", "2026-02-09"):
        _warnings(cases_csv, day, tmp_path / f"{day}.json", "--store")
    with cli_db.reading() as session:
        alerts, _ = repository.list_alerts(session, status=None, limit=50, offset=0)
        clusters = [a for a in alerts if a.kind == "cluster"]
        assert len(clusters) == 1
        (alert,) = clusters
        assert (alert.first_signal_on, alert.last_signal_on) == (date(2026, 2, 8), date(2026, 2, 9))
        assert len({f"p39-{k}" for k in range(12)} & set(alert.case_ids or [])) >= 8
        alert_id = alert.id
        assert [e.action for e in repository.events(session, alert_id)] == ["raised", "grew"]
    _warnings(cases_csv, "2026-02-09", tmp_path / "again.json", "--store")  # a re-run adds nothing
    with cli_db.reading() as session:
        assert [e.action for e in repository.events(session, alert_id)] == ["raised", "grew"]


def test_alerts_commands(cli_db: Database, cases_csv: Path, tmp_path: Path) -> None:
    _warnings(cases_csv, "2026-02-09", tmp_path / "w.json", "--store")
    with cli_db.reading() as session:
        alert_id = next(
            a.id for a in repository.list_alerts(session, status="open", limit=50, offset=0)[0] if a.kind == "cluster"
        )
    listed = runner.invoke(app, ["alerts", "list", "--status", "open"])
    assert listed.exit_code == 0, listed.output
    assert "2 of 2 alert(s)" in listed.stdout  # the cluster, and one alert for the noise series (its methods inside)
    shown = runner.invoke(app, ["alerts", "show", str(alert_id)])
    assert '"radius_m"' in shown.stdout
    assert runner.invoke(app, ["alerts", "ack", str(alert_id), "--version", "1", "--note", "在查"]).exit_code == 0
    stale = runner.invoke(app, ["alerts", "close", str(alert_id), "--version", "1"])
    assert (stale.exit_code, "you had 1" in stale.stderr) == (2, True)
    assert (
        runner.invoke(app, ["alerts", "snooze", str(alert_id), "--until", "2026-01-01", "--version", "2"]).exit_code
        == 2
    )
    assert runner.invoke(app, ["alerts", "close", str(alert_id), "--version", "2"]).exit_code == 0
    assert runner.invoke(app, ["alerts", "reopen", str(alert_id), "--version", "3"]).exit_code == 0
    assert runner.invoke(app, ["alerts", "show", "999999"]).exit_code == 2


def test_daily_on_an_empty_database_raises_nothing(cli_db: Database) -> None:
    result = runner.invoke(app, ["alerts", "daily", "--as-of", "2026-02-09"])
    assert result.exit_code == 0, result.output
    assert "alerts: 0 raised, 0 grown" in result.stdout
