"""Near-duplicate search over open cases (重复件识别): is this new message a repeat of one already open?

A citizen who calls back, a neighbour who reports the same broken light, a message pasted into two channels: each
becomes a second case for the same problem. The index finds such repeats among the open cases and says *why*
(shared phrases, distance, days apart), so an operator can merge them (合并) with the evidence in front of them.
It never merges anything itself.

How: the cleaned text (:func:`citybrain.nlp.normalize.normalize`) becomes character ``n``-gram shingles; each set
gets a MinHash signature (numpy, ``num_perm`` universal hashes); LSH over ``bands`` bands of the signature proposes
candidates whose Jaccard similarity is likely above ~0.25: a case whose signature has one whole band equal to the
query's, found by one vectorised comparison with the matrix of signatures. Cases at the same place (same ``place``
key, or coordinates within about ``max_distance_m``) are proposed too, whatever their wording, since "the same
problem at the same place" is what makes a repeat. Every candidate is then checked against the query's time window
and distance, and the few best by signature are scored by the exact Jaccard similarity of the two shingle sets
(made again from the kept text: the sets are not kept).

Memory before time: per case the index keeps its cleaned text, its signature (256 bytes) and a few numbers — ~1.2 KB
for a real citizen message of 361 characters, where per-band hash buckets and kept shingle sets took ~7.7 KB
(bench/results/repeat_index_memory.json). The price is a comparison linear in the cases held, against the text of
the unlocated ones only when the query has coordinates: a query over the repeat index's 20,000 cases ~1 ms.

Example::

    index = NearDuplicateIndex()
    index.add("1042", "幸福路88号路灯不亮三天了", when=t0, lat=28.19, lon=112.97)
    index.query("幸福路88号的路灯坏了好几天", when=t1, lat=28.19, lon=112.97)
    # [Match(key='1042', similarity=0.33, evidence=Evidence(shared=('幸福路', '路灯'), distance_m=0.0, …))]
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from citybrain.nlp.normalize import normalize

U64 = npt.NDArray[np.uint64]
_PRIME = np.uint64(4294967291)  # largest prime below 2^32: (a·x + b) of 32-bit values fits in 64 bits
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(21)
_EARTH_M = 6_371_008.8
#: Size of the square buckets (degrees of latitude, ~550 m) that coordinates are blocked by.
_CELL_DEG = 0.005
_NOT_WORD = re.compile(r"[\W_]+")
#: Characters of a message that are shingled: a repeat shows in its first paragraphs.
MAX_CHARS = 600
#: Members read per place or grid cell (the latest): recent cases are the likely repeats, and the work per query
#: stays bounded.
BUCKET_CAP = 256


@dataclass(frozen=True)
class Evidence:
    """Why two cases look like one problem: their shared phrases, how far apart and how many days apart."""

    shared: tuple[str, ...]
    distance_m: float | None
    days_apart: float
    same_place: bool
    estimate: float


@dataclass(frozen=True)
class Match:
    """An open case that the queried text may repeat; ``similarity`` is the Jaccard similarity of the shingles."""

    key: str
    similarity: float
    evidence: Evidence


class NearDuplicateIndex:
    """MinHash LSH over character shingles, with blocking by place and coordinates, for open cases.

    ``shingle`` characters per shingle (3 suits Chinese: 2 joins unrelated messages on common words, 4 misses a
    rewrite); ``num_perm`` = ``bands`` × rows per band. With 64 hashes in 32 bands of 2 rows, a pair with Jaccard
    0.3 becomes a candidate with probability 0.95 and one with 0.1 with probability 0.27 (then dropped by score).
    """

    def __init__(self, *, shingle: int = 3, num_perm: int = 64, bands: int = 32, seed: int = 1) -> None:
        if shingle < 1 or bands < 1 or num_perm % bands:
            raise ValueError("shingle ≥ 1 and num_perm must be a multiple of bands")
        rng = np.random.default_rng(seed)
        self.shingle, self.bands, self.rows = shingle, bands, num_perm // bands
        self._a = rng.integers(1, int(_PRIME), size=(num_perm, 1), dtype=np.uint64)
        self._b = rng.integers(0, int(_PRIME), size=(num_perm, 1), dtype=np.uint64)
        self._index: dict[str, int] = {}
        self._keys: list[str] = []
        self._texts: list[str] = []
        self._places: list[str | None] = []
        self._sigs = np.zeros((0, num_perm), dtype=np.uint32)
        self._when = np.zeros(0, dtype=np.float64)
        self._lat = np.zeros(0, dtype=np.float64)
        self._lon = np.zeros(0, dtype=np.float64)
        self._alive = np.zeros(0, dtype=bool)
        self._place_ids = np.zeros(0, dtype=np.int64)
        self._place_codes: dict[str, int] = {}
        self._size = 0
        self._unlocated = np.zeros(0, dtype=np.int64)  # the rows without coordinates, in order
        self._unlocated_size = 0
        self._by_place: dict[str, _Postings] = defaultdict(_Postings)
        self._by_cell: dict[tuple[int, int], _Postings] = defaultdict(_Postings)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    @property
    def slots(self) -> int:
        """Entries held, removed ones included (a removed entry keeps its slot until the index is dropped)."""
        return self._size

    def add(
        self,
        key: str,
        text: str,
        *,
        when: datetime,
        lat: float | None = None,
        lon: float | None = None,
        place: str | None = None,
    ) -> None:
        """Index an open case (re-adding a key replaces it). ``place``: any stable key of where (a community,
        a road, a grid cell); ``when``: its creation time (aware or naive, but the same kind as in queries)."""
        if key in self._index:
            self.remove(key)
        clean = compact(text)
        i = self._append(key, clean, self._shingle(clean), when, lat, lon, place)
        cell = _cell(lat, lon)
        if place:
            self._by_place[place].append(i)
        if cell is not None:
            self._by_cell[cell].append(i)

    def remove(self, key: str) -> bool:
        """Forget a case (closed, merged); False if it was not indexed."""
        i = self._index.pop(key, None)
        if i is None:
            return False
        self._alive[i] = False
        self._texts[i] = ""
        return True

    def query(
        self,
        text: str,
        *,
        when: datetime,
        lat: float | None = None,
        lon: float | None = None,
        place: str | None = None,
        max_distance_m: float = 500.0,
        window_days: float = 30.0,
        min_similarity: float = 0.3,
        limit: int = 10,
        exclude: str | None = None,
    ) -> list[Match]:
        """Open cases within ``window_days`` of ``when`` and ``max_distance_m`` of (lat, lon) whose shingles have
        Jaccard similarity ≥ ``min_similarity`` with ``text``, most similar first.

        Where both sides have coordinates, distance decides; where either lacks them but both have a ``place``,
        the places must be equal; where neither can be compared, only time and text decide.
        """
        clean = compact(text)
        shingles = self._shingle(clean)
        if not shingles.size or not self._size:
            return []
        sig = self._signature(shingles)
        found = self._candidates(sig, lat, lon, place, max_distance_m)
        if exclude is not None and exclude in self._index:
            found = found[found != self._index[exclude]]
        found = found[self._alive[found]]
        found = found[np.abs(self._when[found] - _seconds(when)) <= window_days * 86400.0]
        distance = _distance_m(lat, lon, self._lat[found], self._lon[found])
        found, distance = self._near_enough(found, distance, place, max_distance_m)
        estimate = (self._sigs[found] == sig).mean(axis=1) if found.size else np.zeros(0)
        # The estimate's sd is ≤ 0.07 with 64 hashes: keep a wide margin, and score exactly only the best few.
        keep = np.flatnonzero(estimate >= min_similarity - 0.2)
        apart = np.abs(self._when[found[keep]] - _seconds(when))
        keep = keep[np.lexsort((apart, -estimate[keep]))[: 2 * limit + 4]]  # among equals, the closest in time
        found, distance, estimate = found[keep], distance[keep], estimate[keep]
        similarity = np.array(
            [_jaccard(shingles, self._shingle(self._texts[i])) for i in found.tolist()], dtype=np.float64
        )
        days = np.abs(self._when[found] - _seconds(when)) / 86400.0
        order = np.lexsort((days, -similarity))
        order = order[similarity[order] >= min_similarity][:limit]
        return [
            Match(
                key=self._keys[i],
                similarity=round(float(similarity[k]), 4),
                evidence=Evidence(
                    shared=shared_phrases(clean, self._texts[i], self.shingle),
                    distance_m=None if math.isnan(distance[k]) else round(float(distance[k]), 1),
                    days_apart=round(float(days[k]), 2),
                    same_place=place is not None and place == self._places[i],
                    estimate=round(float(estimate[k]), 3),
                ),
            )
            for k, i in ((int(k), int(found[k])) for k in order)
        ]

    def _candidates(
        self, sig: npt.NDArray[np.uint32], lat: float | None, lon: float | None, place: str | None, radius: float
    ) -> npt.NDArray[np.int64]:
        cell = _cell(lat, lon)
        if cell is None:
            text = self._band_match(sig, self._sigs[: self._size])
        else:  # located cases are found through the grid (distance decides for them): the text finds the rest
            unlocated = self._unlocated[: self._unlocated_size]
            text = np.zeros(self._size, dtype=bool)
            text[unlocated[self._band_match(sig, self._sigs[unlocated])]] = True
        found: list[_Postings | None] = []
        if place:
            found.append(self._by_place.get(place))
        if cell is not None:
            reach = 1 + int(radius / (_CELL_DEG * 111_000.0))
            wide = 1 + int(radius / (_CELL_DEG * 111_000.0 * max(math.cos(math.radians(lat or 0.0)), 0.1)))
            for dy in range(-reach, reach + 1):
                for dx in range(-wide, wide + 1):
                    found.append(self._by_cell.get((cell[0] + dy, cell[1] + dx)))
        members: set[int] = set()
        for postings in found:
            if postings is not None:
                members.update(postings.recent(BUCKET_CAP))
        if members:
            text[np.fromiter(members, dtype=np.int64, count=len(members))] = True
        return np.flatnonzero(text)

    def _band_match(self, sig: npt.NDArray[np.uint32], sigs: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
        """Which of ``sigs`` share at least one whole band with ``sig`` (LSH's candidates)."""
        if self.rows == 2 and self.bands % 8 == 0:  # the default: a band is one 64-bit word, 8 bands' answers too
            same = np.ascontiguousarray(sigs).view(np.uint64) == np.ascontiguousarray(sig).view(np.uint64)
            eight = same.view(np.uint64)  # 8 bands' answers in one word: OR the words (numpy's any is slower)
            hit = eight[:, 0].copy()
            for k in range(1, eight.shape[1]):
                hit |= eight[:, k]
            return np.asarray(hit != 0)
        same = (sigs == sig).reshape(sigs.shape[0], self.bands, self.rows)
        return np.asarray(same.all(axis=2).any(axis=1))

    def _near_enough(
        self, found: npt.NDArray[np.int64], distance: npt.NDArray[np.float64], place: str | None, radius: float
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        measured = ~np.isnan(distance)
        ok = measured & (distance <= radius)
        if place:
            code = self._place_codes.get(place, -2)
            ok |= ~measured & ((self._place_ids[found] == code) | (self._place_ids[found] == -1))
        else:
            ok |= ~measured
        return found[ok], distance[ok]

    def _append(
        self,
        key: str,
        clean: str,
        shingles: U64,
        when: datetime,
        lat: float | None,
        lon: float | None,
        place: str | None,
    ) -> int:
        i = self._size
        if i == self._sigs.shape[0]:
            self._grow(max(1024, 2 * i))
        self._sigs[i] = self._signature(shingles)
        self._when[i] = _seconds(when)
        self._lat[i] = math.nan if lat is None else lat
        self._lon[i] = math.nan if lon is None else lon
        self._alive[i] = True
        self._place_ids[i] = self._place_codes.setdefault(place, len(self._place_codes)) if place else -1
        if math.isnan(self._lat[i]) or math.isnan(self._lon[i]):
            if self._unlocated_size == self._unlocated.size:
                self._unlocated = np.concatenate([self._unlocated, np.zeros(max(64, self._unlocated.size), np.int64)])
            self._unlocated[self._unlocated_size] = i
            self._unlocated_size += 1
        self._keys.append(key)
        self._texts.append(clean)
        self._places.append(place or None)
        self._index[key] = i
        self._size += 1
        return i

    def _grow(self, capacity: int) -> None:
        def grown(a: npt.NDArray[np.generic], fill: object) -> npt.NDArray[np.generic]:
            out = np.full((capacity, *a.shape[1:]), fill, dtype=a.dtype)
            out[: a.shape[0]] = a
            return out

        self._sigs = grown(self._sigs, 0)  # type: ignore[assignment]
        self._when = grown(self._when, 0.0)  # type: ignore[assignment]
        self._lat = grown(self._lat, math.nan)  # type: ignore[assignment]
        self._lon = grown(self._lon, math.nan)  # type: ignore[assignment]
        self._alive = grown(self._alive, False)
        self._place_ids = grown(self._place_ids, -1)  # type: ignore[assignment]

    def _shingle(self, clean: str) -> U64:
        return shingle_ids(clean, self.shingle)

    def _signature(self, shingles: U64) -> npt.NDArray[np.uint32]:
        if not shingles.size:
            return np.full(self._a.shape[0], np.iinfo(np.uint32).max, dtype=np.uint32)
        x = ((shingles * _GOLDEN) >> np.uint64(32))[None, :]
        signature: npt.NDArray[np.uint32] = ((self._a * x + self._b) % _PRIME).min(axis=1).astype(np.uint32)
        return signature


def compact(text: object) -> str:
    """Cleaned text (:func:`normalize`: full-width folded, lower case, every number → ``0``) without spaces or
    punctuation: a line break, comma or full stop inside a phrase must not hide a repeat."""
    return _NOT_WORD.sub("", normalize(text, max_chars=MAX_CHARS))


class _Postings:
    """The members of one bucket, in the order they were added (oldest first)."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: list[int] = []

    def append(self, i: int) -> None:
        self._items.append(i)

    def recent(self, cap: int) -> list[int]:
        """The ``cap`` latest members: a flood of one text (spam, a load test) cannot make a query slow."""
        return self._items[-cap:]


def shingle_ids(text: str, n: int) -> U64:
    """Distinct character ``n``-grams of compacted text as exact 63-bit ids (sorted); a shorter text is one shingle."""
    if not text:
        return np.zeros(0, dtype=np.uint64)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    width = min(n, codes.size)
    gram = np.zeros(codes.size - width + 1, dtype=np.uint64)
    for k in range(width):
        gram = (gram << _SHIFT) | codes[k : codes.size - width + 1 + k]
    return np.unique(gram)


def shared_phrases(a: str, b: str, n: int, *, limit: int = 5) -> tuple[str, ...]:
    """The longest runs of ``a`` made of ``n``-grams that also occur in ``b`` (the evidence an operator reads);
    numbers show as ``#`` (cleaning made every number ``0``)."""
    grams = {b[i : i + n] for i in range(len(b) - n + 1)}
    runs: list[str] = []
    start = end = -1
    for i in range(len(a) - n + 1):
        if a[i : i + n] in grams:
            if i > end:
                if end >= 0:
                    runs.append(a[start:end])
                start = i
            end = i + n
    if end >= 0:
        runs.append(a[start:end])
    unique = sorted(set(runs), key=lambda s: (-len(s), a.find(s)))
    return tuple(s.replace("0", "#") for s in unique[:limit])


def _jaccard(a: U64, b: U64) -> float:
    """Exact Jaccard similarity of two sorted arrays of distinct shingle ids."""
    if not a.size or not b.size:
        return 0.0
    at = np.searchsorted(b, a)
    shared = int(np.count_nonzero(b[np.minimum(at, b.size - 1)] == a))
    return shared / (a.size + b.size - shared)


def _seconds(when: datetime) -> float:
    return when.timestamp() if when.tzinfo else (when - datetime(1970, 1, 1)).total_seconds()  # noqa: DTZ001 - naive in, naive epoch


def _cell(lat: float | None, lon: float | None) -> tuple[int, int] | None:
    if lat is None or lon is None or math.isnan(lat) or math.isnan(lon):
        return None
    return int(math.floor(lat / _CELL_DEG)), int(math.floor(lon / _CELL_DEG))


def _distance_m(
    lat: float | None, lon: float | None, lats: npt.NDArray[np.float64], lons: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Haversine metres from (lat, lon) to each point; NaN where either side has no coordinates."""
    if lat is None or lon is None:
        return np.full(lats.size, math.nan)
    p1, p2 = math.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    h = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * _EARTH_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))), dtype=np.float64)
