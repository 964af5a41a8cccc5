"""Hot issues (热点问题): messages about one problem at one place, grouped and ranked by a heat index (热度指数).

Grouping (:mod:`citybrain.analytics.hot_grouping`): messages within ``window_days`` of each other that say
something alike about the same place or subject, or nearly the same thing, are linked; an issue is a centre and
the messages linked to it or naming its place ("油烟扰民" at two communities is two problems), never a chain.

Heat (see docs/hot_issues.md for why each part):

    heat = (voices + √support) × recency × growth
    voices   = distinct citizens + ½ × further messages from the same citizens
    support  = likes × Wilson lower bound (95 %) of likes / (likes + dislikes)
    recency  = ½ + ½ × 2^(−days since the issue's last message / half_life_days)
    growth   = 1 + ½ × clip((messages in the last growth_days − in the growth_days before) / (before + 1), 0, 1)

Pure: arrays in, frozen dataclasses out; same input → same board.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

import numpy as np
import numpy.typing as npt

from citybrain.analytics.hot_grouping import BoardParams, Messages, gram_matrix, group_messages
from citybrain.analytics.hot_text import compact_texts, place_mentions, text_vectors
from citybrain.core.privacy import mask_text

I64 = npt.NDArray[np.int64]
__all__ = [
    "Board",
    "BoardParams",
    "Heat",
    "HotIssue",
    "Member",
    "Messages",
    "board_json",
    "build_board",
    "heat_of",
    "heat_table",
    "wilson_lower",
]


@dataclass(frozen=True)
class Heat:
    """The heat of one issue and every part of it, so a reader can check the rank by hand."""

    heat: float
    messages: int
    citizens: int
    voices: float
    likes: int
    dislikes: int
    support: float
    recency: float
    growth: float


@dataclass(frozen=True)
class Member:
    id: str
    created_at: datetime
    title: str
    text: str
    likes: int
    dislikes: int


@dataclass(frozen=True)
class HotIssue:
    rank: int
    heat: Heat
    start: datetime
    end: datetime
    place: str
    description: str
    members: tuple[Member, ...]

    @property
    def count(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class Board:
    """The ranked issues (the first ``top``), with how many messages and groups there were and when "now" was."""

    issues: tuple[HotIssue, ...]
    params: BoardParams
    reference: datetime
    n_messages: int
    n_groups: int
    labels: I64 = field(repr=False, compare=False)
    engine: str = "duckdb"  # the engine that read the messages


def wilson_lower(positive: int, total: int, z: float = 1.96) -> float:
    """Lower bound of the Wilson score interval: the share of likes we can be 95 % sure of."""
    if total <= 0:
        return 0.0
    p = positive / total
    centre = p + z * z / (2 * total)
    spread = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return (centre - spread) / (1 + z * z / total)


def heat_of(members: Messages, reference: datetime, params: BoardParams) -> Heat:
    """The heat index of one group (module docstring)."""
    n = len(members)
    named = [u for u in members.user if u]
    citizens = len(set(named)) + (n - len(named))
    voices = citizens + 0.5 * (n - citizens)
    likes, dislikes = int(members.likes.sum()), int(members.dislikes.sum())
    support = likes * wilson_lower(likes, likes + dislikes)
    ref = np.datetime64(reference, "s")
    age_days = max(float((ref - members.created_at.max()) / np.timedelta64(1, "D")), 0.0)
    recency = 0.5 + 0.5 * 2.0 ** (-age_days / params.half_life_days)
    ago = (ref - members.created_at) / np.timedelta64(1, "D")
    recent = int(((ago >= 0) & (ago < params.growth_days)).sum())
    before = int(((ago >= params.growth_days) & (ago < 2 * params.growth_days)).sum())
    growth = 1.0 + 0.5 * min(max((recent - before) / (before + 1), 0.0), 1.0)
    heat = (voices + math.sqrt(support)) * recency * growth
    return Heat(
        heat=round(heat, 3),
        messages=n,
        citizens=citizens,
        voices=voices,
        likes=likes,
        dislikes=dislikes,
        support=round(support, 2),
        recency=round(recency, 4),
        growth=round(growth, 4),
    )


def build_board(
    messages: Messages, params: BoardParams | None = None, *, now: datetime | None = None, top: int = 20
) -> Board:
    """Group, score and rank. ``now`` (naive UTC) is the reference for recency and growth; by default the time
    of the latest message, so an old export is ranked as it stood when it was taken."""
    params = params or BoardParams()
    if top < 1:
        raise ValueError("top must be ≥ 1")
    labels = group_messages(messages, params)
    reference = now or (_to_datetime(messages.created_at.max()) if len(messages) else datetime(1970, 1, 1))  # noqa: DTZ001 - naive local, as the messages
    order = np.argsort(labels, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(labels[order])) + 1) if labels.size else []
    heat, count = heat_table(labels, messages, reference, params)
    eligible = np.flatnonzero(count >= params.min_count)
    first = np.array([int(g[0]) for g in groups], dtype=np.int64)  # ties: larger, then earlier-listed first
    ranked = eligible[np.lexsort((first[eligible], -count[eligible], -np.round(heat[eligible], 3)))][:top]
    issues = tuple(
        _issue(rank, heat_of(messages.take(groups[g]), reference, params), messages, groups[g])
        for rank, g in enumerate(ranked.tolist(), start=1)
    )
    return Board(issues, params, reference, len(messages), len(groups), labels, messages.engine)


def heat_table(
    labels: I64, messages: Messages, reference: datetime, params: BoardParams
) -> tuple[npt.NDArray[np.float64], I64]:
    """(heat, messages) of every group at once — the same formula as :func:`heat_of`, vectorised for ranking."""
    k = int(labels.max()) + 1 if labels.size else 0
    count = np.bincount(labels, minlength=k)
    named = np.array([bool(u) for u in messages.user], dtype=bool)
    _, user_code = np.unique(np.array(messages.user, dtype=str)[named], return_inverse=True)
    span = int(user_code.max()) + 1 if user_code.size else 1
    pairs = np.unique(labels[named] * span + user_code.astype(np.int64))  # distinct (group, citizen)
    per_user = np.bincount(pairs // span, minlength=k)
    citizens = per_user + np.bincount(labels[~named], minlength=k)
    voices = citizens + 0.5 * (count - citizens)
    likes = np.bincount(labels, weights=messages.likes, minlength=k).astype(np.float64)
    dislikes = np.bincount(labels, weights=messages.dislikes, minlength=k).astype(np.float64)
    support = likes * _wilson_lower(likes, likes + dislikes)
    ref = np.datetime64(reference, "s")
    ago = (ref - messages.created_at) / np.timedelta64(1, "D")
    youngest = np.full(k, np.inf)
    np.minimum.at(youngest, labels, ago)
    recency = 0.5 + 0.5 * 2.0 ** (-np.maximum(youngest, 0.0) / params.half_life_days)
    recent = np.bincount(labels, weights=(ago >= 0) & (ago < params.growth_days), minlength=k)
    before = np.bincount(labels, weights=(ago >= params.growth_days) & (ago < 2 * params.growth_days), minlength=k)
    growth = 1.0 + 0.5 * np.clip((recent - before) / (before + 1), 0.0, 1.0)
    return (voices + np.sqrt(support)) * recency * growth, count


def _wilson_lower(positive: npt.NDArray[np.float64], total: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    z = 1.96
    n = np.maximum(total, 1.0)
    p = positive / n
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.where(total > 0, (centre - spread) / (1 + z * z / n), 0.0)


def _issue(rank: int, heat: Heat, messages: Messages, index: I64) -> HotIssue:
    index = index[np.argsort(messages.created_at[index], kind="stable")]
    group = messages.take(index)
    members = tuple(
        Member(
            id=group.id[k],
            created_at=_to_datetime(group.created_at[k]),
            title=mask_text(group.title[k]) or "",
            text=mask_text(group.text[k]) or "",
            likes=int(group.likes[k]),
            dislikes=int(group.dislikes[k]),
        )
        for k in range(len(group))
    )
    return HotIssue(
        rank=rank,
        heat=heat,
        start=members[0].created_at,
        end=members[-1].created_at,
        place=mask_text(_group_place(group)) or "",  # a place a title names may be a door (12号3栋)
        description=_description(group),
        members=members,
    )


def _group_place(group: Messages) -> str:
    """The place most members' titles name (in at least two titles of a larger group), after the district most
    of them name."""
    specific: Counter[str] = Counter()
    coarse: Counter[str] = Counter()
    for title, place in zip(group.title, group.place, strict=True):
        names, admin = place_mentions(title)  # a title names the place on purpose; the text often only by the way
        specific.update(set(names) or ({place} if place else set()))  # a key (grid cell) only if no name
        coarse.update(admin)
    district = coarse.most_common(1)[0][0] if coarse else ""
    shared = {name: n for name, n in specific.items() if n >= 2 or len(group) < 3}  # one title's word: no place
    if not shared:
        return district
    best = max(shared.items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))[0]
    return best if best.startswith(district) else f"{district}{best}"


def _description(group: Messages) -> str:
    """The title that is most like the others (the group's medoid), masked: one line that names the problem."""
    titles = [t or x[:40] for t, x in zip(group.title, group.text, strict=True)]
    if len(titles) <= 2:
        best = 0 if len(titles) == 1 or len(titles[0]) >= len(titles[1]) else 1
        return mask_text(titles[best]) or ""
    centrality = gram_matrix(text_vectors(*compact_texts(group.title, group.text), max_df=1.0)).sum(axis=1)
    return mask_text(titles[int(np.argmax(centrality))]) or ""


def _to_datetime(value: Any) -> datetime:
    return datetime.fromisoformat(str(np.datetime64(value, "s")))


def board_json(board: Board, *, zone: tzinfo | None = None, source: str | None = None) -> dict[str, Any]:
    """The board as JSON (times in ``zone`` with their offset; naive UTC ISO when no zone is given)."""

    def when(value: datetime) -> str:
        if zone is None:
            return value.isoformat()
        return value.replace(tzinfo=UTC).astimezone(zone).isoformat()

    return {
        "issues": [
            {
                "rank": issue.rank,
                "heat": issue.heat.heat,
                "start": when(issue.start),
                "end": when(issue.end),
                "place": issue.place,
                "description": issue.description,
                "count": issue.count,
                "heat_parts": {k: v for k, v in vars(issue.heat).items() if k != "heat"},
                "members": [
                    {
                        "id": m.id,
                        "created_at": when(m.created_at),
                        "title": m.title,
                        "text": m.text,
                        "likes": m.likes,
                        "dislikes": m.dislikes,
                    }
                    for m in issue.members
                ],
            }
            for issue in board.issues
        ],
        "params": {
            **vars(board.params),
            "reference": when(board.reference),
            "messages": board.n_messages,
            "groups": board.n_groups,
            "engine": board.engine,
            **({"source": source} if source else {}),
        },
    }
