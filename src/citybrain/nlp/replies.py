"""Reply quality (答复意见评价): how good is a department's reply to a citizen's message — and why.

Four aspects, each a score in 0..1 with short reasons in Chinese and English (docs/replies.md):

* **relevance 相关性** — does the reply talk about what the message raised: character 2–3-gram TF-IDF cosine of
  message and reply (IDF fitted on the batch scored together, so boilerplate shared by many replies counts little)
  and the share of the message's keywords (jieba's TF-IDF tags) that the reply mentions.
* **completeness 完整性** — does it have the parts of a proper answer (greeting, findings 调查核实, action 处理措施,
  result 办理结果, contact 联系方式, closing) and does it address the message's asks (clauses with 请/希望/？…).
  A reply that only acknowledges receipt or says it was forwarded (已收悉, 转交…) is capped low.
* **timeliness 及时性** — reply time minus message time against the SLA's resolve hours (办结时限): 1 within it,
  halving for each further SLA length. Unknown when either time is missing (then left out of the overall score).
* **explanation 可解释性** — does it explain: cites a law, regulation or policy (《…条例》, document numbers
  〔2019〕2号), says on what basis (根据/依据/按照…), names concrete actions taken, dates, and departments.

The overall score is the weighted mean of the aspects present (weights in :class:`ScoringConfig`). Scoring is pure:
text and times in, scores out; jieba and scikit-learn run in process, nothing is downloaded.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import numpy as np
from scipy import sparse

from citybrain.nlp.features import FeatureConfig, ngram_ids

#: Characters of a message or reply that are read; a longer reply is cut (and the cut is reported).
MAX_CHARS = 5000

_TAG = re.compile(r"<[^<>]{0,200}>")
_SPACE = re.compile(r"\s+")
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")

GREETING = re.compile(r"您好|你好|网友|市民|先生|女士|同志|尊敬的")
FINDINGS = re.compile(
    r"经(?:过)?(?:调查|核实|核查|了解|查|现场|走访|研究|会商|排查)|调查(?:核实|处理|了解)|核实|"
    r"现场(?:查看|勘查|核查|调查|检查)|情况属实|情况不属实"
)
ACTION = re.compile(
    r"已(?:经)?(?:安排|责令|要求|组织|督促|协调|下达|开展|完成|整改|处理|联系|修复|清理|拆除|约谈|查处|立案|处罚|"
    r"落实|制定|启动|派员|派出|交办|疏通|更换|维修|恢复|对接|召开|实施|上报|申报|纳入)|责令|限期|立案|查处|处罚|约谈|"
    r"下一步|将(?:会)?(?:加强|安排|督促|协调|继续|积极|进一步|加快|组织|尽快|加大)|立即"
)
RESULT = re.compile(
    r"(?:已|现已|目前已|已经)(?:解决|完成|整改到位|修复|恢复|办结|完工|通车|竣工|到位|停止|清除|拆除|落实)|"
    r"预计|计划于|目前|结果|不属实|符合|不符合|可以|不能|无法"
)
CONTACT = re.compile(
    r"联系电话|咨询电话|电话[:：]?\s*\d|联系方式|可(?:拨打|致电|联系|咨询)|如有疑问|如需|热线|\d{3,4}-\d{4,8}"
)
CLOSING = re.compile(r"感谢|谢谢")
NON_ANSWER = re.compile(r"已收悉|(?:转交|转至|转给|转办|交由)[^。]{0,24}(?:处理|办理|核实|回复)|敬请关注|后续回复")
POLICY = re.compile(r"《([^《》]{2,60})》")
LEGAL = re.compile(r"法|条例|规定|办法|意见|通知|细则|标准|规范|规划|方案|政策|决定|纲要|规则|指南|实施")
DOC_NUMBER = re.compile(r"[〔\[［(（]\s*(?:19|20)\d{2}\s*[〕\]］)）]\s*\d+\s*号")
BASIS = re.compile(r"根据|依据|按照|依照|依法|按规定|相关规定|有关规定|规定")
DATE = re.compile(r"\d{4}年\d{1,2}月(?:\d{1,2}日)?|\d{1,2}月\d{1,2}日")
UNIT = re.compile(
    r"[\u4e00-\u9fa5A-Z0-9]{1,8}(?:局|委员会|办公室|中心|街道|办事处|政府|公司|派出所|大队|支队|社区|居委会|管委会|分局)"
)
ASK = re.compile(r"[？?]|请|希望|要求|建议|能否|能不能|是否|何时|什么时候|为什么|为何|怎么|如何|呼吁|恳请|盼")
_CLAUSE = re.compile(r"[。！？!?；;\n]+")
_TRAILING_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日\s*$")
_STOP = frozenset(
    "希望 要求 建议 能否 是否 我们 你们 他们 这个 那个 问题 什么 怎么 如何 为什么 领导 政府 部门 "
    "有关 相关 尽快 解决 一下 没有 可以 现在 已经 还是 就是 请问 请求 恳请 呼吁 这样 一些 情况 关于 反映".split()
)


@dataclass(frozen=True)
class ScoringConfig:
    """Weights and thresholds; the defaults are the documented ones (docs/replies.md)."""

    relevance_weight: float = 0.30
    completeness_weight: float = 0.25
    timeliness_weight: float = 0.20
    explanation_weight: float = 0.25
    sla_hours: float = 168.0  # 办结时限 of the directory's "general" class (7 days) when an item has none
    cosine_full: float = 0.20  # a character n-gram cosine at or above this counts as fully on topic
    keywords: int = 8
    word_chars: int = 1500  # keywords and asks are read from the message's first this many characters
    max_chars: int = MAX_CHARS


@dataclass(frozen=True)
class ReplyInput:
    message: str
    reply: str
    message_at: datetime | None = None
    reply_at: datetime | None = None
    sla_hours: float | None = None


@dataclass(frozen=True)
class Aspect:
    score: float
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class ReplyScore:
    overall: float
    relevance: Aspect
    completeness: Aspect
    timeliness: Aspect | None
    explanation: Aspect
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall,
            "relevance": self.relevance.as_dict(),
            "completeness": self.completeness.as_dict(),
            "timeliness": None if self.timeliness is None else self.timeliness.as_dict(),
            "explanation": self.explanation.as_dict(),
            "notes": list(self.notes),
        }


def clean(value: object, max_chars: int = MAX_CHARS) -> tuple[str, list[str]]:
    """Readable text of a message or reply (markup, entities and odd spaces removed) and notes on what was done."""
    if value is None:
        return "", []
    text = value if isinstance(value, str) else str(value)
    notes: list[str] = []
    if len(text) > max_chars * 4:
        text = text[: max_chars * 4]
    stripped = html.unescape(_TAG.sub(" ", text))
    if stripped != text:
        notes.append("已去除网页标记 HTML markup removed")
    text = unicodedata.normalize("NFKC", stripped)
    text = _SPACE.sub(" ", _INVISIBLE.sub(" ", text)).strip()
    if len(text) > max_chars:
        notes.append(f"文本过长，只评前 {max_chars} 字 text cut to its first {max_chars} characters")
        text = text[:max_chars]
    return text, notes


@cache
def _jieba() -> Any:
    """jieba with its bundled dictionary and IDF table, loaded once per process and kept quiet."""
    import jieba
    import jieba.analyse

    jieba.setLogLevel(logging.WARNING)
    return jieba


def words_of(text: str) -> list[str]:
    """jieba's words of a text (dictionary only, no HMM guessing: faster, and keywords need no new words)."""
    return list(_jieba().cut(text, HMM=False))


