"""Reply quality (答复意见评价): good replies above bad ones with reasons, bad input, and the real Teddy 附件4."""

from __future__ import annotations

import random
import statistics
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from citybrain.core.errors import InvalidInput
from citybrain.nlp.replies import ReplyInput, ScoringConfig, keywords, score_replies, score_reply, words_of
from citybrain.nlp.replies_data import distribution, mask, rank_groups, read_replies, signed_by
from tests.conftest import shared_path
from tests.nlp.reply_samples import BAD, GENERIC, GOOD, MESSAGE

T0 = datetime(2019, 5, 1, 9, 0)


def test_an_obviously_good_reply_beats_a_generic_one_and_a_bare_acknowledgement() -> None:
    good, generic, bad = score_replies(
        [ReplyInput(MESSAGE, reply, T0, T0 + timedelta(days=days)) for reply, days in
         ((GOOD, 5), (GENERIC, 10), (BAD, 30))]
    )  # fmt: skip
    assert good.overall > generic.overall > bad.overall
    assert good.overall >= 0.7
    assert bad.overall <= 0.25
    for name in ("relevance", "completeness", "explanation"):
        assert getattr(good, name).score > getattr(bad, name).score, name
    assert good.relevance.score > generic.relevance.score
    assert good.explanation.score > generic.explanation.score
    for score in (good, generic, bad):
        for aspect in (score.relevance, score.completeness, score.timeliness, score.explanation):
            assert aspect is not None
            assert aspect.reasons
            assert 0.0 <= aspect.score <= 1.0


def test_reasons_say_what_was_found() -> None:
    good = score_reply(MESSAGE, GOOD, message_at=T0, reply_at=T0 + timedelta(days=5))
    explained = " ".join(good.explanation.reasons)
    assert "《物业管理条例》" in explained
    assert "注明文号 gives a document number" in explained
    assert "根据" in explained
    assert any("停车" in r for r in good.relevance.reasons)  # a keyword of the message the reply covers
    assert any("调查核实 findings" in r and "处理措施 action taken" in r for r in good.completeness.reasons)
    bad = score_reply(MESSAGE, BAD)
    assert any("only acknowledges" in r for r in bad.completeness.reasons)
    assert bad.explanation.reasons == ("未说明依据或措施 explains neither basis nor action",)


def test_a_platform_column_name_in_brackets_is_not_a_policy() -> None:
    reply = "网友您好！您在平台《问政西地省》栏目的留言已收悉，现答复如下：经核实，该路段已安排维修。"
    score = score_reply(MESSAGE, reply)
    assert not any("引用政策法规" in r for r in score.explanation.reasons)


def test_an_off_topic_reply_is_less_relevant_than_an_on_topic_one() -> None:
    on, off = score_replies([
        ReplyInput(MESSAGE, "经核查，景蓉华苑小区停车收费方案未经业主大会表决，已责令物业公司暂停收取停车费。"),
        ReplyInput(MESSAGE, "经核查，潇楚南路道路施工因雨天延误，已责令施工单位加快进度，预计8月底完工通车。"),
    ])  # fmt: skip
    assert on.relevance.score > off.relevance.score + 0.3


@pytest.mark.parametrize(
    ("days", "expected"),
    [(1, 1.0), (7, 1.0), (14, 0.5), (21, 0.25)],
)
def test_timeliness_halves_for_each_further_sla_length(days: float, expected: float) -> None:
    score = score_reply(MESSAGE, GOOD, message_at=T0, reply_at=T0 + timedelta(days=days), sla_hours=168)
    assert score.timeliness is not None
    assert score.timeliness.score == pytest.approx(expected, abs=1e-4)


def test_timeliness_unknown_or_impossible() -> None:
    unknown = score_reply(MESSAGE, GOOD)
    assert unknown.timeliness is None
    c = ScoringConfig()
    rest = c.relevance_weight + c.completeness_weight + c.explanation_weight
    expected = (unknown.relevance.score * c.relevance_weight + unknown.completeness.score * c.completeness_weight
                + unknown.explanation.score * c.explanation_weight) / rest  # fmt: skip
    assert unknown.overall == pytest.approx(expected, abs=1e-3)  # left out, weights renormalised
    before = score_reply(MESSAGE, GOOD, message_at=T0, reply_at=T0 - timedelta(hours=3))
    assert before.timeliness is not None
    assert before.timeliness.score == 0.0
    assert "before the message" in before.timeliness.reasons[0]
    late = score_reply(MESSAGE, GOOD, message_at=T0, reply_at=T0 + timedelta(hours=4), sla_hours=2)
    assert late.timeliness is not None
    assert late.timeliness.score == 0.5
    assert late.timeliness.reasons == ("用时 took 4.0 小时 h, 超出时限 limit 2.0 小时 h late by 2.0 小时 h",)


