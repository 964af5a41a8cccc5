"""Knowledge retrieval (智能问答检索): Okapi BM25 over jieba's words plus the cosine of character-bigram TF-IDF.

Pure and in process: texts in, ranked hits out; no I/O. PostgreSQL has no Chinese parser of its own and SQLite's FTS5
none either, so the words are jieba's (dictionary only, no HMM) and the index is ours: a list of immutable segments
(scipy CSC matrices of term counts) plus a small pending segment of recent additions; a changed or removed document
is masked out of its segment and its counts taken out of the collection statistics, so one change costs
milliseconds, not a rebuild. When the pending documents or the segments grow past a bound they are merged.

Score = ``BM25_WEIGHT`` × BM25 / (its upper bound for the query) + (1 − ``BM25_WEIGHT``) × bigram cosine, in 0..1,
so one threshold (:data:`NO_ANSWER_BELOW`, measured on the judged set: docs/knowledge.md) says "no good answer".
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
from scipy import sparse

K1 = 1.2
B = 0.75
BM25_WEIGHT = 0.5
#: Below this combined score the best hit is not shown as an answer: the threshold that decided most queries of the
#: judged set right (0.2041; leave-one-out accuracy 84 %, bench/results/knowledge_retrieval.json). It was 0.12, a
#: guess, before that measurement; the ranking itself was not changed after seeing the set.
NO_ANSWER_BELOW = 0.20
MAX_CHARS = 2000  # a query or document is read up to this many characters
PENDING_LIMIT = 2000  # pending documents folded into a segment past this
CHUNK = 5000  # documents analysed and sealed at a time in a large batch
SEGMENT_LIMIT = 8  # segments merged into one past this

_CJK = re.compile(r"[\u3400-\u9fff]")
_WORDISH = re.compile(r"[\u3400-\u9fffa-z0-9]")
_RUNS = re.compile(r"[\u3400-\u9fffa-z0-9]+")
STOP = frozenset(
    "的 了 是 在 和 与 及 或 我 你 他 她 它 我们 你们 他们 这 那 这个 那个 有 没有 就 都 也 还 又 被 把 对 从 向 "
    "给 让 请 请问 您好 你好 谢谢 感谢 一个 一下 什么 怎么 如何 为什么 是否 能否 可以 现在 已经 问题 情况 "
    "相关 有关 进行 希望 要求 反映 关于 领导 政府 部门 尽快 解决 吗 呢 啊 吧 呀 么 着 过 等 中 上 下".split()
)


@cache
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text[: MAX_CHARS * 2]).lower()[:MAX_CHARS]


def words(text: str) -> list[str]:
    """jieba's words of ``text`` without punctuation, spaces and stop words (the BM25 terms)."""
    cut = _jieba().cut(normalize(text), HMM=False)
    return [w for w in (w.strip() for w in cut) if w and _WORDISH.search(w) and w not in STOP]


def bigrams(text: str) -> list[str]:
    """Character bigrams within runs of Chinese characters, letters and digits (the cosine's features)."""
    found: list[str] = []
    for run in _RUNS.findall(normalize(text)):
        found.extend(run[i : i + 2] for i in range(len(run) - 1))
    return found


def has_chinese(text: str) -> bool:
    return _CJK.search(text) is not None


@dataclass
class _Stats:
    """Collection statistics over live documents: document count, total length, document frequencies."""

    docs: int = 0
    length: int = 0
    word_df: Counter[int] = field(default_factory=Counter)
    gram_df: Counter[int] = field(default_factory=Counter)


@dataclass(frozen=True)
class _Analysed:
    key: int
    words: Counter[int]
    grams: Counter[int]
    length: int


