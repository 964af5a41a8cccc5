"""Exploratory: ideas to raise the classifier's cross-validated macro-F1 (issue 3). Not product code.

    nice -n 15 .venv/bin/python bench/experiments/classify_ideas.py EXPERIMENT [EXPERIMENT ...]

Uses exactly the folds of bench/classify_speed.py --cv (StratifiedKFold(5, shuffle=True, random_state=0) over the
raw texts and labels). The score is the argmax of the linear scores; the product's temperature softmax does not
change the argmax, so this equals the product's predicted label. Every run appends a line to
bench/experiments/classify_ideas.jsonl.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from citybrain.nlp import features as F
from citybrain.nlp.dataset import read_columns
from citybrain.nlp.features import FeatureConfig, fit_vectorizer
from citybrain.nlp.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "teddy2020c"
LOG = Path(__file__).with_suffix(".jsonl")
OFFSET_GRID = np.linspace(-1.0, 1.0, 41)
MIN_COHESION = float(np.log(50.0))


def load_labelled() -> tuple[list[str], list[str], np.ndarray]:
    rows = read_columns(DATA / "messages_labelled.csv", ["text", "label"])
    return rows["text"], rows["label"], np.array(rows["label"])


def load_unlabelled() -> list[str]:
    import openpyxl

    out = []
    for name in ("hot_issues_附件3.xlsx", "replies_附件4.xlsx", "unlabelled_test_phase.xlsx"):
        ws = openpyxl.load_workbook(DATA / name, read_only=True).active
        rows = ws.iter_rows(values_only=True)
        header = next(rows)
        ti, di = header.index("留言主题"), header.index("留言详情")
        for r in rows:
            out.append(str(r[ti] or "").strip() + str(r[di] or "").strip())
    return [normalize(t) for t in out]


def taxonomy_docs() -> list[tuple[str, str]]:
    """Each (二级, 三级) row of the taxonomy as one short document labelled with its 一级 class (7 classes only)."""
    import openpyxl

    texts, _, y = load_labelled()
    known = set(y.tolist())
    ws = openpyxl.load_workbook(DATA / "taxonomy_附件1.xlsx", read_only=True).active
    rows = list(ws.iter_rows(values_only=True))[1:]
    return [(f"{r[1]} {r[2]}", r[0]) for r in rows if r[0] in known]


#: Departments named in a reply (答复意见) → the first-level class they handle; fixed by hand before any run.
DEPARTMENTS = {
    "教育文体": ("教育局", "教育厅", "文体局", "体育局", "文化局"),
    "交通运输": ("交通运输局", "交通局", "交通运输厅", "公交公司", "公路局"),
    "劳动和社会保障": ("人力资源和社会保障", "人社局", "人社厅", "医保", "社保", "劳动监察"),
    "环境保护": ("环保局", "环境保护局", "生态环境"),
    "卫生计生": ("卫生健康", "卫健委", "卫健局", "卫计", "卫生局", "卫生和计划生育"),
    "城乡建设": ("住建局", "城乡建设局", "住房和城乡建设", "城管局", "规划局", "规划分局", "住房保障局", "房产局"),
    "商贸旅游": ("商务局", "市场监督管理", "市场监管", "旅游局", "文旅", "工商局", "物价局"),
}


def distant_docs() -> list[tuple[str, str]]:
    """Messages of 附件4 whose reply names departments of exactly one class, labelled with that class.

    Messages that also occur in the labelled file (same 留言编号 or same first 60 cleaned characters) are left out,
    so no held-out message can enter training this way.
    """
    import openpyxl

    lab = read_columns(DATA / "messages_labelled.csv", ["message_id", "text"])
    ids = {x for x in lab["message_id"] if x}
    prefixes = {normalize(t)[:60] for t in lab["text"]}
    ws = openpyxl.load_workbook(DATA / "replies_附件4.xlsx", read_only=True).active
    out = []
    for r in list(ws.iter_rows(values_only=True))[1:]:
        text = normalize(str(r[2] or "").strip() + str(r[4] or "").strip())
        if not text or str(r[0]) in ids or text[:60] in prefixes:
            continue
        reply = str(r[5] or "")
        hits = {c for c, names in DEPARTMENTS.items() if any(n in reply for n in names)}
        if len(hits) == 1:
            out.append((text, hits.pop()))
    return out


def folds(texts: list[str], y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    seed = int(os.environ.get("CV_SEED", "0"))  # 0 = the folds of record; others only to judge noise
    return list(StratifiedKFold(5, shuffle=True, random_state=seed).split(texts, y))


# ---------------------------------------------------------------- features


def _hash4(config: FeatureConfig) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """ngram_ids with n > 3 as 62-bit hashes (bit 62 set) so that 4-grams fit the 64-bit id space."""

    def ngram_ids(texts, cfg):  # type: ignore[no-untyped-def]
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        codes = np.frombuffer(("\x00".join(texts) + "\x00").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        doc = np.repeat(np.arange(len(texts), dtype=np.int64), lengths + 1)
        offset = np.arange(codes.size, dtype=np.int64) - np.repeat(np.cumsum(lengths + 1) - (lengths + 1), lengths + 1)
        docs, ids = [], []
        gram = np.zeros(codes.size, dtype=np.uint64)
        valid = np.ones(codes.size, dtype=bool)
        for n in range(1, cfg.max_n + 1):
            size = codes.size - n + 1
            if n <= 3:
                gram = (gram[:size] << np.uint64(21)) | codes[n - 1 :]
                g = gram
            else:
                if n == 4:
                    h = gram.copy()
                h = h[:size] * np.uint64(0x100000001B3) ^ codes[n - 1 :] * np.uint64(0x9E3779B97F4A7C15)
                g = (h >> np.uint64(2)) | np.uint64(1 << 62)
            valid = valid[:size] & (codes[n - 1 :] != 0)
            if n >= getattr(cfg, "min_n", 1):
                docs.append(doc[:size][valid])
                ids.append(g[valid])
                if cfg.lead_chars > 0:
                    lead = valid & (offset[:size] + n <= cfg.lead_chars)
                    docs.append(doc[:size][lead])
                    ids.append(g[lead] | np.uint64(1 << 63))
        return np.concatenate(docs), np.concatenate(ids)

    return ngram_ids


class WithMinN:
    """A FeatureConfig plus ``min_n`` (drop n-grams shorter than that), for the experiment only."""

    def __init__(self, cfg: FeatureConfig, min_n: int) -> None:
        self.__dict__.update(vars(cfg))
        self.min_n = min_n


def featurize(fit_texts, held_texts, cfg, extra=()):  # type: ignore[no-untyped-def]
    original = F.ngram_ids
    if cfg.max_n > 3 or getattr(cfg, "min_n", 1) > 1:
        F.ngram_ids = _hash4(cfg)
    try:
        vec = fit_vectorizer(fit_texts, cfg, extra_texts=extra)
        return vec, vec.transform(fit_texts), vec.transform(held_texts)
    finally:
        F.ngram_ids = original


# ---------------------------------------------------------------- learners (return held-out score matrix)


def svm(xf, yf, xh, c=2.0, weight=None, sample_weight=None):  # type: ignore[no-untyped-def]
    m = LinearSVC(C=c, max_iter=5000, class_weight=weight).fit(xf, yf, sample_weight=sample_weight)
    return m.decision_function(xh), m.decision_function(xf)


def nbsvm(xf, yf, xh, c=2.0, beta=0.25, alpha=1.0, binary=True):  # type: ignore[no-untyped-def]
    """Wang & Manning: per class, scale features by log-count ratio r, binary SVM, interpolate w with its mean."""
    classes = np.unique(yf)
    xb = xf.copy()
    if binary:
        xb.data = np.ones_like(xb.data)
    out, fitted = np.zeros((xh.shape[0], classes.size)), np.zeros((xf.shape[0], classes.size))
    for k, cl in enumerate(classes):
        pos = yf == cl
        p = alpha + np.asarray(xb[pos].sum(axis=0)).ravel()
        q = alpha + np.asarray(xb[~pos].sum(axis=0)).ravel()
        r = np.log(p / p.sum()) - np.log(q / q.sum())
        m = LinearSVC(C=c, max_iter=5000).fit(xf @ sparse.diags(r), pos.astype(int))
        w = m.coef_.ravel()
        w = (1 - beta) * np.abs(w).mean() + beta * w
        coef = r * w
        out[:, k] = xh @ coef + m.intercept_[0]
        fitted[:, k] = xf @ coef + m.intercept_[0]
    return out, fitted


def crammer(xf, yf, xh, c=0.5):  # type: ignore[no-untyped-def]
    m = LinearSVC(C=c, multi_class="crammer_singer", max_iter=5000).fit(xf, yf)
    return m.decision_function(xh), m.decision_function(xf)


def rbf_svc(xf, yf, xh, c=10.0, gamma=1.0):  # type: ignore[no-untyped-def]
    """Kernel SVM (RBF on the TF-IDF rows, one-vs-rest scores) via a precomputed Gram matrix."""
    from sklearn.svm import SVC

    sq_f = np.asarray(xf.multiply(xf).sum(axis=1)).ravel()
    sq_h = np.asarray(xh.multiply(xh).sum(axis=1)).ravel()
    gram_f = (xf @ xf.T).toarray()
    gram_h = (xh @ xf.T).toarray()
    kf = np.exp(-gamma * (sq_f[:, None] + sq_f[None, :] - 2 * gram_f))
    kh = np.exp(-gamma * (sq_h[:, None] + sq_f[None, :] - 2 * gram_h))
    m = SVC(C=c, kernel="precomputed", decision_function_shape="ovr").fit(kf, yf)
    return m.decision_function(kh), m.decision_function(kf)


def logreg(xf, yf, xh, c=20.0):  # type: ignore[no-untyped-def]
    m = LogisticRegression(C=c, max_iter=2000).fit(xf, yf)
    return m.decision_function(xh), m.decision_function(xf)


def sgd_huber(xf, yf, xh, alpha=1e-5):  # type: ignore[no-untyped-def]
    m = SGDClassifier(loss="modified_huber", alpha=alpha, max_iter=50, tol=None, random_state=0).fit(xf, yf)
    return m.decision_function(xh), m.decision_function(xf)


def ensemble(*learners):  # type: ignore[no-untyped-def]
    """Average of score matrices, each scaled by its standard deviation on the training rows (fixed a priori)."""

    def run(xf, yf, xh):  # type: ignore[no-untyped-def]
        total_h, total_f = 0.0, 0.0
        for learn in learners:
            h, f = learn(xf, yf, xh)
            s = f.std()
            total_h, total_f = total_h + h / s, total_f + f / s
        return total_h, total_f

    return run


# ---------------------------------------------------------------- unsupervised: LSA


def lsa_block(vec, xf, xh, unl_texts, k=300, scale=1.0, seed=0):  # type: ignore[no-untyped-def]
    """Right singular vectors of the TF-IDF of training + unlabelled messages, appended as k dense columns."""
    from sklearn.utils.extmath import randomized_svd

    xu = vec.transform(unl_texts) if unl_texts else None
    corpus = sparse.vstack([xf, xu]).tocsr() if xu is not None else xf
    _, s, vt = randomized_svd(corpus, k, n_iter=4, random_state=seed)
    zf, zh = np.asarray(xf @ vt.T), np.asarray(xh @ vt.T)
    norm = np.sqrt((zf**2).sum(axis=1)).mean()
    return (
        sparse.hstack([xf, sparse.csr_matrix(zf * scale / norm)]).tocsr(),
        sparse.hstack([xh, sparse.csr_matrix(zh * scale / norm)]).tocsr(),
    )


# ---------------------------------------------------------------- macro-F1 class offsets chosen on inner OOF scores


def inner_oof(texts, y, cfg, learner, folds_n=5, seed=0):  # type: ignore[no-untyped-def]
    """Out-of-fold scores inside the training part, made the way the product's calibration makes them."""
    out = np.zeros((len(texts), np.unique(y).size))
    for fi, hi in StratifiedKFold(folds_n, shuffle=True, random_state=seed).split(texts, y):
        _, xf, xh = featurize([texts[i] for i in fi], [texts[i] for i in hi], cfg)
        out[hi] = learner(xf, y[fi], xh)[0]
    return out


