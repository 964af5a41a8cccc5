"""The hot-issue board on the Demo City: one problem at one place per issue, however templated the texts are.

The landing page's board once put 89 % of a month's messages, from all eight districts, into one issue: the
grouping chained messages that were each alike to the next. These tests run the board as the nightly job does
(``run_hot_issues`` over the loaded Demo City), and on the simulator's texts alone, and check what no chain of
links may produce.

The bound on the top issue's share: the largest true issue of a Demo City month (a planted construction burst
at one cell, docs/demo.md) holds under 1 % of the month's messages, and the largest of 附件3's real issues
(丽发新城 搅拌站, 42 of 4,326) about 1 %. An issue holding more than 10 % of all messages would be ten times the
largest problem seen in either, so it is a chain, not a problem.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from citybrain.analytics.hot_issues import Messages, build_board
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.insight.hot_issues import run_hot_issues
from citybrain.models import Case
from citybrain.simulate.city import build_city
from citybrain.simulate.load import load_city
from citybrain.simulate.streams import SimCase, generate

MAX_SHARE = 0.10


def test_the_nightly_board_on_the_demo_city_has_no_issue_across_districts(db: Database) -> None:
    now = clock.utcnow() - timedelta(minutes=1)
    with db.transaction() as session:
        load_city(session, seed=1, days=30, cases_per_day=60, now=now)
    board, _ = run_hot_issues(db, days=30, top=20, now=now.replace(tzinfo=None))
    with db.reading() as session:
        rows = session.execute(select(Case.id, Case.district_code, Case.category_code)).all()
    district = {str(r[0]): r[1] for r in rows}
    category = {str(r[0]): r[2] for r in rows}
    assert board.n_messages > 1000
    assert board.issues[0].count / board.n_messages < MAX_SHARE
    for issue in board.issues:
        # each Demo City message names its own district only, so an issue in two districts is a chain
        assert len({district[m.id] for m in issue.members}) == 1, issue.description
        assert len({category[m.id] for m in issue.members}) == 1, issue.description


def _text_only(cases: list[SimCase]) -> Messages:
    """The messages as a file without grid or category would give them: title, address and text only."""
    return Messages.of(
        id=[str(c.index) for c in cases],
        created_at=[c.created_at.replace(tzinfo=None) for c in cases],
        user=[""] * len(cases),
        title=[c.text.title for c in cases],
        text=[f"{c.text.address} {c.text.text}" for c in cases],
        likes=[0] * len(cases),
        dislikes=[0] * len(cases),
    )


def test_on_the_texts_alone_no_issue_spans_two_districts_or_a_tenth_of_the_month() -> None:
    stream = generate(build_city(1), days=30, cases_per_day=120, seed=3, now=datetime(2026, 1, 15, tzinfo=UTC))
    cases = [c for c in stream.cases if c.state.status not in ("invalid", "merged")]
    board = build_board(_text_only(cases), top=5)
    sizes = Counter(board.labels.tolist())
    assert max(sizes.values()) / len(cases) < MAX_SHARE
    districts: dict[int, set[str]] = {}
    for case, label in zip(cases, board.labels.tolist(), strict=True):
        districts.setdefault(label, set()).add(case.district)
    spread = [label for label, found in districts.items() if len(found) > 1]
    assert not spread, f"{len(spread)} groups span districts"


T0 = datetime(2024, 3, 1, 2, 0)
WORDS = [f"{a}{b}" for a in "甲乙丙丁戊己庚辛壬癸" for b in "子丑寅卯辰巳午未申酉戌亥"][:40]


def _plain(texts: list[str]) -> Messages:
    n = len(texts)
    return Messages.of(
        id=[str(i) for i in range(n)],
        created_at=[T0 + timedelta(hours=i) for i in range(n)],
        user=[""] * n,
        title=texts,
        text=texts,
        likes=[0] * n,
        dislikes=[0] * n,
    )


def test_a_chain_of_pairwise_alike_messages_is_not_one_issue() -> None:
    """Message i says words i … i+3: each is much like the next, the first and the last share nothing. An issue
    is gathered round a centre, so no issue reaches further than the centre's own words (±3 messages)."""
    texts = ["".join(WORDS[i : i + 4]) for i in range(30)]
    board = build_board(_plain(texts), top=1)
    for label in set(board.labels.tolist()):
        members = [i for i, g in enumerate(board.labels.tolist()) if g == label]
        assert max(members) - min(members) <= 6, members


def test_one_text_in_two_districts_is_two_issues_even_round_a_message_naming_none() -> None:
    """The same words from two districts, and once naming no district, among 400 other messages (so that the
    words are rare enough to count): the message naming none may join either district's issue, never both."""
    body = "家里暖气片冰凉，室温只有十二度，老人孩子受不了，请尽快处理"
    r = random.Random(5)
    others = ["".join(chr(0x4E00 + r.randrange(3000)) for _ in range(12)) for _ in range(400)]
    texts = [f"高新区{body}"] * 3 + [body] + [f"东湖区{body}"] * 3 + others
    labels = build_board(_plain(texts), top=1).labels.tolist()
    assert len(set(labels[:3])) == 1
    assert len(set(labels[4:7])) == 1
    assert labels[0] != labels[4]
