"""Topics over time (群众所思所想): what citizens write about, found from the text, month by month, and which rose.

1. **Topics.** Each message is a bag of content terms (:mod:`citybrain.nlp.topic_terms`: jieba words without
   boilerplate, place codes and names). Terms in fewer than ``min_df`` messages or more than ``max_df`` of them are
   dropped; the rest are weighted by TF-IDF (sublinear term frequency, rows of unit length) and factorised by
   non-negative matrix factorisation, X ≈ W·H, into ``topics`` topics (``nndsvda`` start, ``seed``: same input →
   same topics). A topic is named by its heaviest terms in H and shown by the messages that load on it most; a
   message belongs to the topic it loads on most (none when it has no term left).
   The factorisation is fitted on the *distinct* term bags only, at most ``fit_rows`` of them (drawn with
   ``seed``): a flood of one templated message counts once in what the topics are, so it cannot take the topics
   over; every message is then placed in the topics so found.
2. **Trend.** Messages per topic and month (the city's months), and each topic's share of the month's messages.
3. **Rising (上升).** For the month judged (``month``, by default the last), each topic's share is tested against
   its own history, the ``history`` months before: given the topic's k₁ + k₀ messages in the month and before,
   the month's k₁ is Binomial(k₁ + k₀, n₁ / (n₁ + n₀)) if its share did not change (n: all messages). Topics'
   shares vary from month to month more than chance alone makes them (φ: the median over topics of the Pearson
   χ² of their history months / df, at least 1 — one φ for all, as a quasi-likelihood model has, so a topic with
   past bursts is not excused a new one), so counts are divided by φ before the exact tail is taken. The p-values
   of all topics are adjusted by Benjamini–Hochberg; a topic *rose* when q ≤ ``alpha``, its share is at least
   ``min_ratio`` times its history's and it has at least ``min_count`` messages in the month. Because shares are
   compared, a month with more messages of every kind (a campaign, a templated batch) does not make every topic rise.

Pure: term lists and months in, a frozen :class:`TopicResult` out.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse, special

from citybrain.analytics.stats import benjamini_hochberg

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
_MONTH = np.dtype("datetime64[M]")


@dataclass(frozen=True)
class TopicParams:
    topics: int = 12
    seed: int = 0
    month: str | None = None  # "YYYY-MM"; None: the last month with messages
    history: int = 12
    alpha: float = 0.05
    min_ratio: float = 1.5
    min_count: int = 5
    min_df: int = 3
    max_df: float = 0.3
    top_terms: int = 8
    examples: int = 3
    fit_rows: int = 20_000

    def check(self) -> None:
        if self.topics < 2 or self.history < 1 or self.min_count < 1 or self.min_df < 1 or self.examples < 1:
            raise ValueError("topics must be ≥ 2, history, min_count, min_df and examples ≥ 1")
        if not (0 < self.alpha < 1 and 0 < self.max_df <= 1 and self.min_ratio >= 1 and self.top_terms >= 1):
            raise ValueError("alpha in (0, 1), max_df in (0, 1], min_ratio ≥ 1, top_terms ≥ 1")
        if self.month is not None:
            np.datetime64(self.month, "M")  # ValueError when not YYYY-MM


@dataclass(frozen=True)
class Rise:
    """The test of one topic's share in the month judged against its history (module docstring, step 3)."""

    count: int  # k₁: the topic's messages in the month
    total: int  # n₁: all messages in the month
    history_count: int  # k₀
    history_total: int  # n₀
    history_months: int
    share: float  # k₁ / n₁
    history_share: float  # k₀ / n₀
    expected: float  # n₁ · k₀ / n₀: the month's messages had the share stayed
    ratio: float  # (k₁ + ½)/(n₁ + 1) ÷ (k₀ + ½)/(n₀ + 1)
    dispersion: float  # φ ≥ 1
    p_value: float
    q_value: float
    rising: bool


@dataclass(frozen=True)
class Topic:
    index: int
    terms: tuple[str, ...]
    weights: tuple[float, ...]
    examples: tuple[int, ...]  # rows of the input, the messages that load on the topic most
    size: int  # messages assigned to it
    counts: tuple[int, ...]  # per month of :attr:`TopicResult.months`
    rise: Rise | None  # None when the month judged has no history