@cache
def _person_names() -> frozenset[str]:
    """Words jieba's dictionary tags as personal names (nr…): never shown as keywords, they may name the citizen."""
    _jieba()
    import jieba.posseg

    return frozenset(w for w, tag in jieba.posseg.dt.word_tag_tab.items() if tag.startswith("nr"))


def keywords(words: Sequence[str], top: int) -> list[str]:
    """The message's keywords: jieba's TF-IDF ranking (its bundled IDF table) of words of two characters or more,
    leaving out personal names (unknown names are cut into single characters, which are left out too)."""
    table = _jieba().analyse.default_tfidf
    names = _person_names()
    counts: dict[str, int] = {}
    for word in words:
        if len(word.strip()) < 2 or word.isdigit() or word in names:
            continue
        if word.lower() not in table.stop_words:
            counts[word] = counts.get(word, 0) + 1
    weight = {w: c * table.idf_freq.get(w, table.median_idf) for w, c in counts.items()}
    return sorted(weight, key=lambda w: (-weight[w], w))[:top]


_NGRAMS = FeatureConfig(max_n=3, lead_chars=0)
_BIGRAM_FLOOR = np.uint64(1 << 21)  # ids below are single characters (features.ngram_ids packs 21 bits a char)


def cosines(messages: Sequence[str], replies: Sequence[str]) -> list[float]:
    """Cosine of each message with its reply over character 2–3-grams (sublinear tf × IDF fitted on the batch)."""
    n = len(messages)
    docs, ids = ngram_ids([*messages, *replies], _NGRAMS)
    keep = ids >= _BIGRAM_FLOOR
    docs, ids = docs[keep], ids[keep]
    if ids.size == 0:
        return [0.0] * n
    vocabulary, columns = np.unique(ids, return_inverse=True)
    shape = (2 * n, vocabulary.size)
    matrix = sparse.coo_matrix((np.ones(ids.size), (docs, columns.ravel())), shape=shape).tocsr()
    matrix.sum_duplicates()
    df = np.bincount(matrix.indices, minlength=vocabulary.size)
    matrix.data = (1.0 + np.log(matrix.data)) * (np.log((1.0 + 2 * n) / (1.0 + df)) + 1.0)[matrix.indices]
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    dots = np.asarray(matrix[:n].multiply(matrix[n:]).sum(axis=1)).ravel()
    denominator = norms[:n] * norms[n:]
    return [float(v) for v in np.where(denominator > 0, dots / np.where(denominator > 0, denominator, 1.0), 0.0)]