class _Segment:
    """Immutable term counts of some documents (CSC for a query's columns, CSR for one document's row)."""

    def __init__(self, docs: Sequence[_Analysed], n_words: int, n_grams: int, gram_idf: np.ndarray) -> None:
        self.keys = np.array([d.key for d in docs], dtype=np.int64)
        self.lengths = np.array([d.length for d in docs], dtype=np.float64)
        self.alive = np.ones(len(docs), dtype=bool)
        self.word_rows = _matrix([d.words for d in docs], n_words)
        self.gram_rows = _matrix([d.grams for d in docs], n_grams)
        self.word_cols = self.word_rows.tocsc()
        self.gram_cols = self.gram_rows.tocsc()
        weighted = self.gram_rows.copy()
        weighted.data = (1.0 + np.log(weighted.data)) * gram_idf[weighted.indices]
        self.gram_norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        self.position = {int(k): i for i, k in enumerate(self.keys)}

    def counts(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        w, g = self.word_rows, self.gram_rows
        return w.indices[w.indptr[row] : w.indptr[row + 1]], g.indices[g.indptr[row] : g.indptr[row + 1]]


def _matrix(rows: Sequence[Counter[int]], width: int) -> sparse.csr_matrix:
    """Counts as float32 with int32 indices: half the memory of the defaults (a segment holds them twice)."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int32)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    indices = np.fromiter((i for r in rows for i in r), dtype=np.int32, count=int(indptr[-1]))
    data = np.fromiter((c for r in rows for c in r.values()), dtype=np.float32, count=int(indptr[-1]))
    return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), width))


@dataclass(frozen=True)
class Hit:
    key: int
    score: float
    bm25: float
    cosine: float
    matched: tuple[str, ...]  # the query's words found in the document, rarest first


@dataclass(frozen=True)
class Query:
    """An analysed query; ``words`` unknown to the index still count in nothing but are kept for the reasons."""

    text: str
    words: tuple[str, ...]
    grams: tuple[str, ...]


class Index:
    """The searchable documents: ``add`` (or replace) and ``remove`` by integer key; ``search`` ranks."""

    def __init__(self) -> None:
        self.word_ids: dict[str, int] = {}
        self.gram_ids: dict[str, int] = {}
        self.stats = _Stats()
        self.segments: list[_Segment] = []
        self.pending: dict[int, _Analysed] = {}
        self._pending_segment: _Segment | None = None
        self._where: dict[int, _Segment] = {}

    def __len__(self) -> int:
        return self.stats.docs

    def __contains__(self, key: int) -> bool:
        return key in self.pending or key in self._where

    def add_many(self, docs: Iterable[tuple[int, str]]) -> None:
        """Add or replace ``(key, text)`` documents. A large batch is sealed ``CHUNK`` documents at a time (so the
        word counts of only one chunk are Python objects at once) and merged into one segment at the end."""
        texts = dict(docs)  # a key twice: the last text wins
        for key in texts:
            self.remove(key)
        if len(texts) <= PENDING_LIMIT // 4:
            batch = [self._analyse(key, text) for key, text in texts.items()]
            for doc in batch:
                self._count(doc, +1)
            self.pending.update((d.key, d) for d in batch)
            self._pending_segment = None
            if len(self.pending) > PENDING_LIMIT:
                self._seal(list(self.pending.values()))
                self.pending.clear()
            return
        chunk: list[_Analysed] = []
        sealed = 0
        for key, text in texts.items():
            chunk.append(self._analyse(key, text))
            self._count(chunk[-1], +1)
            if len(chunk) == CHUNK:
                self._seal(chunk)
                chunk, sealed = [], sealed + 1
        if chunk:
            self._seal(chunk)
            sealed += 1
        if sealed > 1:
            self.compact()  # one segment, its norms with the idf of the whole batch

    def add(self, key: int, text: str) -> None:
        self.add_many([(key, text)])

    def remove(self, key: int) -> bool:
        """Take a document out (False if it was not in); its counts leave the statistics at once."""
        if key in self.pending:
            self._count(self.pending.pop(key), -1)
            self._pending_segment = None
            return True
        segment = self._where.pop(key, None)
        if segment is None:
            return False
        row = segment.position[key]
        segment.alive[row] = False
        word_cols, gram_cols = segment.counts(row)
        self.stats.docs -= 1
        self.stats.length -= int(segment.lengths[row])
        self.stats.word_df.subtract(word_cols.tolist())
        self.stats.gram_df.subtract(gram_cols.tolist())
        return True

    def _analyse(self, key: int, text: str) -> _Analysed:
        w = Counter(_ids(self.word_ids, words(text)))
        g = Counter(_ids(self.gram_ids, bigrams(text)))
        return _Analysed(key, w, g, sum(w.values()))

    def _count(self, doc: _Analysed, sign: int) -> None:
        self.stats.docs += sign
        self.stats.length += sign * doc.length
        if sign > 0:
            self.stats.word_df.update(doc.words.keys())
            self.stats.gram_df.update(doc.grams.keys())
        else:
            self.stats.word_df.subtract(doc.words.keys())
            self.stats.gram_df.subtract(doc.grams.keys())

    def _gram_idf(self) -> np.ndarray:
        df = np.zeros(len(self.gram_ids), dtype=np.float64)
        if self.stats.gram_df:
            keys = np.fromiter(self.stats.gram_df.keys(), dtype=np.int64)
            df[keys] = np.fromiter(self.stats.gram_df.values(), dtype=np.float64)
        return np.log((1.0 + self.stats.docs) / (1.0 + np.maximum(df, 0.0))) + 1.0

    def _gram_idf_of(self, cols: Sequence[int]) -> np.ndarray:
        """The bigram idf of just these columns (the whole table is not rebuilt for a query)."""
        df = np.array([max(self.stats.gram_df.get(c, 0), 0) for c in cols], dtype=np.float64)
        return np.log((1.0 + self.stats.docs) / (1.0 + df)) + 1.0

    def _seal(self, docs: Sequence[_Analysed]) -> None:
        if not docs:
            return
        segment = _Segment(docs, len(self.word_ids), len(self.gram_ids), self._gram_idf())
        self.segments.append(segment)
        self._where.update((d.key, segment) for d in docs)
        if len(self.segments) > SEGMENT_LIMIT:
            self.compact()

    def compact(self) -> None:
        """Merge every segment's live rows into one (the masked rows of replaced documents are dropped); the bigram
        norms are recomputed with the idf of now."""
        keys = np.concatenate([s.keys[s.alive] for s in self.segments]) if self.segments else np.zeros(0, np.int64)
        if keys.size == 0:
            self.segments, self._where = [], {}
            return
        words_m = sparse.vstack([_widen(s.word_rows[s.alive], len(self.word_ids)) for s in self.segments]).tocsr()
        grams_m = sparse.vstack([_widen(s.gram_rows[s.alive], len(self.gram_ids)) for s in self.segments]).tocsr()
        merged = _Segment([], len(self.word_ids), len(self.gram_ids), np.zeros(0))
        merged.keys, merged.alive = keys.astype(np.int64), np.ones(keys.size, dtype=bool)
        merged.lengths = np.concatenate([s.lengths[s.alive] for s in self.segments])
        self.segments, self._where = [], {}  # the old segments can go before the merged matrices are transposed
        merged.word_rows, merged.gram_rows = words_m, grams_m
        merged.word_cols, merged.gram_cols = words_m.tocsc(), grams_m.tocsc()
        squares = ((1.0 + np.log(grams_m.data)) * self._gram_idf()[grams_m.indices]) ** 2
        row_of = np.repeat(np.arange(keys.size), np.diff(grams_m.indptr))
        merged.gram_norms = np.sqrt(np.bincount(row_of, weights=squares, minlength=keys.size))
        merged.position = {int(k): i for i, k in enumerate(merged.keys)}
        self.segments = [merged]
        self._where = dict.fromkeys(merged.position, merged)

    def _all_segments(self) -> list[_Segment]:
        if self.pending and self._pending_segment is None:
            docs = list(self.pending.values())
            cols = sorted({c for d in docs for c in d.grams})
            idf = np.zeros(len(self.gram_ids))
            idf[cols] = self._gram_idf_of(cols)  # only the pending documents' bigrams: no pass over the vocabulary
            self._pending_segment = _Segment(docs, len(self.word_ids), len(self.gram_ids), idf)
        return self.segments + ([self._pending_segment] if self.pending and self._pending_segment else [])

    def analyse_query(self, text: str) -> Query:
        return Query(text=text, words=tuple(dict.fromkeys(words(text))), grams=tuple(bigrams(text)))

    def search(self, query: Query, *, limit: int = 10, bm25_weight: float = BM25_WEIGHT) -> list[Hit]:
        """The best ``limit`` documents; ``bm25_weight=1`` is plain BM25 (the baseline), 0 the cosine alone."""
        if self.stats.docs <= 0:
            return []
        word_cols = [self.word_ids[w] for w in query.words if w in self.word_ids]
        word_idf = self._word_idf(word_cols)
        gram_counts = Counter(self.gram_ids[g] for g in query.grams if g in self.gram_ids)
        gram_cols = list(gram_counts)
        gram_idf = self._gram_idf_of(gram_cols)
        gram_q = (1.0 + np.log(np.array([gram_counts[c] for c in gram_cols], dtype=np.float64))) * gram_idf
        q_norm = float(np.sqrt((gram_q**2).sum())) if gram_cols else 0.0
        bound = float(word_idf.sum() * (K1 + 1.0)) or 1.0
        avgdl = max(self.stats.length / self.stats.docs, 1.0)
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for segment in self._all_segments():
            bm = _bm25(segment, word_cols, word_idf, avgdl) / bound
            cos = _cosine(segment, gram_cols, gram_q, gram_idf, q_norm) if bm25_weight < 1 else np.zeros_like(bm)
            score = bm25_weight * bm + (1.0 - bm25_weight) * cos
            score[~segment.alive] = 0.0
            top = _top(score, limit)
            found.append((segment.keys[top], score[top], np.stack([bm[top], cos[top]])))
        return self._hits(found, query, limit)

    def _word_idf(self, cols: Sequence[int]) -> np.ndarray:
        n = self.stats.docs
        df = np.array([max(self.stats.word_df.get(c, 0), 0) for c in cols], dtype=np.float64)
        return np.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def _hits(self, found: list[tuple[np.ndarray, np.ndarray, np.ndarray]], query: Query, limit: int) -> list[Hit]:
        rows = [
            (float(s), int(k), float(parts[0, i]), float(parts[1, i]))
            for keys, scores, parts in found
            for i, (k, s) in enumerate(zip(keys, scores, strict=True))
            if s > 0
        ]
        rows.sort(key=lambda r: (-r[0], r[1]))
        return [Hit(k, round(s, 4), round(b, 4), round(c, 4), self._matched(k, query)) for s, k, b, c in rows[:limit]]

    def _matched(self, key: int, query: Query) -> tuple[str, ...]:
        doc = self.pending.get(key)
        if doc is not None:
            present = set(doc.words)
        else:
            segment = self._where[key]
            present = set(segment.counts(segment.position[key])[0].tolist())
        ids = [(w, self.word_ids[w]) for w in query.words if w in self.word_ids and self.word_ids[w] in present]
        ids.sort(key=lambda pair: self.stats.word_df.get(pair[1], 0))
        return tuple(w for w, _ in ids[:8])


def _ids(table: dict[str, int], terms: Iterable[str]) -> list[int]:
    return [table.setdefault(t, len(table)) for t in terms]


def _widen(matrix: sparse.csr_matrix, width: int) -> sparse.csr_matrix:
    return sparse.csr_matrix((matrix.data, matrix.indices, matrix.indptr), shape=(matrix.shape[0], width))


def _columns(matrix: sparse.csc_matrix, cols: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, query positions and counts of the given columns (columns past the matrix's width are empty)."""
    rows, which, data = [], [], []
    for position, col in enumerate(cols):
        if col >= matrix.shape[1]:
            continue
        start, end = matrix.indptr[col], matrix.indptr[col + 1]
        rows.append(matrix.indices[start:end])
        data.append(matrix.data[start:end])
        which.append(np.full(end - start, position, dtype=np.int64))
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(rows), np.concatenate(which), np.concatenate(data)


def _bm25(segment: _Segment, cols: Sequence[int], idf: np.ndarray, avgdl: float) -> np.ndarray:
    rows, which, tf = _columns(segment.word_cols, cols)
    norm = K1 * (1.0 - B + B * segment.lengths[rows] / avgdl)
    contribution = idf[which] * tf * (K1 + 1.0) / (tf + norm)
    return np.bincount(rows, weights=contribution, minlength=len(segment.keys)).astype(np.float64)


def _cosine(segment: _Segment, cols: Sequence[int], q: np.ndarray, idf: np.ndarray, q_norm: float) -> np.ndarray:
    """Cosine of (1 + log tf) × idf vectors; the documents' norms use the idf of when their segment was built."""
    if not cols or q_norm == 0:
        return np.zeros(len(segment.keys))
    rows, which, tf = _columns(segment.gram_cols, cols)
    dots = np.bincount(rows, weights=q[which] * (1.0 + np.log(tf)) * idf[which], minlength=len(segment.keys))
    norms = segment.gram_norms * q_norm
    return np.where(norms > 0, dots / np.where(norms > 0, norms, 1.0), 0.0)


def _top(score: np.ndarray, limit: int) -> np.ndarray:
    if score.size <= limit:
        return np.argsort(-score, kind="stable")
    part = np.argpartition(-score, limit)[:limit]
    return part[np.argsort(-score[part], kind="stable")]


def confident(hits: Sequence[Hit], threshold: float = NO_ANSWER_BELOW) -> bool:
    """Is the best hit good enough to show as an answer?"""
    return bool(hits) and hits[0].score >= threshold