@dataclass(frozen=True)
class TopicResult:
    topics: tuple[Topic, ...]  # ordered by size, largest first
    months: tuple[str, ...]  # every month from the first to the last with messages
    totals: tuple[int, ...]  # all messages per month (those without a month are in none)
    month: str | None  # the month judged
    params: TopicParams
    n_messages: int
    n_terms: int  # the vocabulary kept
    unassigned: int  # messages with no term left
    assignment: I64 = field(repr=False, compare=False)  # per message: its topic's position in ``topics``, or -1

    def rising(self) -> tuple[Topic, ...]:
        """The topics that rose, largest ratio first."""
        risen = [t for t in self.topics if t.rise is not None and t.rise.rising]
        return tuple(sorted(risen, key=lambda t: -t.rise.ratio if t.rise else 0.0))


def find_topics(
    terms: Sequence[Sequence[str]], months: Sequence[str], params: TopicParams | None = None
) -> TopicResult:
    """Topics of the messages' ``terms``, their trend over ``months`` ("YYYY-MM", "" when unknown), and the risers."""
    params = params or TopicParams()
    params.check()
    if len(terms) != len(months):
        raise ValueError("one month per message")
    n = len(terms)
    matrix, vocabulary = tfidf(terms, min_df=params.min_df, max_df=params.max_df)
    k = min(params.topics, max(vocabulary.size, 1), max(n, 1))
    if n == 0 or vocabulary.size < 2 or k < 2:
        return _empty(n, months, params)
    weights_w, weights_h = factorise(matrix, k, seed=params.seed, fit_rows=params.fit_rows)
    has_terms = np.asarray(matrix.getnnz(axis=1) > 0) & (weights_w.sum(axis=1) > 0)
    assignment = np.where(has_terms, np.argmax(weights_w, axis=1), -1).astype(np.int64)
    month_axis, month_index = _months(months)
    counts = _monthly_counts(assignment, month_index, k, len(month_axis))
    totals = np.bincount(month_index[month_index >= 0], minlength=len(month_axis)).astype(np.int64)
    judged = _judged_month(month_axis, params.month)
    rises = _rises(counts, totals, judged, params)
    sizes = np.bincount(assignment[assignment >= 0], minlength=k)
    order = np.lexsort((np.arange(k), -sizes))
    position = np.empty(k, dtype=np.int64)
    position[order] = np.arange(k)
    topics = tuple(
        _topic(rank, int(j), weights_w, weights_h, vocabulary, assignment, sizes, counts, rises, params)
        for rank, j in enumerate(order.tolist())
    )
    return TopicResult(
        topics=topics,
        months=tuple(month_axis),
        totals=tuple(int(t) for t in totals),
        month=month_axis[judged] if judged is not None else None,
        params=params,
        n_messages=n,
        n_terms=int(vocabulary.size),
        unassigned=int((assignment < 0).sum()),
        assignment=np.where(assignment >= 0, position[np.maximum(assignment, 0)], -1),
    )


def tfidf(terms: Sequence[Sequence[str]], *, min_df: int, max_df: float) -> tuple[sparse.csr_matrix, npt.NDArray[Any]]:
    """Rows of unit length: (1 + log tf) · (1 + log((1 + n) / (1 + df))) over the terms kept, and the sorted terms."""
    n = len(terms)
    df: Counter[str] = Counter()
    for bag in terms:
        df.update(set(bag))
    limit = max_df * n
    vocabulary = np.array(sorted(t for t, d in df.items() if min_df <= d <= limit), dtype=object)
    column = {t: i for i, t in enumerate(vocabulary.tolist())}
    rows, cols, data = [], [], []
    for r, bag in enumerate(terms):
        tf = Counter(column[t] for t in bag if t in column)
        for c, f in sorted(tf.items()):
            rows.append(r)
            cols.append(c)
            data.append(1.0 + np.log(f))
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(n, vocabulary.size), dtype=np.float64)
    if vocabulary.size:
        idf = 1.0 + np.log((1.0 + n) / (1.0 + np.array([df[t] for t in vocabulary.tolist()], dtype=np.float64)))
        matrix = matrix @ sparse.diags(idf)
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        matrix = sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ matrix
    return sparse.csr_matrix(matrix), vocabulary