class TestBadInput:
    def test_empty_reply_scores_zero_with_a_reason(self) -> None:
        for reply in ("", "   ", "<p></p>"):
            score = score_reply(MESSAGE, reply)
            assert score.overall == 0.0
            assert "答复为空 empty reply" in score.notes

    def test_html_remnants_are_read_as_text(self) -> None:
        html_reply = "<p>" + GOOD.replace("。", "。<br/>&nbsp;") + "</p>"
        plain, marked = score_replies([ReplyInput(MESSAGE, GOOD), ReplyInput(MESSAGE, html_reply)])
        assert marked.overall == pytest.approx(plain.overall, abs=0.05)
        assert any("HTML" in note for note in marked.notes)
        assert not any("<br" in r or "nbsp" in r for r in marked.explanation.reasons)

    def test_a_100_kb_reply_is_cut_and_still_fast(self) -> None:
        huge = GOOD * (100_000 // len(GOOD) + 1)
        started = time.perf_counter()
        score = score_reply(MESSAGE, huge)
        assert time.perf_counter() - started < 10
        assert any("cut" in note for note in score.notes)
        assert 0.0 <= score.overall <= 1.0

    def test_empty_message(self) -> None:
        score = score_reply("", GOOD)
        assert score.relevance.score == 0.0
        assert "empty message" in score.relevance.reasons[0]


def test_rank_groups_and_distribution() -> None:
    good, bad = score_replies([ReplyInput(MESSAGE, GOOD), ReplyInput(MESSAGE, BAD)])
    rows = rank_groups(["a", "a", "b", None], [good, good, bad, bad], min_replies=2)
    assert [(r["group"], r["rank"], r["replies"]) for r in rows] == [("a", 1, 2), ("b", None, 1)]
    assert rows[0]["overall"] == good.overall
    assert rows[1]["low_share"] == 1.0
    assert (rows[0]["overall_ci95"], rows[1]["overall_ci95"]) == (0.0, None)  # two equal scores; one score
    found = distribution([good, bad])
    assert found["overall"]["n"] == 2
    assert sum(found["overall"]["histogram"]) == 2
    assert found["timeliness"] == {"n": 0}


def test_mask_hides_personal_data_in_excerpts() -> None:
    text = "网友“关关”您好，您的留言（用户U0081079，电话13812345678）已收悉。"
    shown = mask(text)
    assert "关关" not in shown
    assert "U0081079" not in shown
    assert "13812345678" not in shown


def test_personal_names_are_never_keywords() -> None:
    message = "联系人：陈秀英，住在幸福小区3栋，张三丰小区的路灯坏了，请尽快维修路灯。"
    found = keywords(words_of(message), 8)
    assert "路灯" in found
    assert not {"秀英", "张三丰"} & set(found)
    score = score_reply(message, "经核实，幸福小区路灯已安排维修。")
    assert "秀英" not in " ".join(score.relevance.reasons)


def test_signature_of_the_answering_unit() -> None:
    assert signed_by("……感谢您的支持！ 泉塘街道办事处 2019年5月9日") == "泉塘街道办事处"
    assert signed_by("感谢您对我们工作的支持、理解与监督！2018年10月12日") is None


class TestFiles:
    def test_csv_with_english_columns(self, tmp_path: Path) -> None:
        path = tmp_path / "replies.csv"
        path.write_text(
            "id,message,reply,message_at,reply_at,department\n"
            f"1,{MESSAGE},{GOOD},2019-05-01 09:00:00,2019-05-06 09:00:00,住建局\n"
            f"2,{MESSAGE},,2019/5/1 9:00:00,,城管局\n",
            encoding="utf-8",
        )
        records = read_replies(path)
        assert [r.department for r in records] == ["住建局", "城管局"]
        assert records[0].reply_at == datetime(2019, 5, 6, 9, 0)
        assert records[1].reply == ""

    @pytest.mark.parametrize(
        ("name", "body", "message"),
        [
            ("x.csv", "a,b\n1,2\n", "no reply column"),
            ("x.txt", "hello", ".xlsx or .csv"),
            ("x.xlsx", "not a zip", "not a readable Excel workbook"),
            ("x.csv", "reply\n", "no rows"),
        ],
    )
    def test_bad_files(self, tmp_path: Path, name: str, body: str, message: str) -> None:
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        with pytest.raises(InvalidInput, match=message):
            read_replies(path)

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInput, match="no such file"):
            read_replies(tmp_path / "nothing.xlsx")


@pytest.mark.slow
def test_on_a_sample_of_the_real_teddy_replies() -> None:
    """300 seeded replies of 附件4: scores in range with reasons; bare acknowledgements low; policy citations high."""
    records = read_replies(shared_path("data", "teddy2020c", "replies_附件4.xlsx"))
    assert len(records) == 2816
    assert sum(r.message_at is not None and r.reply_at is not None for r in records) >= 2800
    sample = random.Random(11).sample(records, 300)
    scores = score_replies([ReplyInput(f"{r.title} {r.message}", r.reply, r.message_at, r.reply_at) for r in sample])
    overall = [s.overall for s in scores]
    assert all(0.0 <= v <= 1.0 for v in overall)
    assert all(s.relevance.reasons and s.completeness.reasons and s.explanation.reasons for s in scores)
    median = statistics.median(overall)
    assert 0.25 < median < 0.65
    short = [s.overall for r, s in zip(sample, scores, strict=True) if len(r.reply.strip()) < 30]
    cited = [s.overall for s in scores if any("引用政策法规" in x for x in s.explanation.reasons)]
    assert short
    assert cited
    assert statistics.mean(short) < median < statistics.mean(cited)
