"""Frequent itemsets over baskets: depth-first intersection of bitsets (Eclat), numpy only.

Each category becomes a bitset over the baskets (64 baskets per machine word). Extending an itemset by every
remaining category at once is one vectorised AND and one popcount, so the whole search costs one numpy call per
frequent itemset that can still grow. The result equals mlxtend's ``fpgrowth`` on the same one-hot table (same
itemsets, supports computed as ``count / n`` in float64, same threshold rule), which a test checks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from citybrain.core.errors import InvalidInput

BoolMatrix = npt.NDArray[np.bool_]
Words = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class FrequentItemsets:
    """Itemsets (sorted tuples of column indices) with their basket counts, and the table size they came from."""

    counts: dict[tuple[int, ...], int]
    n_baskets: int
    min_count: int

    def support(self, itemset: tuple[int, ...]) -> float:
        return self.counts[itemset] / float(self.n_baskets)


def min_count_for(min_support: float, n_baskets: int) -> int:
    """The basket count a threshold means: below 1 a fraction of the baskets (mlxtend's rule), from 1 a count.

    For a fraction the count is the smallest ``c`` with ``c / n >= min_support`` (and ``c >= ceil(min_support*n)``),
    exactly the itemsets mlxtend's ``fpgrowth(min_support=…)`` keeps.
    """
    if not min_support > 0 or not math.isfinite(min_support):
        raise InvalidInput(f"minimum support must be a positive fraction (< 1) or a count (>= 1), got {min_support}")
    if min_support >= 1:
        if min_support != int(min_support):
            raise InvalidInput(f"a minimum support of 1 or more is a basket count and must be whole, got {min_support}")
        return int(min_support)
    count = max(1, math.ceil(min_support * n_baskets))
    while count / float(n_baskets) < min_support:
        count += 1
    return count


def pack(presence: BoolMatrix) -> Words:
    """(baskets, items) booleans → (items, words) bitsets, 64 baskets to a word."""
    n, items = presence.shape
    packed = np.packbits(presence, axis=0, bitorder="little")  # (ceil(n/8), items)
    pad = (-packed.shape[0]) % 8
    if pad:
        packed = np.concatenate([packed, np.zeros((pad, items), dtype=np.uint8)])
    return np.ascontiguousarray(packed.T).view(np.uint64)


def frequent_itemsets(presence: BoolMatrix, *, min_count: int, max_size: int | None = None) -> FrequentItemsets:
    """Every itemset present together in at least ``min_count`` baskets, up to ``max_size`` items."""
    if presence.ndim != 2:
        raise InvalidInput("presence must be a (baskets, items) table")
    n, _ = presence.shape
    if max_size is not None and max_size < 1:
        raise InvalidInput(f"maximum itemset size must be at least 1, got {max_size}")
    limit = max_size or presence.shape[1]
    item_counts = presence.sum(axis=0)
    frequent = [int(i) for i in np.flatnonzero(item_counts >= min_count)]
    frequent.sort(key=lambda i: (int(item_counts[i]), i))  # rarest first keeps intersections small
    found: dict[tuple[int, ...], int] = {(i,): int(item_counts[i]) for i in frequent}
    if limit > 1 and frequent:
        bits = pack(presence[:, frequent])
        _extend_from(bits, np.array(frequent, dtype=np.int64), (), min_count, limit, found)
    return FrequentItemsets(counts=found, n_baskets=n, min_count=min_count)


def _extend_from(
    bits: Words,
    labels: npt.NDArray[np.int64],
    prefix: tuple[int, ...],
    min_count: int,
    limit: int,
    found: dict[tuple[int, ...], int],
) -> None:
    """Depth-first: every frequent extension of ``prefix``; row ``i`` of ``bits`` holds the baskets of
    ``prefix ∧ labels[i]`` (the conditional database), so each step is one AND and one popcount for all items."""
    for position in range(bits.shape[0] - 1):
        head = bits[position]
        tail = bits[position + 1 :] & head
        counts = np.bitwise_count(tail).sum(axis=1, dtype=np.int64)
        keep = np.flatnonzero(counts >= min_count)
        itemset = (*prefix, int(labels[position]))
        for offset in keep:
            found[tuple(sorted((*itemset, int(labels[position + 1 + offset]))))] = int(counts[offset])
        if len(itemset) + 2 <= limit and keep.size > 1:
            _extend_from(tail[keep], labels[position + 1 + keep], itemset, min_count, limit, found)