def factorise(matrix: sparse.csr_matrix, k: int, *, seed: int, fit_rows: int) -> tuple[F64, F64]:
    """(W, H) of X ≈ W·H: H fitted on the distinct rows of X (at most ``fit_rows``), W for every row."""
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning

    distinct = _distinct_rows(matrix)
    if distinct.size > fit_rows:
        distinct = np.sort(np.random.default_rng(seed).choice(distinct, size=fit_rows, replace=False))
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=400, tol=1e-4)
    with warnings.catch_warnings():
        # 400 iterations leave the topics' words settled even when the loss still creeps down: not worth a warning
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(matrix[distinct])
    weights_h = np.asarray(model.components_, dtype=np.float64)
    weights_w = np.asarray(model.transform(matrix), dtype=np.float64)
    return weights_w, weights_h


def _distinct_rows(matrix: sparse.csr_matrix) -> I64:
    """The first row of each distinct non-empty row (rows with equal terms and weights count once)."""
    seen: dict[bytes, int] = {}
    for r in range(matrix.shape[0]):
        lo, hi = matrix.indptr[r], matrix.indptr[r + 1]
        if hi == lo:
            continue
        key = matrix.indices[lo:hi].tobytes() + np.round(matrix.data[lo:hi], 6).tobytes()
        seen.setdefault(key, r)
    return np.array(sorted(seen.values()), dtype=np.int64)


def _months(months: Sequence[str]) -> tuple[list[str], I64]:
    """Every month from the first to the last given, and each message's position among them (-1: no month)."""
    known = [m for m in months if m]
    if not known:
        return [], np.full(len(months), -1, dtype=np.int64)
    values = np.array(known, dtype=_MONTH)
    first, last = values.min(), values.max()
    axis = [str(m) for m in np.arange(first, last + 1, dtype=_MONTH)]
    index = np.full(len(months), -1, dtype=np.int64)
    has = np.array([bool(m) for m in months], dtype=bool)
    index[has] = (values - first).astype(np.int64)
    return axis, index


def _monthly_counts(assignment: I64, month_index: I64, k: int, m: int) -> I64:
    keep = (assignment >= 0) & (month_index >= 0)
    flat = np.bincount(assignment[keep] * max(m, 1) + month_index[keep], minlength=k * max(m, 1))
    return flat.reshape(k, max(m, 1))[:, :m].astype(np.int64)


def _judged_month(axis: Sequence[str], month: str | None) -> int | None:
    if not axis:
        return None
    if month is None:
        return len(axis) - 1
    wanted = str(np.datetime64(month, "M"))
    if wanted not in axis:
        raise ValueError(f"month {wanted} is outside the messages' months {axis[0]} … {axis[-1]}")
    return list(axis).index(wanted)


def _rises(counts: I64, totals: I64, judged: int | None, params: TopicParams) -> list[Rise | None]:
    k = counts.shape[0]
    if judged is None or judged == 0 or totals[max(0, judged - params.history) : judged].sum() == 0:
        return [None] * k
    base = slice(max(0, judged - params.history), judged)
    history = counts[:, base]
    n_months = totals[base]
    n1, n0 = int(totals[judged]), int(n_months.sum())
    phi = float(np.median([dispersion(history[j], n_months) for j in range(k)]))
    rows = []
    for j in range(k):
        k1, k0 = int(counts[j, judged]), int(history[j].sum())
        rows.append((k1, k0, phi, _tail(k1, k0, n1, n0, phi)))
    q_values = benjamini_hochberg(np.array([r[3] for r in rows], dtype=np.float64))
    out: list[Rise | None] = []
    for (k1, k0, phi, p), q in zip(rows, q_values.tolist(), strict=True):
        ratio = ((k1 + 0.5) / (n1 + 1)) / ((k0 + 0.5) / (n0 + 1))
        rising = q <= params.alpha and ratio >= params.min_ratio and k1 >= params.min_count
        out.append(
            Rise(
                count=k1,
                total=n1,
                history_count=k0,
                history_total=n0,
                history_months=int((n_months > 0).sum()),
                share=k1 / n1 if n1 else 0.0,
                history_share=k0 / n0,
                expected=n1 * k0 / n0,
                ratio=ratio,
                dispersion=phi,
                p_value=p,
                q_value=float(q),
                rising=bool(rising),
            )
        )
    return out


