"""Which messages speak of one problem at one place (the grouping step of the hot-issue board 热点问题).

Two messages are linked when they were written within ``window_days`` of each other, do not disagree on where
or what (:class:`_Facts`: two known place keys, two known topic keys, or two sets of named places or districts
that share nothing) and either say nearly the same thing (text similarity ≥ ``text_threshold``), or say something
alike about the same named place (≥ ``place_threshold``) or the same rare subject name (≥ ``subject_threshold``).
One citizen's messages naming no common place are linked only when nearly equal (``strong_threshold``).

An issue is gathered round a centre, not a chain of links (:func:`centre_groups`): the message linked to the most
others still free becomes a centre and takes the free messages linked to it, then those linked to a member that
name the centre's own place or rare subject; and no message joins a group one of whose members names another
place, district or key. So a run of pairwise links, however long, cannot carry an issue to another place, and
reaches beyond the centre's own links only at the centre's place or subject. Last, the members unlike the issue
as a whole (cosine to its centroid below ``cohesion``) stand alone. Pure: numpy and scipy.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np
import numpy.typing as npt
from scipy import sparse

from citybrain.analytics.hot_text import (
    anchors,
    compact_texts,
    message_districts,
    message_places,
    same_place,
    text_vectors,
)

I64 = npt.NDArray[np.int64]
_CHUNK = 2000


@dataclass(frozen=True)
class Messages:
    """Citizens' messages, one entry per message; ``created_at`` naive UTC; ``place`` an optional known place key
    (a grid cell, a geocoded community) and ``topic`` an optional known kind of problem (a category code): two
    messages whose keys are both known and differ are never one issue. Equal keys do not make two messages alike:
    a grid cell holds many problems, so what they say still decides."""

    id: tuple[str, ...]
    created_at: npt.NDArray[np.datetime64]
    user: tuple[str, ...]
    title: tuple[str, ...]
    text: tuple[str, ...]
    likes: I64
    dislikes: I64
    place: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()
    engine: str = "duckdb"  # the engine that read them (``params.engine`` of the board)

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
        topic: Sequence[str] = (),
    ) -> Messages:
        n = len(id)
        columns = (created_at, user, title, text, likes, dislikes)
        if any(len(c) != n for c in columns) or len(place) not in (0, n) or len(topic) not in (0, n):
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
            topic=tuple(topic) if topic else ("",) * n,
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
            topic=tuple(self.topic[i] for i in pick),
            engine=self.engine,
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
    """A group label per message (0 … groups − 1): groups round centres (module docstring), less loose members."""
    n = len(messages)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    titles, bodies = compact_texts(messages.title, messages.text)
    vectors = text_vectors(titles, bodies)
    places = [message_places(t, x) for t, x in zip(messages.title, messages.text, strict=True)]
    districts = [message_districts(t, x) for t, x in zip(messages.title, messages.text, strict=True)]
    keys = _key_codes(messages.place), _key_codes(messages.topic)
    facts = _Facts(places, districts, anchors(titles, bodies), messages.user, keys)
    rows, cols, weight = _links(vectors, messages.created_at, facts, params)
    labels = centre_groups(n, rows, cols, weight, rule=facts)
    weak = _loose_members(labels, vectors, params.cohesion)
    if weak.any():  # a loose member stands alone: joining it elsewhere could start a chain again
        labels = np.where(weak, labels.max() + 1 + np.arange(n), labels)
        labels = np.unique(labels, return_inverse=True)[1].astype(np.int64)
    return labels


class Membership(Protocol):
    """Who may join a group besides its centre's links (:class:`_Facts` on messages)."""

    def at_centre(self, centre: int, other: int) -> bool:
        """``other`` is at the centre's place (names it, or its rare subject)."""

    def where(self, i: int) -> Hashable:
        """All a message says about where it is (equal for messages that cannot disagree on it)."""

    def compatible(self, i: int, j: int) -> bool:
        """Two messages do not name different places, districts or keys."""


