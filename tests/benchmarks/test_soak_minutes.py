"""The soak's per-minute view: answers are put in the minute their request was *scheduled* in, so a server that
fell behind shows its late answers against the minute it fell behind in."""

from __future__ import annotations

from bench.soak import _by_minute


def test_answers_go_to_the_minute_they_were_scheduled_in() -> None:
    start = 100.0
    timeline = [(100.0, 0.010), (159.9, 0.020), (160.0, 5.0), (210.0, 0.030), (161.0, 7.0)]
    minutes = _by_minute(timeline, start, rate=2.0)
    assert [m["minute"] for m in minutes] == [1, 2]
    assert [m["answered"] for m in minutes] == [2, 3]
    assert minutes[0]["offered"] == 120
    assert minutes[0]["p99"] == 20.0
    assert minutes[1]["max"] == 7000.0


def test_no_answer_no_minute() -> None:
    assert _by_minute([], 0.0, rate=200.0) == []