def relevance(message_words: Sequence[str], reply: str, cosine: float, config: ScoringConfig) -> Aspect:
    if not message_words:
        return Aspect(0.0, ("留言为空，无法判断相关性 empty message: relevance unknown",))
    tags = keywords(message_words, config.keywords)
    found = [t for t in tags if t in reply]
    coverage = len(found) / len(tags) if tags else 0.0
    lexical = min(1.0, cosine / config.cosine_full)
    reasons = [f"字词重合度 n-gram cosine {cosine:.2f}"]
    if tags:
        reasons.append(f"覆盖留言关键词 {len(found)}/{len(tags)} keywords covered: {'、'.join(found) or '—'}")
        missing = [t for t in tags if t not in reply][:4]
        if missing:
            reasons.append(f"未提及 not mentioned: {'、'.join(missing)}")
    return Aspect(round(0.5 * lexical + 0.5 * coverage, 4), tuple(reasons))


_PARTS = (
    (GREETING, 0.10, "称呼问候 greeting"),
    (FINDINGS, 0.25, "调查核实 findings"),
    (ACTION, 0.25, "处理措施 action taken"),
    (RESULT, 0.20, "办理结果 result"),
    (CONTACT, 0.10, "联系方式 contact"),
    (CLOSING, 0.10, "致谢 closing"),
)


def asks_of(message_words: Sequence[str]) -> list[list[str]]:
    """The message's asks (clauses with a question or a request), each as its content words."""
    found: list[list[str]] = []
    clause: list[str] = []
    for word in [*message_words, "。"]:
        if not _CLAUSE.fullmatch(word):
            clause.append(word)
            continue
        if ASK.search("".join(clause) + word):
            content = [w for w in clause if len(w) >= 2 and w not in _STOP and not w.isdigit()]
            if content:
                found.append(content)
        clause = []
    return found[:8]


def completeness(message_words: Sequence[str], reply: str) -> Aspect:
    present = [(weight, label) for pattern, weight, label in _PARTS if pattern.search(reply)]
    structure = sum(weight for weight, _ in present)
    missing = [label for pattern, _, label in _PARTS if not pattern.search(reply)]
    reasons = [f"含 has: {', '.join(label for _, label in present) or '—'}"]
    if missing:
        reasons.append(f"缺 lacks: {', '.join(missing)}")
    score = structure
    asks = asks_of(message_words)
    if asks:
        answered = sum(1 for words in asks if sum(w in reply for w in words) * 3 >= len(words))
        score = 0.6 * structure + 0.4 * answered / len(asks)
        reasons.append(f"回应诉求 {answered}/{len(asks)} asks of the message addressed")
    if NON_ANSWER.search(reply) and len(reply) < 80:
        score = min(score, 0.2)
        reasons.append("只确认收到或转办，未答复实质内容 only acknowledges receipt or forwarding")
    return Aspect(round(score, 4), tuple(reasons))


def timeliness(message_at: datetime | None, reply_at: datetime | None, sla_hours: float) -> Aspect | None:
    """1 within the SLA's hours, then halving with each further SLA length; None when a time is unknown."""
    if message_at is None or reply_at is None:
        return None
    if (message_at.tzinfo is None) != (reply_at.tzinfo is None):
        return None
    hours = (reply_at - message_at).total_seconds() / 3600
    limit = f"时限 limit {_span(sla_hours)}"
    if hours < 0:
        return Aspect(0.0, (f"答复时间早于留言时间 reply time before the message ({hours:.1f} h)",))
    if hours <= sla_hours:
        return Aspect(1.0, (f"用时 took {_span(hours)}, 在{limit}内 within the limit",))
    score = 0.5 ** ((hours - sla_hours) / sla_hours)
    return Aspect(round(score, 4), (f"用时 took {_span(hours)}, 超出{limit} late by {_span(hours - sla_hours)}",))