def centre_groups(n: int, rows: I64, cols: I64, weight: npt.NDArray[np.float64], *, rule: Membership) -> I64:
    """Groups built around centres, so that no chain of pairwise links can carry a group away from its centre.

    Repeatedly, the free message with the most links to other free messages (ties: the larger sum of their
    similarities, then the earlier message) becomes a centre and takes the free messages linked to it, the most
    alike first (a star). A free message linked only to a member joins too if ``rule.at_centre(centre, message)``
    — it names the centre's own place or rare subject — and so on from it. And no message joins a group one of
    whose members names another place, district or key (``rule.compatible``), so even a centre that names no place
    cannot gather messages from several. Every member is linked to the centre or at its place: a long run of
    pairwise-alike messages (templated texts, one phrase shared down a chain) ends up as several groups, not one.
    """
    stars = _Stars(n, rows, cols, weight)
    heap = [(-int(stars.degree[i]), -float(stars.strength[i]), i) for i in range(n)]
    heapq.heapify(heap)
    while heap:
        d, w, centre = heapq.heappop(heap)
        if stars.labels[centre] >= 0:
            continue
        if -d != stars.degree[centre]:  # stale: some of its neighbours were taken since
            heapq.heappush(heap, (-int(stars.degree[centre]), w, centre))
            continue
        stars.grow(centre, rule)
    return stars.labels


class _Stars:
    """The link graph and the groups taken from it so far (label −1: free), with each message's free links."""

    def __init__(self, n: int, rows: I64, cols: I64, weight: npt.NDArray[np.float64]) -> None:
        both = (np.concatenate((rows, cols)), np.concatenate((cols, rows)))
        self.graph = sparse.coo_matrix((np.concatenate((weight, weight)), both), shape=(n, n)).tocsr()
        self.degree = np.diff(self.graph.indptr).astype(np.int64)
        self.strength = np.asarray(self.graph.sum(axis=1)).ravel()
        self.labels = np.full(n, -1, dtype=np.int64)
        self.groups = 0

    def free_neighbours(self, node: int) -> list[int]:
        """Free messages linked to ``node``, the most alike first."""
        lo, hi = self.graph.indptr[node], self.graph.indptr[node + 1]
        found, alike = self.graph.indices[lo:hi], self.graph.data[lo:hi]
        free = self.labels[found] < 0
        order = np.argsort(-alike[free], kind="stable")
        return [int(x) for x in found[free][order]]

    def grow(self, centre: int, rule: Membership) -> None:
        """The star of ``centre``, then the messages at its place reached from the members, as one new group."""
        kinds: dict[Hashable, int] = {}  # one member for each different account of where it is

        def fits(node: int) -> bool:
            where = rule.where(node)
            if where not in kinds and not all(rule.compatible(node, m) for m in kinds.values()):
                return False
            kinds.setdefault(where, node)
            return True

        frontier = [m for m in (centre, *self.free_neighbours(centre)) if fits(m)]
        while frontier:
            for member in frontier:
                self.labels[member] = self.groups
            for member in frontier:
                self.degree[self.free_neighbours(member)] -= 1
            reached = (w for m in frontier for w in self.free_neighbours(m) if rule.at_centre(centre, w))
            frontier = [w for w in dict.fromkeys(reached) if fits(w)]
        self.groups += 1


def _key_codes(keys: tuple[str, ...]) -> I64:
    """An integer per known key (equal keys, equal codes), −1 where unknown."""
    codes = np.full(len(keys), -1, dtype=np.int64)
    seen: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key:
            codes[i] = seen.setdefault(key, len(seen))
    return codes


def gram_matrix(rows: sparse.csr_matrix) -> npt.NDArray[np.float64]:
    """Dense dot products of a few rows, over only the columns they use (transposing all columns is slow)."""
    used, column = np.unique(rows.indices, return_inverse=True)
    narrow = sparse.csr_matrix((rows.data, column, rows.indptr), shape=(rows.shape[0], used.size))
    return np.asarray((narrow @ narrow.T).toarray(), dtype=np.float64)