def macro_offsets(scores, y, rounds=3, grid=OFFSET_GRID):  # type: ignore[no-untyped-def]
    """Per-class additive offsets that maximise macro-F1 of argmax(scores + b), coordinate ascent."""
    b = np.zeros(scores.shape[1])

    def f1(bb):  # type: ignore[no-untyped-def]
        return f1_score(y, (scores + bb).argmax(1), average="macro")

    best = f1(b)
    for _ in range(rounds):
        for k in range(b.size):
            for step in grid[np.argsort(np.abs(grid))]:
                trial = b.copy()
                trial[k] += step
                value = f1(trial)
                if value > best + 1e-9:
                    best, b = value, trial
    return b


# ---------------------------------------------------------------- word-like units mined from the unlabelled messages


def mine_words(corpus, min_count=10, min_cohesion=MIN_COHESION, max_words=20000):  # type: ignore[no-untyped-def]
    """Frequent 2-4 character strings whose parts co-occur far more than chance (min PMI over binary splits).

    Mined from the unlabelled messages only, so no held-out label or text is involved; thresholds fixed a priori.
    """
    from collections import Counter

    counts: Counter[str] = Counter()
    for t in corpus:
        for n in (1, 2, 3, 4):
            counts.update(t[i : i + n] for i in range(len(t) - n + 1))
    total = sum(v for k, v in counts.items() if len(k) == 1)
    words = []
    for w, c in counts.items():
        if not 2 <= len(w) <= 4 or c < min_count or " " in w or "0" in w:
            continue
        pmi = min(np.log(c * total / (counts[w[:i]] * counts[w[i:]])) for i in range(1, len(w)))
        if pmi >= min_cohesion:
            words.append((c, w))
    words.sort(reverse=True)
    return [w for _, w in words[:max_words]]


