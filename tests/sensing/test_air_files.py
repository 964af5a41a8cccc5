"""Reading files in the Beijing layout, the ``analyze aqi`` command end to end, and the real Aotizhongxin file."""

from __future__ import annotations

import gzip
import json
import statistics
from collections import Counter
from pathlib import Path
from typing import TypedDict, cast

import pyarrow.csv as pacsv
import pytest
import typer
from typer.testing import CliRunner

from citybrain.cli.analyze.aqi import command
from citybrain.core.errors import InvalidInput
from citybrain.sensing.air_files import read_air_files, read_air_series
from citybrain.sensing.air_report import DailyRules, daily_report, hourly_report
from citybrain.sensing.aqi import air_quality
from tests.conftest import shared_path
from tests.sensing.factories import hours_table

HEADER = "No,year,month,day,hour,PM2.5,PM10,SO2,NO2,CO,O3,TEMP,station"


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("aqi")(command)
    return app


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(_app(), list(args))
    return result.exit_code, result.output


def _write_day(path: Path, *, station: str = "Tiny", pm25: str = "55", header: str = HEADER) -> Path:
    """One day: PM2.5 `pm25` every hour (IAQI 75 at 55), NO2 60 (75), CO 1500 µg/m³ (1.5 mg/m³ → 38), hour 5 all NA."""
    lines = [header]
    for hour in range(24):
        if hour == 5:
            lines.append(f"{hour + 1},2016,2,29,{hour},NA,NA,NA,NA,NA,NA,NA,{station}")
        else:
            lines.append(f"{hour + 1},2016,2,29,{hour},{pm25},30,8,60,1500,40,1.5,{station}")
    text = "\n".join(lines) + "\n"
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_a_small_file_end_to_end(tmp_path: Path) -> None:
    source = _write_day(tmp_path / "tiny.csv.gz")
    out = tmp_path / "aqi.json"
    code, output = _run("--input", str(source), "--json", str(out))
    assert code == 0, output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["standard"] == "HJ 633-2012"
    assert document["units"]["CO"] == "mg/m³"
    assert document["measured_units"]["CO"] == "µg/m³"
    [record] = document["records"]
    assert record["station"] == "Tiny"
    assert record["date"] == "2016-02-29"
    # 23 hours of data: 24-h means valid; O3 1-h max valid; 8-h means: all 17 windows have ≥ 7 hours
    assert record["iaqi"] == {"PM2.5": 75, "PM10": 30, "SO2": 8, "NO2": 75, "CO": 38, "O3_1h": 13, "O3_8h": 20}
    assert (record["aqi"], record["level"], record["category"]) == (75, "二级", "良")
    assert record["primary"] == ["PM2.5", "NO2"]
    assert record["colour"]["hex"] == "#FFFF00"
    assert document["summary"]["categories"]["良"] == 1


def test_hourly_period_writes_one_record_per_hour(tmp_path: Path) -> None:
    source = _write_day(tmp_path / "tiny.csv")
    out = tmp_path / "hours.json"
    assert _run("--input", str(source), "--period", "hour", "--json", str(out))[0] == 0
    records = json.loads(out.read_text(encoding="utf-8"))["records"]
    assert [r["time"] for r in records[:2]] == ["2016-02-29T00:00:00", "2016-02-29T01:00:00"]
    assert records[5]["iaqi"] == {}  # all NA, and no moving mean has enough hours yet
    assert records[5]["aqi"] is None
    assert "no pollutant has an index" in records[5]["reason"]["en"]
    assert records[23]["iaqi"]["PM2.5"] == 75  # 23 of the last 24 hours


def test_a_missing_column_is_one_clear_line_and_no_output(tmp_path: Path) -> None:
    bad = _write_day(tmp_path / "bad.csv", header=HEADER.replace(",O3,", ",OZONE,"))
    out = tmp_path / "aqi.json"
    code, output = _run("--input", str(bad), "--json", str(out))
    assert code == 2
    assert f"{bad}: missing column(s) O3" in " ".join(output.split())
    assert "Traceback" not in output
    assert not out.exists()


def test_one_bad_file_among_good_ones_writes_nothing(tmp_path: Path) -> None:
    good = _write_day(tmp_path / "good.csv", station="A")
    bad = _write_day(tmp_path / "bad.csv", station="B", pm25="lots")
    out = tmp_path / "aqi.json"
    code, output = _run("--input", str(good), "--input", str(bad), "--json", str(out))
    assert code == 2
    assert "bad.csv" in output
    assert not out.exists()


def test_two_files_two_stations(tmp_path: Path) -> None:
    a = _write_day(tmp_path / "a.csv", station="A")
    b = _write_day(tmp_path / "b.csv.gz", station="B", pm25="200")
    records = daily_report(read_air_series([a, b]))
    assert [(r["station"], r["aqi"]) for r in records] == [("A", 75), ("B", 250)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty file"),
        (HEADER + "\n", "no rows"),
        (HEADER + "\n1,2016,2,30,0,1,1,1,1,1,1,1,X\n", "no such date or hour"),
        (HEADER + "\n1,2016,2,1,24,1,1,1,1,1,1,1,X\n", "no such date or hour"),
    ],
)
def test_bad_files_name_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "air.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message) as caught:
        read_air_files([path])
    assert str(path) in caught.value.message