def _loose_members(labels: I64, vectors: sparse.csr_matrix, cohesion: float) -> npt.NDArray[np.bool_]:
    """Members of groups of 3 or more whose cosine to their group's centroid is below ``cohesion``.

    A member linked to the centre by one borderline pair, or joined for naming its place, may still say something
    else; a member that is not like its group as a whole is the sign. cos(v, Σv) = (row sum of the group's Gram
    matrix) / √(sum of it).
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
) -> tuple[I64, I64, npt.NDArray[np.float64]]:
    """Linked pairs (i < j) and their similarity, block by block over messages sorted by time (bounded memory)."""
    order = np.argsort(created, kind="stable")
    seconds = created[order].astype(np.int64)
    window = int(params.window_days * 86400)
    ordered = vectors[order]
    place, topic = facts.keys[0][order], facts.keys[1][order]
    rows: list[I64] = []
    cols: list[I64] = []
    sims: list[npt.NDArray[np.float64]] = []
    for lo in range(0, order.size, _CHUNK):
        hi = min(lo + _CHUNK, order.size)
        end = int(np.searchsorted(seconds, seconds[hi - 1] + window, side="right"))
        block = (ordered[lo:hi] @ ordered[lo:end].T).tocoo()
        i, j, s = block.row + lo, block.col + lo, block.data
        floor = min(params.place_threshold, params.subject_threshold)
        keep = (j > i) & (s >= floor) & (seconds[j] - seconds[i] <= window)
        keep &= _agree(place[i], place[j]) & _agree(topic[i], topic[j])
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
        sims.append(s[ok].astype(np.float64))
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(sims)


def _agree(a: I64, b: I64) -> npt.NDArray[np.bool_]:
    """Known keys must be equal; an unknown key (−1) agrees with anything."""
    agree: npt.NDArray[np.bool_] = (a == b) | (a < 0) | (b < 0)
    return agree


@dataclass(frozen=True)
class _Facts:
    """What besides text decides a link: the places and districts each message names, its rare title runs, its
    citizen, its known place and topic keys (codes, −1 unknown)."""

    places: list[tuple[str, ...]]
    districts: list[frozenset[str]]
    subjects: list[frozenset[int]]
    users: tuple[str, ...]
    keys: tuple[I64, I64]

    def linked(self, x: int, y: int, similarity: float, params: BoardParams) -> bool:
        """Messages naming different places, or different districts, are never linked: one issue is at one place.
        Alike about the same place: linked (one citizen writing again about a place is still one problem). One
        citizen's two messages naming no common place (a prolific writer reuses a title pattern for different
        proposals): only if nearly equal. Alike about one rare subject, or alike: linked."""
        if not self.compatible(x, y):
            return False
        if self.places[x] and self.places[y]:
            return similarity >= params.place_threshold
        if self.users[x] and self.users[x] == self.users[y]:
            return similarity >= params.strong_threshold
        if not self.subjects[x].isdisjoint(self.subjects[y]):
            return similarity >= params.subject_threshold
        return similarity >= params.text_threshold

    def where(self, i: int) -> Hashable:
        return (int(self.keys[0][i]), int(self.keys[1][i]), self.districts[i], self.places[i])

    def compatible(self, i: int, j: int) -> bool:
        if any(k[i] >= 0 and k[j] >= 0 and k[i] != k[j] for k in self.keys):
            return False
        if self.districts[i] and self.districts[j] and self.districts[i].isdisjoint(self.districts[j]):
            return False
        return not (self.places[i] and self.places[j]) or same_place(self.places[i], self.places[j])

    def at_centre(self, centre: int, other: int) -> bool:
        """Whether ``other`` names the specific place or the rare subject ``centre`` names (and no other place,
        district or key)."""
        if not self.compatible(centre, other):
            return False
        if self.places[centre] and self.places[other]:
            return True
        return not self.subjects[centre].isdisjoint(self.subjects[other])