def word_block(words, weight):  # type: ignore[no-untyped-def]
    """A learner wrapper that appends a unit-length TF-IDF block of mined-word counts (weight ``weight``)."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    cv = CountVectorizer(analyzer="char", ngram_range=(2, 4), vocabulary=words, lowercase=False)

    def build(fit_texts, held_texts):  # type: ignore[no-untyped-def]
        tf = TfidfTransformer(sublinear_tf=True)
        wf = tf.fit_transform(cv.transform(fit_texts)) * weight
        wh = tf.transform(cv.transform(held_texts)) * weight
        return wf, wh

    return build


def per_order_blocks(weights=(1.0, 1.0, 1.0)):  # type: ignore[no-untyped-def]
    """Unigram, bigram and trigram TF-IDF each as its own unit-length (body + lead) block, instead of one block."""

    def build(fit_texts, held_texts):  # type: ignore[no-untyped-def]
        fs, hs = [], []
        for n, w in zip((1, 2, 3), weights, strict=True):
            _, xf, xh = featurize(fit_texts, held_texts, WithMinN(replace(BASE, max_n=n), n))
            fs.append(xf * w)
            hs.append(xh * w)
        return sparse.hstack(fs).tocsr(), sparse.hstack(hs).tocsr()

    return build


# ---------------------------------------------------------------- driver


def run(
    name,
    cfg,
    learner,
    *,
    unl=None,
    lsa=None,
    idf_extra=False,
    max_chars=2000,
    offsets=False,
    extra_docs=(),
    extra_block=None,
    extra_weight=None,
    replace_block=None,
):  # type: ignore[no-untyped-def]
    texts, _, y = load_labelled()
    norm = [normalize(t, max_chars=max_chars) for t in texts]
    scores, seconds = [], []
    for fit_idx, held_idx in folds(texts, y):
        started = time.perf_counter()
        fit_t, held_t = [norm[i] for i in fit_idx], [norm[i] for i in held_idx]
        fit_y = y[fit_idx]
        n_real = len(fit_t)
        if extra_docs:
            fit_t = fit_t + [normalize(t) for t, _ in extra_docs]
            fit_y = np.concatenate([fit_y, [lab for _, lab in extra_docs]])
        vec, xf, xh = featurize(fit_t, held_t, cfg, extra=unl if idf_extra else ())
        if replace_block is not None:
            xf, xh = replace_block(fit_t, held_t)
        if lsa is not None:
            xf, xh = lsa_block(vec, xf, xh, unl, **lsa)
        if extra_block is not None:
            wf, wh = extra_block()(fit_t, held_t)
            xf, xh = sparse.hstack([xf, wf]).tocsr(), sparse.hstack([xh, wh]).tocsr()
        classes, yf = np.unique(fit_y, return_inverse=True)
        if extra_weight is None:
            h, _ = learner(xf, yf, xh)
        else:
            sw = np.where(np.arange(len(fit_t)) < n_real, 1.0, extra_weight)
            h, _ = svm(xf, yf, xh, sample_weight=sw)
        if offsets:
            b = macro_offsets(inner_oof(fit_t, yf, cfg, learner), yf)
            print("    offsets", np.round(b, 2).tolist())
            h = h + b
        pred = classes[h.argmax(axis=1)]
        scores.append(f1_score(y[held_idx], pred, average="macro"))
        seconds.append(time.perf_counter() - started)
        print(f"  {name} fold {len(scores)}: {scores[-1]:.4f} ({seconds[-1]:.1f}s, {xf.shape[1]} cols)", flush=True)
    row = {
        "name": name + (f" [CV_SEED={os.environ['CV_SEED']}]" if os.environ.get("CV_SEED", "0") != "0" else ""),
        "mean": round(float(np.mean(scores)), 4),
        "folds": [round(s, 4) for s in scores],
        "fold_seconds": round(float(np.mean(seconds)), 1),
        "n_cols": int(xf.shape[1]),
    }
    print(json.dumps(row, ensure_ascii=False), flush=True)
    with LOG.open("a") as out:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return row


BASE = FeatureConfig()


def experiments() -> dict[str, Callable[[], object]]:
    unl: list[str] = []

    def U() -> list[str]:  # lazily read the unlabelled messages once
        if not unl:
            unl.extend(t for t in load_unlabelled() if t)
        return unl

    words: list[str] = []

    def W() -> list[str]:
        if not words:
            words.extend(mine_words(U()))
            print("mined", len(words), "words, e.g.", words[:30], words[-30:], flush=True)
        return words

    distant: list[tuple[str, str]] = []

    def DD() -> list[tuple[str, str]]:
        if not distant:
            distant.extend(distant_docs())
            from collections import Counter

            print("distant labels:", len(distant), Counter(lab for _, lab in distant), flush=True)
        return distant

    p = replace
    return {
        "base": lambda: run("base svm C2", BASE, svm),
        "balanced": lambda: run("svm C2 class_weight=balanced", BASE, lambda a, b, c: svm(a, b, c, weight="balanced")),
        "nbsvm": lambda: run("nbsvm C2 beta0.25 binary", BASE, nbsvm),
        "nbsvm_b1": lambda: run("nbsvm C2 beta1", BASE, lambda a, b, c: nbsvm(a, b, c, beta=1.0)),
        "nbsvm_tf": lambda: run("nbsvm C2 beta0.25 tfidf-counts", BASE, lambda a, b, c: nbsvm(a, b, c, binary=False)),
        "ngram4": lambda: run("char1-4 svm C2", p(BASE, max_n=4), svm),
        "ngram4_df3": lambda: run("char1-4 min_df3 svm C2", p(BASE, max_n=4, min_df=3), svm),
        "lead1": lambda: run("lead_weight1.0 svm", p(BASE, lead_weight=1.0), svm),
        "lead05": lambda: run("lead_weight0.5 svm", p(BASE, lead_weight=0.5), svm),
        "lr": lambda: run("logreg C20", BASE, logreg),
        "sgd": lambda: run("sgd modified_huber a1e-5", BASE, sgd_huber),
        "ens_svm_sgd": lambda: run("ens svm+sgd", BASE, ensemble(svm, sgd_huber)),
        "ens_svm_nbsvm": lambda: run("ens svm+nbsvm", BASE, ensemble(svm, nbsvm)),
        "lsa": lambda: run("lsa300 unl svm", BASE, svm, unl=U(), lsa={"k": 300}),
        "cs": lambda: run("crammer-singer C0.5", BASE, crammer),
        "ens_svm_lr": lambda: run("ens svm+logreg C20", BASE, ensemble(svm, logreg)),
        "ngram2_4": lambda: run("char2-4 svm C2", WithMinN(p(BASE, max_n=4), 2), svm),
        "ngram2_3": lambda: run("char2-3 svm C2", WithMinN(BASE, 2), svm),
        "chars500": lambda: run("first 500 chars svm", BASE, svm, max_chars=500),
        "chars1000": lambda: run("first 1000 chars svm", BASE, svm, max_chars=1000),
        "lsa_s2": lambda: run("lsa300 unl scale2 svm", BASE, svm, unl=U(), lsa={"k": 300, "scale": 2.0}),
        "offsets": lambda: run("svm C2 + macro-F1 class offsets (inner 5-fold)", BASE, svm, offsets=True),
        "taxonomy": lambda: run("svm C2 + taxonomy rows as docs", BASE, svm, extra_docs=taxonomy_docs()),
        "rbf_g05": lambda: run("rbf svc C10 gamma0.5", BASE, lambda a, b, c: rbf_svc(a, b, c, gamma=0.5)),
        "rbf_g1": lambda: run("rbf svc C10 gamma1", BASE, rbf_svc),
        "words05": lambda: run("mined words block w0.5", BASE, svm, extra_block=lambda: word_block(W(), 0.5)),
        "words1": lambda: run("mined words block w1.0", BASE, svm, extra_block=lambda: word_block(W(), 1.0)),
        "combo": lambda: run(
            "combo: mined words w0.5 + lsa300 unl + balanced",
            BASE,
            lambda a, b, c: svm(a, b, c, weight="balanced"),
            unl=U(),
            lsa={"k": 300},
            extra_block=lambda: word_block(W(), 0.5),
        ),
        "distant05": lambda: run("svm + replies distant labels w0.5", BASE, svm, extra_docs=DD(), extra_weight=0.5),
        "distant1": lambda: run("svm + replies distant labels w1.0", BASE, svm, extra_docs=DD(), extra_weight=1.0),
        "per_order": lambda: run("per-order unit blocks 1/2/3-grams", BASE, svm, replace_block=per_order_blocks()),
        "lsa_nounl": lambda: run("lsa300 labelled-only svm", BASE, svm, unl=[], lsa={"k": 300}),
    }


if __name__ == "__main__":
    table = experiments()
    for arg in sys.argv[1:]:
        table[arg]()
