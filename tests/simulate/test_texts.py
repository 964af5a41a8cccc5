"""The Demo City's texts vary as citizens write (a fair test for text analytics), keep their places intact, and are
the same for a seed in any process."""

from __future__ import annotations

import hashlib
import os
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import citybrain
from citybrain.simulate.city import build_city
from citybrain.simulate.phrasing import TYPOS_ZH
from citybrain.simulate.streams import Stream, generate

NOW = datetime(2025, 12, 20, 12, 0, tzinfo=UTC)
DIGEST = (
    "import hashlib; from datetime import UTC, datetime; from citybrain.simulate.city import build_city; "
    "from citybrain.simulate.streams import generate; "
    "s = generate(build_city(2), days=3, cases_per_day=50, seed=2, now=datetime(2025, 12, 20, 12, tzinfo=UTC)); "
    "print(hashlib.sha256(''.join(c.text.title + c.text.text for c in s.cases).encode()).hexdigest())"
)


def _stream() -> Stream:
    return generate(build_city(1), days=20, cases_per_day=100, seed=1, now=NOW)


def test_each_problem_is_written_in_several_ways_and_lengths_with_typos() -> None:
    stream, city = _stream(), build_city(1)
    wordings: dict[str, set[str]] = defaultdict(set)
    titles: dict[str, set[str]] = defaultdict(set)
    lengths: list[int] = []
    for case in stream.cases:
        cell, district = city.cell(case.grid), city.district(case.district)
        text, language = case.text.text, case.text.language
        names = (district.name_zh, cell.road_zh, cell.community_zh) if language == "zh" else (
            district.name_en, cell.road_en, cell.community_en)  # fmt: skip
        assert all(name in text for name in names), text  # a typo never touches a place name
        for name in names:
            text = text.replace(name, "")
        wordings[case.category].add(re.sub(r"\d+", "#", text))
        titles[case.category].add(re.sub("|".join(names), "", case.text.title))
        lengths.append(len(case.text.text))
    common = [c for c in wordings if len([k for k in stream.cases if k.category == c]) >= 40]
    assert len(common) >= 10
    assert all(len(wordings[c]) >= 10 and len(titles[c]) >= 6 for c in common)
    median = statistics.median(lengths)
    assert min(lengths) < 0.6 * median
    assert max(lengths) > 1.8 * median
    texts = [c.text.text for c in stream.cases]
    misspelt = [typo for _, typo in TYPOS_ZH if len(typo) > 1]  # 以经, 燥音 … (再, 得 are words too)
    assert sum(any(typo in t for typo in misspelt) for t in texts) > len(texts) * 0.03
    assert {c.text.language for c in stream.cases} == {"zh", "en"}


def test_the_same_seed_gives_the_same_texts_in_another_process() -> None:
    here = generate(build_city(2), days=3, cases_per_day=50, seed=2, now=NOW)
    digest = hashlib.sha256("".join(c.text.title + c.text.text for c in here.cases).encode()).hexdigest()
    source = str(Path(citybrain.__file__).resolve().parents[1])  # this tree's code, not an installed copy
    env = {**os.environ, "PYTHONPATH": source}
    other = subprocess.run([sys.executable, "-c", DIGEST], capture_output=True, text=True, check=True, env=env)
    assert other.stdout.strip() == digest
