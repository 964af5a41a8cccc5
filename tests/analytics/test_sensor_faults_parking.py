"""Counter faults (car parks): duplicates, negatives, over capacity, irregular times, stuck counts — on hand-made
series and on the real Birmingham file, whose documented faults must all be found (../shared/data/birmingham_parking
PROVENANCE: 216 exact duplicate rows, 373 rows with Occupancy > Capacity, 12 negative occupancies)."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from citybrain.analytics.sensor_faults import FaultOptions, detect_counter
from citybrain.analytics.sensor_faults.flags import FAIL, PASS, SUSPECT
from citybrain.core.errors import InvalidInput
from citybrain.sensing.parking_files import read_parking_file
from tests.conftest import shared_path

DAY = 86400
START = 17_000 * DAY  # a midnight


def half_hourly(n: int, *, day: int = 0) -> np.ndarray:
    return START + day * DAY + 8 * 3600 + np.arange(n, dtype=np.int64) * 1800


def busy(n: int) -> np.ndarray:
    return 200 + np.arange(n, dtype=np.float64) * 7 % 50


def kinds(report: object) -> list[tuple[str, int, int]]:
    return [(f.kind, f.first, f.stop) for f in report.faults]  # type: ignore[attr-defined]


def test_a_clean_day_has_no_fault() -> None:
    assert detect_counter(half_hourly(17), busy(17), 500).faults == ()


def test_an_exact_copy_is_a_duplicate_and_not_a_second_reading() -> None:
    times, values = half_hourly(10), busy(10)
    times = np.insert(times, 4, times[3])
    values = np.insert(values, 4, values[3])
    report = detect_counter(times, values, 500)
    assert kinds(report) == [("duplicate", 4, 5)]
    assert "exact copy of row 3" in report.faults[0].evidence
    assert report.quality().tolist() == [PASS] * 4 + [FAIL] + [PASS] * 6
    clash = values.copy()
    clash[4] += 5
    assert "another value" in detect_counter(times, clash, 500).faults[0].evidence


@pytest.mark.parametrize(
    ("occupancy", "kind"), [(-1.0, "negative"), (0.0, None), (500.0, None), (501.0, "over_capacity")]
)
def test_counter_range_boundaries(occupancy: float, kind: str | None) -> None:
    values = busy(10)
    values[5] = occupancy
    found = [(f.kind, f.first) for f in detect_counter(half_hourly(10), values, 500).faults]
    assert found == ([(kind, 5)] if kind else [])


def test_capacity_per_reading_and_quality_of_over_capacity() -> None:
    values = busy(6)
    capacity = np.array([500, 500, 500, 210, 210, 210], dtype=float)
    values[3:] = [215, 205, 230]
    report = detect_counter(half_hourly(6), values, capacity)
    assert kinds(report) == [("over_capacity", 3, 4), ("over_capacity", 5, 6)]
    assert {f.quality for f in report.faults} == {SUSPECT}


@pytest.mark.parametrize(("lapse", "flagged"), [(899, True), (900, False)])
def test_a_reading_too_soon_is_irregular_time(lapse: int, flagged: bool) -> None:
    times = half_hourly(10)
    times = np.insert(times, 6, times[5] + lapse)  # usual spacing 30 min: limit 15 min
    report = detect_counter(times, busy(11), 500)
    assert kinds(report) == ([("irregular_time", 6, 7)] if flagged else [])


def test_time_going_back_is_irregular_time() -> None:
    times = half_hourly(10)
    times[6], times[7] = times[7], times[6]
    report = detect_counter(times, busy(10), 500)
    assert [(f.kind, f.first) for f in report.faults] == [("irregular_time", 7)]
    assert "goes back" in report.faults[0].evidence


@pytest.mark.parametrize(("repeats", "flagged"), [(5, False), (6, True)])
def test_stuck_count_boundary_skips_duplicates(repeats: int, flagged: bool) -> None:
    values = busy(16)
    values[4 : 4 + repeats] = 321.0
    times = half_hourly(16)
    times = np.insert(times, 6, times[5])  # a duplicate inside the run is not an extra repeat
    values = np.insert(values, 6, values[5])
    report = detect_counter(times, values, 500)
    expected = [("duplicate", 6, 7)] + ([("stuck", 4, 5 + repeats)] if flagged else [])
    assert sorted(kinds(report)) == sorted(expected)


def test_an_empty_or_full_car_park_may_hold_still() -> None:
    values = busy(16)
    values[2:10] = 0.0
    assert detect_counter(half_hourly(16), values, 500).faults == ()
    values[2:10] = 500.0
    assert detect_counter(half_hourly(16), values, 500).faults == ()


def test_the_night_is_not_a_gap_but_a_missing_afternoon_is() -> None:
    times = np.concatenate([half_hourly(17, day=0), half_hourly(17, day=1)[:8], half_hourly(17, day=2)])
    values = busy(times.size)
    report = detect_counter(times, values, 500)
    assert kinds(report) == [("gap", 25, 25)]  # day 1 stops at 11:30; night excused, the afternoon is not
    assert detect_counter(times, values, 500, FaultOptions(active_hours=None, gap_factor=100)).faults == ()


@pytest.fixture(scope="module")
def birmingham() -> dict[str, Counter[str]]:
    parks = read_parking_file(shared_path("data", "birmingham_parking", "parking_birmingham_uci_dataset.csv.gz"))
    readings: Counter[str] = Counter()
    for park in parks:
        for fault in detect_counter(park.times, park.occupancy, park.capacity).faults:
            readings[fault.kind] += fault.readings
    return {"readings": readings, "parks": Counter({"count": len(parks), "rows": sum(p.rows.size for p in parks)})}


def test_birmingham_documented_faults_are_all_found(birmingham: dict[str, Counter[str]]) -> None:
    assert birmingham["parks"] == {"count": 30, "rows": 35717}
    readings = birmingham["readings"]
    assert readings["duplicate"] == 216
    assert readings["over_capacity"] == 373
    assert readings["negative"] == 12


def test_reader_keeps_file_rows_and_names_missing_columns(tmp_path: Path) -> None:
    good = tmp_path / "p.csv"
    good.write_text("SystemCodeNumber,Capacity,Occupancy,LastUpdated\nA,10,3,2016-10-04 07:59:42\n"
                    "B,5,6,2016-10-04 08:00:00\nA,10,-1,2016-10-04 08:29:42\n", encoding="utf-8")  # fmt: skip
    parks = read_parking_file(good)
    assert [p.code for p in parks] == ["A", "B"]
    assert parks[0].rows.tolist() == [0, 2]
    assert parks[0].occupancy.tolist() == [3.0, -1.0]
    assert parks[0].times[1] - parks[0].times[0] == 1800
    bad = tmp_path / "bad.csv.gz"
    with gzip.open(bad, "wt", encoding="utf-8") as out:
        out.write("SystemCodeNumber,Occupancy\nA,3\n")
    with pytest.raises(InvalidInput, match=r"bad\.csv\.gz: missing column\(s\) Capacity, LastUpdated"):
        read_parking_file(bad)
    empty = tmp_path / "empty.csv"
    empty.write_text("SystemCodeNumber,Capacity,Occupancy,LastUpdated\nA,,3,2016-10-04 07:59:42\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="empty.csv: empty value"):
        read_parking_file(empty)
    with pytest.raises(InvalidInput, match="no such file"):
        read_parking_file(tmp_path / "nope.csv")


def test_a_feed_silent_to_the_end_of_the_span_is_a_gap_only_when_told_the_end() -> None:
    times, values = half_hourly(5), busy(5)  # 08:00 … 10:00, then nothing
    end_of_day = START + DAY - 1
    assert detect_counter(times, values, 500).faults == ()  # no reading ends the silence: unseen without `until`
    (gap,) = detect_counter(times, values, 500, until=end_of_day).faults
    assert (gap.kind, gap.first, gap.stop) == ("gap", 5, 5)  # concerns no reading: after the last
    assert (gap.start_time, gap.end_time) == (int(times[-1]), end_of_day)
    assert "6.5 h of active hours" in gap.evidence  # 10:00 → 16:30, the night not counted
    full_day = half_hourly(17)  # 08:00 … 16:00: the feed's last half hour is no silence
    assert detect_counter(full_day, busy(17), 500, until=end_of_day).faults == ()
