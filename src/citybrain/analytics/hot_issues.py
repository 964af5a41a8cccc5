"""Hot issues (热点问题): messages about one problem at one place, grouped and ranked by a heat index (热度指数).

Grouping: two messages are linked when they were written within ``window_days`` of each other and either say
nearly the same thing (text similarity ≥ ``text_threshold``) or say something alike about the same named place
(similarity ≥ ``place_threshold`` and a shared place name, e.g. 丽发新城). Two messages naming *different* places
are not linked on text alone unless their texts are almost equal (``strong_threshold``): "油烟扰民" at two
communities is two problems. An issue is a connected group of linked messages.

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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from citybrain.analytics.hot_text import (
    anchors,
    compact_texts,
    message_places,
    place_mentions,
    same_place,
    text_vectors,
)
from citybrain.core.privacy import mask_text

I64 = npt.NDArray[np.int64]
_CHUNK = 2000


@dataclass(frozen=True)
class Messages:
    """Citizens' messages, one entry per message; ``created_at`` naive UTC; ``place`` an optional known place key
    (a grid cell, a geocoded community) that counts as a shared place name."""

    id: tuple[str, ...]
    created_at: npt.NDArray[np.datetime64]
    user: tuple[str, ...]
    title: tuple[str, ...]
    text: tuple[str, ...]
    likes: I64
    dislikes: I64
    place: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        *,
        id: Sequence[str],
        created_at: Sequence[datetime],
        user: Sequence[str],
        title: Sequence[str],
        text: Sequence[str],
        likes: Sequence[int],
        dislikes: Sequence[int],
        place: Sequence[str] = (),
    ) -> Messages:
        n = len(id)
        if any(len(c) != n for c in (created_at, user, title, text, likes, dislikes)) or len(place) not in (0, n):
            raise ValueError("every column of Messages needs one value per message")
        return cls(
            id=tuple(id),
            created_at=np.array(created_at, dtype="datetime64[s]"),
            user=tuple(user),
            title=tuple(title),
            text=tuple(text),
            likes=np.asarray(likes, dtype=np.int64).reshape(n),
            dislikes=np.asarray(dislikes, dtype=np.int64).reshape(n),
            place=tuple(place) if place else ("",) * n,
        )

    def __len__(self) -> int:
        return len(self.id)

    def take(self, index: I64) -> Messages:
        pick = index.tolist()
        return Messages(
            id=tuple(self.id[i] for i in pick),
            created_at=self.created_at[index],
            user=tuple(self.user[i] for i in pick),
            title=tuple(self.title[i] for i in pick),
            text=tuple(self.text[i] for i in pick),
            likes=self.likes[index],
            dislikes=self.dislikes[index],
            place=tuple(self.place[i] for i in pick),
        )

    def since(self, when: datetime) -> Messages:
        return self.take(np.flatnonzero(self.created_at >= np.datetime64(when, "s")))


@dataclass(frozen=True)
class BoardParams:
    """How messages are grouped and how heat is computed (stored with every board)."""

    window_days: float = 60.0
    text_threshold: float = 0.4
    place_threshold: float = 0.15
    subject_threshold: float = 0.1
    strong_threshold: float = 0.7
    cohesion: float = 0.3
    half_life_days: float = 30.0
    growth_days: float = 7.0
    min_count: int = 1


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


def group_messages(messages: Messages, params: BoardParams) -> I64:
    """A group label per message (0 … groups − 1): connected components of the links described above."""
    n = len(messages)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    titles, bodies = compact_texts(messages.title, messages.text)
    vectors = text_vectors(titles, bodies)
    places = [
        message_places(t, x) + ((p,) if p else ())
        for t, x, p in zip(messages.title, messages.text, messages.place, strict=True)
    ]
    subjects = anchors(titles, bodies)
    rows, cols = _links(vectors, messages.created_at, _Facts(places, subjects, messages.user), params)
    labels = _components(n, rows, cols)
    weak = _loose_members(labels, vectors, params.cohesion)
    if weak.any():  # cut the loose members off and let them group among themselves
        keep = weak[rows] == weak[cols]
        labels = _components(n, rows[keep], cols[keep])
    return labels


def gram_matrix(rows: sparse.csr_matrix) -> npt.NDArray[np.float64]:
    """Dense dot products of a few rows, over only the columns they use (transposing all columns is slow)."""
    used, column = np.unique(rows.indices, return_inverse=True)
    narrow = sparse.csr_matrix((rows.data, column, rows.indptr), shape=(rows.shape[0], used.size))
    return np.asarray((narrow @ narrow.T).toarray(), dtype=np.float64)


def _components(n: int, rows: I64, cols: I64) -> I64:
    graph = sparse.coo_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return np.asarray(labels, dtype=np.int64)


def _loose_members(labels: I64, vectors: sparse.csr_matrix, cohesion: float) -> npt.NDArray[np.bool_]:
    """Members of groups of 3 or more whose cosine to their group's centroid is below ``cohesion``.

    Linking is transitive, so one borderline pair can chain two problems into one group; a member that is not
    like its group as a whole is the sign. cos(v, Σv) = (row sum of the group's Gram matrix) / √(sum of it).
    """
    weak = np.zeros(labels.size, dtype=bool)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    for members in np.split(order, bounds):
        if members.size < 3:
            continue
        gram = gram_matrix(vectors[members])
        total = gram.sum()
        weak[members] = gram.sum(axis=1) / math.sqrt(total) < cohesion if total > 0 else True
    return weak


def _links(
    vectors: sparse.csr_matrix,
    created: npt.NDArray[np.datetime64],
    facts: _Facts,
    params: BoardParams,
) -> tuple[I64, I64]:
    """Linked pairs (i < j), computed block by block over messages sorted by time so memory stays bounded."""
    order = np.argsort(created, kind="stable")
    seconds = created[order].astype(np.int64)
    window = int(params.window_days * 86400)
    ordered = vectors[order]
    rows: list[I64] = []
    cols: list[I64] = []
    for lo in range(0, order.size, _CHUNK):
        hi = min(lo + _CHUNK, order.size)
        end = int(np.searchsorted(seconds, seconds[hi - 1] + window, side="right"))
        block = (ordered[lo:hi] @ ordered[lo:end].T).tocoo()
        i, j, s = block.row + lo, block.col + lo, block.data
        floor = min(params.place_threshold, params.subject_threshold)
        keep = (j > i) & (s >= floor) & (seconds[j] - seconds[i] <= window)
        i, j, s = i[keep], j[keep], s[keep]
        ok = np.array(
            [
                facts.linked(x, y, v, params)
                for x, y, v in zip(order[i].tolist(), order[j].tolist(), s.tolist(), strict=True)
            ],
            dtype=bool,
        )
        rows.append(order[i[ok]])
        cols.append(order[j[ok]])
    return np.concatenate(rows), np.concatenate(cols)


@dataclass(frozen=True)
class _Facts:
    """What besides text decides a link: the places each message names, its rare title runs, its citizen."""

    places: list[tuple[str, ...]]
    subjects: list[frozenset[int]]
    users: tuple[str, ...]

    def linked(self, x: int, y: int, similarity: float, params: BoardParams) -> bool:
        """Alike about the same place or subject: linked. Different places, or one citizen's two messages (a
        prolific writer reuses a title pattern for different problems): only if nearly equal. Else: alike."""
        a, b = self.places[x], self.places[y]
        one_citizen = bool(self.users[x]) and self.users[x] == self.users[y]
        if a and b and not same_place(a, b):
            return similarity >= params.strong_threshold
        if one_citizen:
            return similarity >= (params.text_threshold if a and b else params.strong_threshold)
        if a and b:
            return similarity >= params.place_threshold
        if not self.subjects[x].isdisjoint(self.subjects[y]):
            return similarity >= params.subject_threshold
        return similarity >= params.text_threshold


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
    reference = now or (_to_datetime(messages.created_at.max()) if len(messages) else datetime(1970, 1, 1))
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
    return Board(issues, params, reference, len(messages), len(groups), labels)


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
        place=_group_place(group),
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
        specific.update(set(names) | ({place} if place else set()))
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
            **({"source": source} if source else {}),
        },
    }
