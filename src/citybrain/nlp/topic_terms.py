"""The terms a message is about, for topic discovery (群众所思所想): jieba's words without the boilerplate.

A citizen's message is wrapped in words that say nothing of *what* it is about: greetings and thanks (您好, 尊敬的,
谢谢), the verbs of asking (反映, 希望, 请求, 咨询), the addressees (领导, 相关部门, 政府), the place codes an
anonymised export puts everywhere (A市, A1区, K9县, 西地省) and named places (滨江区, 桂花路, 金鼎村): a topic is a
kind of problem, found in many places; where it is, is the hot-issue board's business. Those are left out, with
numbers, single characters, Latin codes and personal names (jieba's ``nr`` words: a name may be the citizen's), and
so are templated clauses that wrap many different messages (:func:`template_clauses`). Words that remain in too
many messages (小区, 问题 …) are left to the topic model's document-frequency cut, which adapts to each corpus.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import Any

from citybrain.nlp.normalize import normalize

#: Characters of a message read for its terms: its subject is in the title and first paragraphs.
MAX_CHARS = 600

#: Templated boilerplate of 12345 messages and replies (greetings, asking, addressees, hedges).
BOILERPLATE = frozenset(
    """
    您好 你好 尊敬 尊敬的 领导 各位 市长 书记 局长 主任 同志 部门 相关 相关部门 有关 有关部门 政府 市政府 区政府
    反映 反应 投诉 举报 咨询 请问 询问 建议 希望 请求 要求 恳请 恳求 申请 呼吁 强烈 强烈要求 关于 问题 情况 事情
    事宜 处理 解决 尽快 及时 重视 关注 关心 帮助 帮忙 协调 落实 督促 调查 核实 给予 答复 回复 回应 说法 谢谢 感谢
    非常 十分 特别 真的 一直 已经 现在 目前 今天 昨天 明天 今年 去年 每天 时候 时间 期间 之前 之后 以后 以来 最近
    近期 近日 日前 当时 一下 一些 一个 这个 那个 这些 那些 这样 那样 这里 那里 我们 你们 他们 她们 大家 自己 本人
    我家 我们家 市民 居民 群众 老百姓 百姓 业主 住户 网友 请 能否 是否 为什么 为何 怎么 怎么办 如何 什么 哪里 可以
    可能 应该 需要 必须 不能 不会 没有 没 有没有 还是 还有 而且 但是 可是 因为 所以 如果 虽然 然而 并且 或者 以及
    以上 以下 其中 其他 其它 所有 任何 每个 很多 许多 多次 一次 一年 多年 几年 几天 一天 这种 那种 各种 上述 通过
    进行 出现 存在 发现 造成 导致 得到 作为 属于 根据 按照 对于 由于 为了 依然 仍然 仍 还 也 都 就 又 再 才 很
    严重 影响 生活 工作 正常 不便 不了 不到 不是 只是 只能 只有 能够 得以 已 被 把 让 给 向 从 在 对 和 与 及 的 了
    地 得 着 过 吗 呢 吧 啊 呀 么 嘛 哦 等 等等 方面 有关 位于 地址 地方 附近 周边 一带 所在 所在地 此事 此 该
    年月日 月 日 年 号 元 万元 多元 左右 以上 一直以来 至今 迄今 至此 目前为止 原因 结果 效果 办法 方式
    """.split()
)

#: Place codes of the anonymised exports (A市, A1区, K9县, B3镇) and of provinces (西地省): where, never what.
_PLACE_CODE = re.compile(r"^(?:[A-Za-z]+\d*[市区县镇乡省州]|[\u4e00-\u9fa5]{1,3}省|[A-Za-z]\d*)$")
#: Named places (滨江区, 新城区, 桂花路, 暮云街, 金鼎村): three characters or more ending in a place word. Two-character
#: words (小区, 社区, 道路) are kinds of place, and stay.
_PLACE_NAME = re.compile(r"^[\u4e00-\u9fa5]{2,}[区县市路街镇乡村]$")
_NOT_WORD = re.compile(r"^[\W\d_a-zA-Z]*$")
_SPLIT_CODES = re.compile(r"[A-Za-z]+\d*(?:[市区县镇乡省州])")


@cache
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@cache
def _person_names() -> frozenset[str]:
    """Words jieba's dictionary tags as personal names (nr…): never a term, they may name the citizen."""
    _jieba()
    import jieba.posseg

    return frozenset(w for w, tag in jieba.posseg.dt.word_tag_tab.items() if tag.startswith("nr"))


def message_text(title: str, text: str) -> str:
    """Title and text as one cleaned string (the title first, once: a body that repeats it adds nothing)."""
    title, text = normalize(title or ""), normalize(text or "")
    if title and title in text[: len(title) + 20]:
        return text[:MAX_CHARS]
    return f"{title} {text}".strip()[:MAX_CHARS]


def terms_of(text: str) -> list[str]:
    """The content terms of one cleaned message, in order (repeats kept: term frequency counts them)."""
    jieba = _jieba()
    names = _person_names()
    out = []
    for word in jieba.cut(_SPLIT_CODES.sub(" ", text), HMM=False):
        word = word.strip()
        if len(word) < 2 or word in BOILERPLATE or word in names:
            continue
        if _NOT_WORD.match(word) or _PLACE_CODE.match(word) or _PLACE_NAME.match(word):
            continue
        out.append(word)
    return out


#: A clause of a message's text (between 。！？；，, line breaks …) this long or longer, found in many *different*
#: messages, is a template wrapped round what they say (恳请相关部门高度重视、尽快处理), not what they say.
TEMPLATE_CHARS = 7
#: "Many": in at least this many distinct texts, and at least ``TEMPLATE_SHARE`` of them.
TEMPLATE_MIN = 20
TEMPLATE_SHARE = 0.005
_CLAUSE = re.compile(r"[。！？；，、!?;,\n\r\t ]+")


def template_clauses(texts: Sequence[str]) -> frozenset[str]:
    """Clauses of ``TEMPLATE_CHARS`` or more found in at least max(``TEMPLATE_MIN``, ``TEMPLATE_SHARE`` · n)
    distinct texts. Copies of one message count once: a petition copied 2,000 times is one text, and stays what
    its senders say; a sentence that wraps 2,000 different complaints is a template, and goes."""
    distinct = set(texts)
    seen: Counter[str] = Counter()
    for text in distinct:
        seen.update({c for c in _CLAUSE.split(text) if len(c) >= TEMPLATE_CHARS})
    least = max(TEMPLATE_MIN, TEMPLATE_SHARE * len(distinct))
    return frozenset(c for c, n in seen.items() if n >= least)


def without_templates(text: str, templates: frozenset[str]) -> str:
    """``text`` without its template clauses."""
    if not templates:
        return text
    return "，".join(c for c in _CLAUSE.split(text) if c and c not in templates)


def corpus_terms(titles: Sequence[str], texts: Sequence[str]) -> list[list[str]]:
    """The terms of every message: templated clauses of the texts taken out (:func:`template_clauses`), then
    :func:`message_text` and :func:`terms_of`."""
    cleaned = [normalize(x or "") for x in texts]
    templates = template_clauses(cleaned)
    return [terms_of(message_text(t, without_templates(x, templates))) for t, x in zip(titles, cleaned, strict=True)]