def test_a_file_that_is_not_there(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such file"):
        read_air_files([tmp_path / "nothing.csv"])


def test_a_wrong_period_is_bad_input(tmp_path: Path) -> None:
    code, output = _run("--input", str(_write_day(tmp_path / "t.csv")), "--period", "week", "--json", "x.json")
    assert code == 2
    assert "--period takes day or hour" in output


def test_help_names_the_terms_and_an_example() -> None:
    code, output = _run("--help")
    assert code == 0
    for term in ("日报", "实时报", "首要污染物", "严重污染", "citybrain analyze aqi --input"):
        assert term in output


# --- the real Aotizhongxin file (UCI #501, CC BY 4.0): 35,064 hours, 2013-03-01 … 2017-02-28 -------------------


@pytest.fixture(scope="module")
def aotizhongxin() -> Path:
    return shared_path("data", "beijing_multisite_air", "PRSA_Data_Aotizhongxin_20130301-20170228.csv.gz")


class Figures(TypedDict):
    days: int
    with_aqi: int
    median: float
    categories: Counter[str]
    primary_percent: dict[str, int]


def _figures(records: list[dict[str, object]]) -> Figures:
    with_aqi = [r for r in records if r["aqi"] is not None]
    primary = Counter(code for r in with_aqi for code in cast(list[str], r["primary"]))
    total = sum(primary.values())
    return {
        "days": len(records),
        "with_aqi": len(with_aqi),
        "median": statistics.median(cast(int, r["aqi"]) for r in with_aqi),
        "categories": Counter(str(r["category"]) for r in with_aqi),
        "primary_percent": {code: round(100 * n / total) for code, n in primary.items()},
    }


def test_aotizhongxin_reproduces_the_standards_sanity_figures(aotizhongxin: Path) -> None:
    """STANDARDS.md: 1,461 days, median 107, 优136 良516 轻度374 中度214 重度151 严重55, primary PM2.5 48 %,
    O3_8h 26 %, NO2 17 %, PM10 9 % — reproduced under the reading behind them (DailyRules.sanity_check): the 15
    days with no reading at all have no AQI (136+516+374+214+151+55 = 1,446)."""
    figures = _figures(daily_report(read_air_series([aotizhongxin]), DailyRules.sanity_check()))
    assert figures["days"] == 1461
    assert figures["with_aqi"] == 1446
    assert figures["median"] == 107
    assert figures["categories"] == {
        "优": 136,
        "良": 516,
        "轻度污染": 374,
        "中度污染": 214,
        "重度污染": 151,
        "严重污染": 55,
    }
    assert {k: v for k, v in figures["primary_percent"].items() if v} == {
        "PM2.5": 48,
        "O3_8h": 26,
        "NO2": 17,
        "PM10": 9,
    }


def test_aotizhongxin_under_the_validity_rules(aotizhongxin: Path) -> None:
    """With GB 3095-2012 / HJ 663-2013 validity and O3's daily maximum 1-h value (docs/air.md explains each step)."""
    records = daily_report(read_air_series([aotizhongxin]))
    figures = _figures(records)
    assert figures["days"] == 1461
    assert figures["with_aqi"] == 1429
    assert figures["median"] == 105
    assert figures["categories"] == {
        "优": 146,
        "良": 509,
        "轻度污染": 363,
        "中度污染": 210,
        "重度污染": 150,
        "严重污染": 51,
    }
    no_aqi = [r for r in records if r["aqi"] is None]
    assert all(r["reason"] for r in no_aqi)
    for r in records:  # the vectorised report agrees with the one-record function
        single = air_quality(r["iaqi"])  # type: ignore[arg-type]
        assert (single.aqi, list(single.primary), list(single.exceeding)) == (r["aqi"], r["primary"], r["exceeding"])
        assert r["category"] == (single.category.zh if single.category else None)


def test_aotizhongxin_hourly(aotizhongxin: Path) -> None:
    records = hourly_report(read_air_series([aotizhongxin]))
    assert len(records) == 35064
    assert records[0]["time"] == "2013-03-01T00:00:00"
    assert records[-1]["time"] == "2017-02-28T23:00:00"
    first = pacsv.read_csv(aotizhongxin, convert_options=pacsv.ConvertOptions(null_values=["NA"])).slice(0, 1)
    assert records[0]["concentrations"]["CO"] == first.column("CO")[0].as_py() / 1000  # type: ignore[index]


def test_table_rows_from_the_factory_and_from_a_file_agree(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    pacsv.write_csv(hours_table(24), path)
    assert daily_report(read_air_series([path]))[0]["aqi"] == 25


def test_an_output_that_cannot_be_written_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    source = _write_day(tmp_path / "t.csv")
    out = tmp_path / "no such dir" / "aqi.json"
    code, output = _run("--input", str(source), "--json", str(out))
    assert code == 2
    assert f"cannot write {out}" in " ".join(output.split())
    assert list(tmp_path.iterdir()) == [source]
