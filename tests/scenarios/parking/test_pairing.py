"""The pairing rules on planted cases: duplicates, no entry, never closed, misreads, new-energy plates, a neighbour's
gate, exit before entry."""

from __future__ import annotations

import pytest

from citybrain.core.errors import InvalidInput
from citybrain.scenarios.parking import plates
from citybrain.scenarios.parking.pairing import GateRead, OpenSession, RecentExit, decide, overstays

H = 3600


def test_plates_are_normalized_and_unreadable_ones_refused() -> None:
    assert plates.normalize(" 粤b·12345 ") == "粤B12345"
    assert plates.normalize("粤BD12345") == "粤BD12345"
    assert plates.is_new_energy("粤BD12345")
    assert not plates.is_new_energy("粤B12345")
    for bad in ("", "???", "ABC", "粤B123", "X B12345"):
        with pytest.raises(InvalidInput, match="unreadable plate"):
            plates.normalize(bad)


def test_lookalikes_share_a_key_and_lower_the_confidence() -> None:
    assert plates.plate_key("粤B1O8Z5") == plates.plate_key("京8I0B25")
    like = plates.compare("粤B10825", "粤B1O8Z5")
    assert like is not None
    assert (like.lookalikes, like.province, like.confidence) == (2, False, 0.7)
    province = plates.compare("粤B12345", "闽B12345")
    assert province is not None
    assert province.province
    assert province.confidence == 0.75
    assert plates.compare("粤B12345", "粤B12346") is None  # 5/6 are not look-alikes
    assert plates.compare("粤BD12345", "粤B12345") is None  # a new-energy plate is never an ordinary one


def test_an_entry_opens_and_the_same_plate_exit_closes() -> None:
    assert decide(GateRead("P1", "in", "粤B12345", 0), [], []).kind == "open"
    open_ = [OpenSession(7, "P1", "粤B12345", 0)]
    d = decide(GateRead("P1", "out", "粤B12345", 2 * H), open_, [])
    assert (d.kind, d.rule, d.session_id, d.confidence, d.review) == ("close", "same_plate", 7, 1.0, False)


def test_a_second_read_of_one_pass_is_a_duplicate_not_a_session() -> None:
    open_ = [OpenSession(7, "P1", "粤B12345", 100)]
    d = decide(GateRead("P1", "in", "粤B1234S".replace("S", "5"), 160), open_, [])
    assert (d.kind, d.rule, d.session_id) == ("duplicate", "duplicate_entry", 7)
    misread_dup = decide(GateRead("P1", "in", "粤8I2345", 130), open_, [])
    assert misread_dup.kind == "duplicate"
    later = decide(GateRead("P1", "in", "粤B12345", 100 + 600), open_, [])
    assert later.kind == "open"
    assert later.missed_exit == 7
    exits = [RecentExit(7, "P1", "粤B12345", 1000)]
    assert decide(GateRead("P1", "out", "粤B12345", 1050), [], exits).rule == "duplicate_exit"
    assert decide(GateRead("P2", "out", "粤B12345", 1050), [], exits).rule == "no_entry"  # another car park


def test_an_exit_with_no_entry_is_kept_as_an_orphan_for_review() -> None:
    d = decide(GateRead("P1", "out", "粤B12345", H), [OpenSession(1, "P1", "粤B99999", 0)], [])
    assert (d.kind, d.rule, d.review) == ("orphan_exit", "no_entry", True)


def test_a_lookalike_misread_is_matched_with_its_confidence_and_flagged() -> None:
    open_ = [OpenSession(3, "P1", "粤B80120", 0), OpenSession(4, "P1", "粤A55555", 0)]
    d = decide(GateRead("P1", "out", "粤BBO120", H), open_, [])
    assert (d.kind, d.rule, d.session_id, d.review) == ("close", "lookalike", 3, True)
    assert d.confidence == pytest.approx(1 - 2 * 0.15)
    assert "2 look-alike" in d.explanation


def test_too_many_differences_or_a_tie_are_not_matched_silently() -> None:
    far = decide(GateRead("P1", "out", "闽8OIZ0O", H), [OpenSession(3, "P1", "粤B01200", 0)], [])
    assert (far.kind, far.rule) == ("orphan_exit", "ambiguous")  # alike, but below the confidence floor
    tie = [OpenSession(1, "P1", "粤B0000B", 0), OpenSession(2, "P1", "粤B000O8", 0)]
    d = decide(GateRead("P1", "out", "粤B00008", H), tie, [])
    assert (d.kind, d.rule) == ("orphan_exit", "ambiguous")
    assert "1 粤B0000B" in d.explanation


def test_a_province_misread_matches() -> None:
    d = decide(GateRead("P1", "out", "闽B12345", H), [OpenSession(9, "P1", "粤B12345", 0)], [])
    assert (d.kind, d.session_id, d.confidence, d.review) == ("close", 9, 0.75, True)


def test_new_energy_plates_pair_among_themselves() -> None:
    open_ = [OpenSession(1, "P1", "粤B12345", 0), OpenSession(2, "P1", "粤BD12345", 0)]
    d = decide(GateRead("P1", "out", "粤B012345", H), open_, [])  # D read as 0
    assert (d.kind, d.session_id, d.rule) == ("close", 2, "lookalike")


def test_a_vehicle_leaving_through_another_car_parks_gate() -> None:
    d = decide(GateRead("P2", "out", "粤B12345", H), [OpenSession(5, "P1", "粤B12345", 0)], [])
    assert (d.kind, d.rule, d.session_id, d.review) == ("close", "other_car_park", 5, True)
    assert d.confidence == 0.9
    assert "跨场出场" in d.explanation
    both = [OpenSession(5, "P1", "粤B12345", 0), OpenSession(6, "P2", "粤B1234S".replace("S", "5"), 10)]
    assert decide(GateRead("P2", "out", "粤B12345", H), both, []).session_id == 6  # its own car park first


def test_an_exit_before_the_entry_is_refused() -> None:
    with pytest.raises(InvalidInput, match="exit before entry") as caught:
        decide(GateRead("P1", "out", "粤B12345", 100), [OpenSession(5, "P1", "粤B12345", 500)], [])
    assert caught.value.code == "exit_before_entry"


def test_sessions_never_closed_are_found_after_the_limit() -> None:
    open_ = [OpenSession(1, "P1", "粤B12345", 0), OpenSession(2, "P1", "粤B54321", 70 * H)]
    assert overstays(open_, now=80 * H, limit_seconds=72 * H) == [1]


def test_a_misread_entry_is_matched_by_its_correct_exit() -> None:
    open_ = [OpenSession(4, "P1", "粤B1Z3O5", 0)]  # the entry camera read 2 as Z and 0 as O
    d = decide(GateRead("P1", "out", "粤B12305", H), open_, [])
    assert (d.kind, d.session_id, d.rule) == ("close", 4, "lookalike")
    assert d.confidence == 0.7
