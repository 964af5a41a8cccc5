"""Which messages speak of one problem at one place (the grouping step of the hot-issue board 热点问题).

Two messages are linked when they were written within ``window_days`` of each other and either say nearly the
same thing (text similarity ≥ ``text_threshold``), or say something alike about the same named place
(≥ ``place_threshold``) or the same rare subject name (≥ ``subject_threshold``). Messages naming *different*
places, and one citizen's messages, are linked only when nearly equal (``strong_threshold``). An issue is a
connected group of links, less the members unlike the group as a whole (``cohesion``). Pure: numpy and scipy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from citybrain.analytics.hot_text import anchors, compact_texts, message_places, same_place, text_vectors

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
        """Alike about the same place: linked (one citizen writing again about a place is still one problem).
        Different places, or one citizen's two messages naming no common place (a prolific writer reuses a title
        pattern for different proposals): only if nearly equal. Alike about one rare subject, or alike: linked."""
        a, b = self.places[x], self.places[y]
        if a and b:
            return similarity >= (params.place_threshold if same_place(a, b) else params.strong_threshold)
        if self.users[x] and self.users[x] == self.users[y]:
            return similarity >= params.strong_threshold
        if not self.subjects[x].isdisjoint(self.subjects[y]):
            return similarity >= params.subject_threshold
        return similarity >= params.text_threshold
