"""Daily (日报) and hourly (实时报) reports on synthetic hours: validity rules, notes, units, records."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import pyarrow as pa
import pytest

from citybrain.core.errors import InvalidInput
from citybrain.sensing.air_grid import air_series
from citybrain.sensing.air_report import DailyRules, daily_report, hourly_report
from citybrain.sensing.aqi import MG
from tests.sensing.factories import gaps, hours_table


def _day(table: pa.Table, rules: DailyRules | None = None, index: int = 0) -> dict[str, object]:
    return daily_report(air_series(table), rules)[index]


def _reasons(record: dict[str, object]) -> list[str]:
    return [r["en"] for r in record["reasons"]]  # type: ignore[attr-defined]


def test_a_quiet_day() -> None:
    record = _day(hours_table(24))
    assert record["date"] == "2020-01-01"
    assert record["iaqi"] == {"PM2.5": 15, "PM10": 20, "SO2": 10, "NO2": 25, "CO": 13, "O3_1h": 16, "O3_8h": 25}
    assert (record["aqi"], record["level"], record["category"], record["primary"]) == (25, "一级", "优", [])
    assert record["colour"] == {"name": "green", "name_zh": "绿色", "rgb": [0, 228, 0], "hex": "#00E400"}


def test_daily_means_feed_the_24h_columns() -> None:
    # PM2.5: 12 hours at 40 and 12 at 70 → 55 µg/m³ → IAQI 75; PM10 151 → 101 (exceeding, not primary)
    record = _day(hours_table(24, PM25=[40.0] * 12 + [70.0] * 12, PM10=151.0))
    assert record["iaqi"]["PM2.5"] == 75  # type: ignore[index]
    assert record["aqi"] == 101
    assert record["primary"] == ["PM10"]
    assert record["exceeding"] == ["PM10"]
    assert (record["level"], record["category"], record["category_en"]) == ("三级", "轻度污染", "Lightly polluted")


def test_ties_make_several_primary_pollutants() -> None:
    # PM2.5 55 → 75 and NO2 60 → 75
    record = _day(hours_table(24, PM25=55.0, NO2=60.0))
    assert record["aqi"] == 75
    assert record["primary"] == ["PM2.5", "NO2"]
    assert record["exceeding"] == []


@pytest.mark.parametrize(("valid_hours", "has_index"), [(19, False), (20, True)])
def test_a_24h_mean_needs_20_hours(valid_hours: int, has_index: bool) -> None:
    record = _day(hours_table(24, PM25=gaps(24, 200.0, range(valid_hours, 24))))
    assert ("PM2.5" in record["iaqi"]) is has_index  # type: ignore[operator]
    if has_index:
        assert record["iaqi"]["PM2.5"] == 250  # type: ignore[index]
        assert record["primary"] == ["PM2.5"]
    else:
        assert record["aqi"] == 25
        assert "PM2.5: 19 of 24 hours (needs 20)" in _reasons(record)


def test_no_pollutant_with_enough_data_means_no_aqi_and_says_why() -> None:
    nineteen = gaps(24, 30.0, range(19, 24))
    eighteen = gaps(24, 30.0, range(18, 24))  # O3: 18 hours → 13 valid 8-h means (19 hours would give 14)
    table = hours_table(24, PM25=nineteen, PM10=nineteen, SO2=nineteen, NO2=nineteen, CO=nineteen, O3=eighteen)
    record = _day(table)
    assert (record["aqi"], record["level"], record["category"], record["primary"], record["iaqi"]) == (
        None, None, None, [], {},
    )  # fmt: skip
    reason = record["reason"]
    assert isinstance(reason, dict)
    assert "PM2.5: 19 of 24 hours (needs 20)" in reason["en"]
    assert "PM2.5：24小时中仅19小时有数据（至少需20小时）" in reason["zh"]
    assert "O3_8h: 13 of 17 valid 8-h means (needs 14)" in reason["en"]


@pytest.mark.parametrize(("o3_hours", "windows", "has_index"), [(18, 13, False), (19, 14, True)])
def test_the_days_max_8h_mean_needs_14_valid_8h_means(o3_hours: int, windows: int, has_index: bool) -> None:
    # O3 measured in hours 0 … o3_hours-1: windows ending at 7 … o3_hours+1 have 6 or more hours, o3_hours-5 of them
    record = _day(hours_table(24, O3=gaps(24, 130.0, range(o3_hours, 24))))
    assert ("O3_8h" in record["iaqi"]) is has_index  # type: ignore[operator]
    if has_index:
        assert record["iaqi"]["O3_8h"] == 75  # type: ignore[index]
    else:
        assert f"O3_8h: {windows} of 17 valid 8-h means (needs 14)" in _reasons(record)


@pytest.mark.parametrize(("valid", "has_index"), [(5, False), (6, True)])
def test_an_8h_mean_needs_6_hours(valid: int, has_index: bool) -> None:
    # hours 16 … 23 of the day: O3 at 130 in `valid` of them; the hourly record at 23:00 judges hours 16 … 23
    o3 = [None] * 16 + [130.0] * valid + [None] * (8 - valid)
    record = hourly_report(air_series(hours_table(24, O3=o3)))[23]
    assert record["time"] == "2020-01-01T23:00:00"
    assert ("O3_8h" in record["iaqi"]) is has_index  # type: ignore[operator]
    if has_index:
        assert record["iaqi"]["O3_8h"] == 75  # type: ignore[index]
    else:
        assert "O3_8h: 5 of the last 8 hours (needs 6)" in _reasons(record)


def test_the_days_8h_windows_lie_within_the_day() -> None:
    # 300 µg/m³ in the evening of day 1, 20 all of day 2: the window ending at 00:00 of day 2 (7×300+20)/8 = 265
    # belongs to day 2 only under o3_windows="ending"
    table = hours_table(48, O3=[None] * 17 + [300.0] * 7 + [20.0] * 24)
    assert _day(table, index=1)["iaqi"]["O3_8h"] == 10  # type: ignore[index]
    ending = DailyRules(min_8h_means=14, o3_windows="ending")
    assert _day(table, ending, index=1)["iaqi"]["O3_8h"] == 200  # type: ignore[index]


def test_note_3_o3_8h_above_800_uses_the_1h_index() -> None:
    record = _day(hours_table(24, O3=801.0))  # 1-h 801 → 300.5 → 301; 8-h 801: no index
    assert "O3_8h" not in record["iaqi"]  # type: ignore[operator]
    assert record["iaqi"]["O3_1h"] == 301  # type: ignore[index]
    assert (record["aqi"], record["primary"], record["category"]) == (301, ["O3_1h"], "严重污染")
    assert any("note 3" in r for r in _reasons(record))
    # also when the 1-h maximum does not otherwise count (the sanity-check reading)
    assert _day(hours_table(24, O3=801.0), DailyRules.sanity_check())["aqi"] == 301


def test_o3_at_800_keeps_its_8h_index_and_ties() -> None:
    record = _day(hours_table(24, O3=800.0))
    assert record["iaqi"]["O3_8h"] == 300  # type: ignore[index]
    assert record["primary"] == ["O3_1h", "O3_8h"]


def test_note_2_so2_1h_above_800_uses_the_24h_index() -> None:
    # 23 hours at 100, then 801: 24-h moving mean 3101/24 = 129.21 → 50 + 50·79.21/100 = 89.6 → 90
    hours = hourly_report(air_series(hours_table(24, SO2=[100.0] * 23 + [801.0])))
    assert hours[23]["iaqi"]["SO2"] == 90  # type: ignore[index]
    assert any("note 2" in r for r in _reasons(hours[23]))
    at_800 = hourly_report(air_series(hours_table(24, SO2=[100.0] * 23 + [800.0])))[23]
    assert at_800["iaqi"]["SO2"] == 200  # type: ignore[index]
    assert at_800["primary"] == ["SO2"]


def test_note_2_without_a_valid_24h_mean_has_no_so2_index() -> None:
    so2 = [None] * 5 + [100.0] * 18 + [801.0]  # 19 hours in the 24-h window
    record = hourly_report(air_series(hours_table(24, SO2=so2)))[23]
    assert "SO2" not in record["iaqi"]  # type: ignore[operator]
    assert any("note 2" in r and "needs 20" in r for r in _reasons(record))


def test_hourly_pm_uses_the_24h_moving_mean_with_20_hours() -> None:
    hours = hourly_report(air_series(hours_table(24, PM25=55.0)))
    assert "PM2.5" not in hours[18]["iaqi"]  # type: ignore[operator]
    assert "PM2.5: 19 of the last 24 hours (needs 20)" in _reasons(hours[18])
    assert hours[19]["iaqi"]["PM2.5"] == 75  # type: ignore[index]


def test_hourly_gases_use_the_1h_columns() -> None:
    # NO2 1-h 150 → 75 (the 24-h column would give 150 → 135); CO 7,500 µg/m³ = 7.5 mg/m³ → 75; O3 1-h 180 → 75
    record = hourly_report(air_series(hours_table(1, NO2=150.0, CO=7500.0, O3=180.0)))[0]
    assert record["iaqi"]["NO2"] == 75  # type: ignore[index]
    assert record["iaqi"]["CO"] == 75  # type: ignore[index]
    assert record["iaqi"]["O3_1h"] == 75  # type: ignore[index]
    assert "CO: no valid value for this hour" not in _reasons(record)


def test_co_arrives_in_ug_and_is_indexed_in_mg() -> None:
    record = _day(hours_table(24, CO=1500.0))  # 1.5 mg/m³ → 50·1.5/2 = 37.5 → 38
    assert record["iaqi"]["CO"] == 38  # type: ignore[index]
    assert record["concentrations"]["CO"] == 1.5  # type: ignore[index]
    in_mg = air_series(hours_table(24, CO=1.5), units={"CO": MG})
    assert daily_report(in_mg)[0]["iaqi"]["CO"] == 38  # type: ignore[index]
    assert in_mg.measured_units["CO"] == MG


def test_above_the_table_is_500_and_says_so() -> None:
    record = _day(hours_table(24, PM25=600.0))
    assert (record["aqi"], record["category"]) == (500, "严重污染")
    assert "PM2.5: 600 above the table's top (500); IAQI 500" in _reasons(record)


def test_negative_readings_count_as_missing() -> None:
    series = air_series(hours_table(24, PM25=[-5.0] * 5 + [55.0] * 19))
    assert series.negatives["PM2.5"] == 5
    assert "PM2.5" not in daily_report(series)[0]["iaqi"]  # type: ignore[operator]


def test_each_station_has_records_for_its_own_span() -> None:
    a = hours_table(48, station="A")
    b = hours_table(24, station="B", start=datetime(2020, 1, 2))
    records = daily_report(air_series(pa.concat_tables([a, b])))
    assert [(r["station"], r["date"]) for r in records] == [
        ("A", "2020-01-01"), ("A", "2020-01-02"), ("B", "2020-01-02"),
    ]  # fmt: skip


def test_a_missing_hour_in_the_middle_is_a_gap_not_an_error() -> None:
    table = hours_table(48).filter(pa.array([i != 30 for i in range(48)]))
    records = hourly_report(air_series(table))
    assert len(records) == 48
    # the 1-h pollutants have no index that hour; the moving means still have enough hours (23 of 24, 7 of 8)
    assert set(cast(dict[str, int], records[30]["iaqi"])) == {"PM2.5", "PM10", "O3_8h"}
    assert records[30]["aqi"] == 25
    assert "CO: no valid value for this hour" in _reasons(records[30])


def test_the_same_station_hour_twice_is_refused() -> None:
    table = pa.concat_tables([hours_table(24), hours_table(1)])
    with pytest.raises(InvalidInput, match="station S1: 2020-01-01 hour 0 appears more than once"):
        air_series(table)


def test_an_impossible_date_is_refused() -> None:
    table = hours_table(1, start=datetime(2020, 4, 30)).set_column(2, "day", pa.array([31], type=pa.int64()))
    with pytest.raises(InvalidInput, match="no such date or hour: year 2020, month 4, day 31"):
        air_series(table)


def test_a_missing_column_is_refused() -> None:
    with pytest.raises(InvalidInput, match="missing column"):
        air_series(hours_table(24).drop_columns(["O3"]))