def _span(hours: float) -> str:
    return f"{hours:.1f} 小时 h" if hours < 48 else f"{hours / 24:.1f} 天 days"


def explanation(reply: str) -> Aspect:
    score = 0.0
    reasons: list[str] = []
    cited = [title for title in POLICY.findall(reply) if LEGAL.search(title)]
    if cited:
        score += 0.35
        reasons.append(f"引用政策法规 cites: {'、'.join(f'《{t}》' for t in dict.fromkeys(cited))}"[:160])
    if DOC_NUMBER.search(reply):
        score += 0.10
        reasons.append("注明文号 gives a document number")
    basis = sorted(set(BASIS.findall(reply)))
    if basis:
        score += 0.20
        reasons.append(f"说明依据 states its basis: {'、'.join(basis[:4])}")
    actions = sorted(set(ACTION.findall(reply)))
    if actions:
        score += 0.20 * min(1.0, len(actions) / 3)
        reasons.append(f"具体措施 concrete actions: {'、'.join(actions[:5])}")
    dates = DATE.findall(_TRAILING_DATE.sub("", reply))
    if dates:
        score += 0.10
        reasons.append(f"给出日期 gives dates: {'、'.join(dates[:3])}")
    units = sorted(set(UNIT.findall(reply)))
    if units:
        score += 0.10
        reasons.append(f"指明单位 names departments: {'、'.join(units[:3])}")
    if not reasons:
        reasons.append("未说明依据或措施 explains neither basis nor action")
    return Aspect(round(min(1.0, score), 4), tuple(reasons))


def _overall(aspects: Sequence[tuple[Aspect | None, float]]) -> float:
    present = [(aspect.score, weight) for aspect, weight in aspects if aspect is not None]
    total = sum(weight for _, weight in present)
    return round(sum(score * weight for score, weight in present) / total, 4) if total else 0.0


def _empty(notes: list[str]) -> ReplyScore:
    none = Aspect(0.0, ("答复为空 empty reply",))
    return ReplyScore(0.0, none, none, None, none, (*notes, "答复为空 empty reply"))


def score_replies(
    items: Sequence[ReplyInput],
    config: ScoringConfig = ScoringConfig(),
    progress: Callable[[int], None] | None = None,
) -> list[ReplyScore]:
    """Score a batch (the TF-IDF of relevance is fitted on the batch, so score replies together when you can).

    ``progress`` is called with 1 after each reply, for a progress bar.
    """
    cleaned = [(clean(item.message, config.max_chars), clean(item.reply, config.max_chars)) for item in items]
    cos = cosines([m[0] for m, _ in cleaned], [r[0] for _, r in cleaned])
    results: list[ReplyScore] = []
    for item, (message, reply), cosine in zip(items, cleaned, cos, strict=True):
        results.append(_score_one(item, message, reply, cosine, config))
        if progress is not None:
            progress(1)
    return results


def _score_one(
    item: ReplyInput, message: tuple[str, list[str]], reply: tuple[str, list[str]], cosine: float, config: ScoringConfig
) -> ReplyScore:
    notes = [f"留言 message: {n}" for n in message[1]] + [f"答复 reply: {n}" for n in reply[1]]
    if not reply[0]:
        return _empty(notes)
    words = words_of(message[0][: config.word_chars]) if message[0] else []
    aspects = (
        relevance(words, reply[0], cosine, config),
        completeness(words, reply[0]),
        timeliness(item.message_at, item.reply_at, item.sla_hours or config.sla_hours),
        explanation(reply[0]),
    )
    weights = (config.relevance_weight, config.completeness_weight, config.timeliness_weight,
               config.explanation_weight)  # fmt: skip
    overall = _overall(list(zip(aspects, weights, strict=True)))
    return ReplyScore(overall, aspects[0], aspects[1], aspects[2], aspects[3], tuple(notes))


def score_reply(
    message: str,
    reply: str,
    *,
    message_at: datetime | None = None,
    reply_at: datetime | None = None,
    sla_hours: float | None = None,
    config: ScoringConfig = ScoringConfig(),
) -> ReplyScore:
    """Score one reply on its own (the n-gram IDF then comes from the pair alone)."""
    return score_replies([ReplyInput(message, reply, message_at, reply_at, sla_hours)], config)[0]