def dispersion(counts: I64, totals: I64) -> float:
    """φ: how much more a topic's monthly share varies than binomial chance (Pearson χ² / df over months with
    messages), at least 1; 1 with fewer than three such months."""
    has = totals > 0
    k, n = counts[has].astype(np.float64), totals[has].astype(np.float64)
    if k.size < 3 or k.sum() == 0:
        return 1.0
    p = k.sum() / n.sum()
    if p >= 1.0:
        return 1.0
    chi2 = float((((k - n * p) ** 2) / (n * p * (1 - p))).sum())
    return max(1.0, chi2 / (k.size - 1))


def _tail(k1: int, k0: int, n1: int, n0: int, phi: float) -> float:
    """P(X ≥ k₁) for X ~ Binomial(k₁ + k₀, n₁ / (n₁ + n₀)), counts divided by φ (the regularised incomplete beta
    I_q(k₁, k₀ + 1), which takes counts that are not whole)."""
    if k1 == 0 or n1 == 0:
        return 1.0
    q = n1 / (n1 + n0)
    return float(min(1.0, special.betainc(k1 / phi, k0 / phi + 1.0, q)))


def _topic(
    rank: int,
    j: int,
    weights_w: F64,
    weights_h: F64,
    vocabulary: npt.NDArray[Any],
    assignment: I64,
    sizes: I64,
    counts: I64,
    rises: list[Rise | None],
    params: TopicParams,
) -> Topic:
    row = weights_h[j]
    best = np.lexsort((np.arange(row.size), -row))[: params.top_terms]
    best = best[row[best] > 0]
    scale = float(row[best[0]]) if best.size else 1.0
    members = np.flatnonzero(assignment == j)
    loads = weights_w[members, j]
    examples = members[np.lexsort((members, -loads))][: params.examples]
    return Topic(
        index=rank,
        terms=tuple(str(vocabulary[i]) for i in best.tolist()),
        weights=tuple(round(float(row[i]) / scale, 3) for i in best.tolist()),
        examples=tuple(int(e) for e in examples.tolist()),
        size=int(sizes[j]),
        counts=tuple(int(c) for c in counts[j].tolist()),
        rise=rises[j],
    )


def _empty(n: int, months: Sequence[str], params: TopicParams) -> TopicResult:
    axis, index = _months(months)
    totals = np.bincount(index[index >= 0], minlength=len(axis))
    return TopicResult(
        topics=(),
        months=tuple(axis),
        totals=tuple(int(t) for t in totals),
        month=axis[-1] if axis else None,
        params=params,
        n_messages=n,
        n_terms=0,
        unassigned=n,
        assignment=np.full(n, -1, dtype=np.int64),
    )


def agreement(assignment: I64, labels: Sequence[str]) -> dict[str, Any] | None:
    """How the topics line up with known labels (a category, 附件2's 一级标签), over the messages that have a
    label and a topic: purity (share of messages in their topic's majority label), normalised mutual information
    (arithmetic mean normalisation), and each topic's majority label. None without labels."""
    from sklearn.metrics import normalized_mutual_info_score

    keep = np.array([bool(x) for x in labels], dtype=bool) & (assignment >= 0) if len(labels) else np.zeros(0, bool)
    if not keep.any():
        return None
    topic = assignment[keep]
    label = np.array(labels, dtype=object)[keep]
    majority: dict[int, tuple[str, int, int]] = {}
    for t in np.unique(topic).tolist():
        counted = Counter(label[topic == t].tolist()).most_common()
        top_count = counted[0][1]
        name = min(name for name, c in counted if c == top_count)
        majority[int(t)] = (str(name), int(top_count), int((topic == t).sum()))
    purity = sum(c for _, c, _ in majority.values()) / int(keep.sum())
    return {
        "messages": int(keep.sum()),
        "labels": len(set(label.tolist())),
        "purity": round(purity, 4),
        "nmi": round(float(normalized_mutual_info_score(label.tolist(), topic.tolist())), 4),
        "majority": {str(t): {"label": m, "share": round(c / s, 3)} for t, (m, c, s) in sorted(majority.items())},
    }
