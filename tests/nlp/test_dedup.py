"""The near-duplicate index: repeats are found with their evidence, and the window, distance and place bound them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from citybrain.nlp.dedup import NearDuplicateIndex, compact, shared_phrases, shingle_ids

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
LAT, LON = 28.19, 112.97
LAMP = "幸福路88号小区门口路灯不亮已经三天了，晚上走路很危险，请尽快维修。"
LAMP_AGAIN = "幸福路88号小区门口的路灯坏了三天了，晚上走路很危险，希望尽快修好"
GARBAGE = "东风路菜市场旁边垃圾堆了一个星期没人清理，气味很大。"


@pytest.fixture
def index() -> NearDuplicateIndex:
    ix = NearDuplicateIndex()
    ix.add("lamp", LAMP, when=T0, lat=LAT, lon=LON)
    ix.add("garbage", GARBAGE, when=T0, lat=LAT, lon=LON)
    return ix


def test_a_rewritten_repeat_is_found_with_its_evidence(index: NearDuplicateIndex) -> None:
    matches = index.query(LAMP_AGAIN, when=T0 + timedelta(days=2), lat=LAT + 0.001, lon=LON)
    assert [m.key for m in matches] == ["lamp"]
    match = matches[0]
    assert 0.3 <= match.similarity < 1.0
    assert "三天了晚上走路很危险" in match.evidence.shared
    assert any("幸福路" in phrase for phrase in match.evidence.shared)
    assert match.evidence.distance_m == pytest.approx(111.2, abs=1.0)
    assert match.evidence.days_apart == 2.0


def test_an_exact_copy_scores_one_and_an_unrelated_text_is_not_suggested(index: NearDuplicateIndex) -> None:
    assert index.query(LAMP, when=T0, lat=LAT, lon=LON)[0].similarity == 1.0
    assert index.query("市图书馆周末开放时间能否延长到晚上九点", when=T0, lat=LAT, lon=LON) == []


def test_time_window_and_distance_bound_a_repeat(index: NearDuplicateIndex) -> None:
    assert index.query(LAMP_AGAIN, when=T0 + timedelta(days=31), lat=LAT, lon=LON, window_days=30) == []
    assert index.query(LAMP_AGAIN, when=T0 - timedelta(days=29), lat=LAT, lon=LON, window_days=30)
    far = LAT + 0.01  # ~1.1 km north
    assert index.query(LAMP_AGAIN, when=T0, lat=far, lon=LON, max_distance_m=500) == []
    assert index.query(LAMP_AGAIN, when=T0, lat=far, lon=LON, max_distance_m=2000)


def test_place_keys_decide_when_coordinates_are_missing() -> None:
    ix = NearDuplicateIndex()
    ix.add("a", LAMP, when=T0, place="幸福小区")
    assert ix.query(LAMP_AGAIN, when=T0, place="幸福小区")[0].evidence.same_place
    assert ix.query(LAMP_AGAIN, when=T0, place="东风小区") == []
    assert ix.query(LAMP_AGAIN, when=T0)  # nothing to compare: time and text decide
    assert ix.query(LAMP_AGAIN, when=T0, lat=LAT, lon=LON)[0].evidence.distance_m is None


def test_remove_readd_exclude_and_empty_text(index: NearDuplicateIndex) -> None:
    assert len(index) == 2
    assert "lamp" in index
    assert index.query(LAMP, when=T0, exclude="lamp") == []
    assert index.remove("lamp")
    assert not index.remove("lamp")
    assert index.query(LAMP, when=T0) == []
    index.add("lamp2", LAMP, when=T0)
    index.add("lamp2", GARBAGE, when=T0)  # re-adding a key replaces it
    assert [m.key for m in index.query(GARBAGE, when=T0)] == ["garbage", "lamp2"]
    assert index.query("", when=T0) == []
    assert index.query("。。。", when=T0) == []
    index.add("blank", "   ", when=T0)  # indexed, but no text to match
    assert "blank" in index


def test_cleaning_ignores_width_case_punctuation_and_numbers() -> None:
    assert compact("ＡＢＣ， 123号楼！") == "abc0号楼"
    assert shingle_ids("ab", 3).size == 1
    assert shingle_ids("", 3).size == 0
    assert shared_phrases(compact("幸福路88号路灯"), compact("幸福路9号路灯"), 3) == ("幸福路#号路灯",)


def test_naive_and_aware_times_and_a_bad_configuration() -> None:
    ix = NearDuplicateIndex()
    ix.add("n", LAMP, when=datetime(2024, 5, 1))
    assert ix.query(LAMP_AGAIN, when=datetime(2024, 5, 3))[0].evidence.days_apart == 2.0
    with pytest.raises(ValueError, match="multiple of bands"):
        NearDuplicateIndex(num_perm=64, bands=10)


def test_a_query_over_many_open_cases_is_fast() -> None:
    """5,000 template-like open cases (the hard case: many shared phrases); a query stays in milliseconds."""
    ix = NearDuplicateIndex()
    roads = ["幸福路", "东风路", "人民路", "解放路", "建设路"]
    for k in range(5000):
        text = f"{roads[k % 5]}{k}号小区第{k % 37}栋门口路灯不亮，晚上走路很危险，编号{k * 7919}"
        ix.add(str(k), text, when=T0 + timedelta(minutes=k), lat=LAT + (k % 50) * 0.001, lon=LON)
    started = time.perf_counter()
    for k in range(50):
        ix.query(f"{roads[k % 5]}{k}号小区第{k % 37}栋门口路灯坏了", when=T0, lat=LAT, lon=LON)
    assert (time.perf_counter() - started) / 50 < 0.05  # generous: a shared, loaded test machine


def test_repeats_planted_in_the_synthetic_city_are_found() -> None:
    """Demo City cases, some rewritten with small edits, 50-150 m away and 1-10 days later: each repeat's
    original is suggested, and is the best suggestion for most (others at the cell share its template)."""
    import random

    from citybrain.simulate.city import build_city
    from citybrain.simulate.streams import generate

    stream = generate(build_city(), days=4, cases_per_day=300, seed=5, now=datetime(2025, 3, 1, tzinfo=UTC))
    cases = [c for c in stream.cases if c.duplicate_of is None]
    ix = NearDuplicateIndex()
    for c in cases:
        ix.add(str(c.index), c.text.text, when=c.created_at, lat=c.lat, lon=c.lon)
    r = random.Random(3)
    originals = r.sample(cases, 40)
    found = best = 0
    for c in originals:
        text = "再次反映：" + c.text.text.replace("，", "。", 1) + "至今没有人处理。"
        when = c.created_at + timedelta(days=r.uniform(1, 10))
        matches = ix.query(text, when=when, lat=c.lat + r.uniform(50, 150) / 111_000, lon=c.lon)
        keys = [m.key for m in matches]
        found += str(c.index) in keys
        best += bool(keys) and keys[0] == str(c.index)
    assert found / len(originals) >= 0.95
    assert best / len(originals) >= 0.6


def test_a_flood_of_one_text_keeps_queries_bounded_and_finds_the_latest() -> None:
    index = NearDuplicateIndex()
    start = datetime(2026, 3, 1, tzinfo=UTC)
    text = "工地凌晨两点还在打桩，噪音扰民，请尽快处理"
    for i in range(20_000):  # a load test, or spam: the same words at the same spot
        index.add(f"c{i}", text, when=start + timedelta(seconds=i), lat=28.2, lon=112.9)
    began = time.perf_counter()
    for _ in range(20):
        found = index.query(text, when=start + timedelta(hours=6), lat=28.2, lon=112.9, limit=3)
    per_query = (time.perf_counter() - began) / 20
    assert [m.key for m in found] == ["c19999", "c19998", "c19997"]  # the closest in time among equals
    assert per_query < 0.05, per_query  # bounded by the bucket cap, not by the 20,000 copies


def test_a_long_message_costs_little_memory_to_hold() -> None:
    """Real citizen messages run to hundreds of characters (361 on average in teddy2020c): per-band buckets and
    kept shingle sets cost ~7.7 KB a case there (bench/results/repeat_index_memory.json); the index keeps a
    case's text, its signature and a few numbers — under 2.5 KB for a unique 360-character message."""
    import random
    import tracemalloc

    rng = random.Random(5)
    alphabet = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]  # common CJK ideographs: every message unique
    texts = ["".join(rng.choices(alphabet, k=360)) for _ in range(2000)]
    ix = NearDuplicateIndex()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for k, text in enumerate(texts):
        ix.add(str(k), text, when=T0 + timedelta(minutes=k), lat=LAT + (k % 40) * 0.001, lon=LON)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert held / len(texts) < 2500, held / len(texts)
    assert ix.query(texts[7], when=T0, lat=LAT + 0.007, lon=LON)[0].key == "7"  # and each is still found
