"""Topics over time (群众所思所想): terms, topics, monthly trend, the rising test, labels, CLI and the stored run."""

from __future__ import annotations

import csv
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from scipy import stats
from typer.testing import CliRunner

from citybrain.analytics.topics import TopicParams, _tail, agreement, dispersion, find_topics
from citybrain.analytics.topics_io import Corpus, local_months, read_corpus
from citybrain.cli.main import app
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.insight import jobs
from citybrain.insight import service as insight
from citybrain.insight.topics import analyse, run_topics
from citybrain.models import Case
from citybrain.nlp.topic_terms import corpus_terms, template_clauses, terms_of, without_templates
from tests.conftest import shared_path

runner = CliRunner()

THEMES = {
    "noise": ["工地", "施工", "噪音", "夜间", "扰民", "机械", "渣土车", "休息"],
    "parking": ["停车", "车位", "收费", "停车场", "车辆", "占道", "违停", "物业"],
    "school": ["学校", "学生", "老师", "家长", "补课", "学位", "入学", "教育局"],
    "water": ["停水", "自来水", "水压", "水管", "漏水", "供水", "水费", "水质"],
}
TEMPLATE = "尊敬的领导您好！本人是示例市居民，现将有关情况反映如下，恳请相关部门高度重视、尽快处理，谢谢！"


def _message(r: random.Random, theme: str) -> tuple[str, str]:
    words = r.sample(THEMES[theme], 5)
    return f"{words[0]}{words[1]}问题", "，".join(words) + "。"


def _corpus(per_month: dict[str, int], last: dict[str, int] | None = None, *, months: int = 12, seed: int = 3
            ) -> tuple[list[str], list[str], list[str], list[str]]:  # fmt: skip
    """(titles, texts, months, themes): ``per_month`` messages of each theme in each month, ``last`` in the last."""
    r = random.Random(seed)
    titles, texts, month_of, theme_of = [], [], [], []
    for m in range(months):
        month = f"2023-{m + 1:02d}"
        counts = last if last is not None and m == months - 1 else per_month
        for theme, n in counts.items():
            for _ in range(n):
                title, text = _message(r, theme)
                titles.append(title)
                texts.append(text)
                month_of.append(month)
                theme_of.append(theme)
    return titles, texts, month_of, theme_of


EVEN = {"noise": 30, "parking": 30, "school": 30, "water": 30}
PARAMS = TopicParams(topics=4, min_df=2, max_df=0.5)


def _by_theme(result: object, themes: list[str]) -> dict[str, int]:
    """Each theme's topic (the topic most of its messages are in)."""
    assignment = result.assignment  # type: ignore[attr-defined]
    return {t: int(np.bincount(assignment[[i for i, x in enumerate(themes) if x == t]]).argmax()) for t in THEMES}


def test_terms_leave_out_boilerplate_place_codes_numbers_and_single_characters() -> None:
    terms = terms_of("尊敬的领导您好，A市A3区丽发新城小区旁搅拌站噪音扰民，2019年12月已经3次，请尽快处理，谢谢")
    assert {"搅拌站", "噪音", "扰民"} <= set(terms)
    assert not {"您好", "领导", "谢谢", "处理", "尽快", "A市", "A3区", "2019", "12"} & set(terms)
    assert all(len(t) >= 2 for t in terms)


def test_template_clauses_are_those_of_many_different_texts_not_copies_of_one() -> None:
    wrapped = [f"{TEMPLATE}{w}噪音很大{i}天" for i, w in enumerate(("工地", "夜间", "机械", "渣土车") * 6)]  # 24 texts
    copied = ["公交线路延长到新城，公交站太远出行很不方便。"] * 500  # one text copied
    templates = template_clauses(wrapped + copied)
    # clauses of seven characters or more (尽快处理 and 谢谢 are shorter); the copied text has 500 copies but is one
    assert templates == {"尊敬的领导您好", "本人是示例市居民", "现将有关情况反映如下", "恳请相关部门高度重视"}
    left = "尽快处理，谢谢，工地噪音很大0天"
    assert without_templates(wrapped[0], templates) == left


def test_the_themes_are_found_and_a_theme_whose_share_doubles_rises_alone() -> None:
    titles, texts, months, themes = _corpus(EVEN, {"noise": 30, "parking": 30, "school": 30, "water": 90})
    result = find_topics(corpus_terms(titles, texts), months, PARAMS)
    topic = _by_theme(result, themes)
    assert len(set(topic.values())) == 4  # one topic per theme
    assert agreement(result.assignment, themes)["purity"] == 1.0  # type: ignore[index]
    assert result.month == "2023-12"
    water = result.topics[topic["water"]]
    assert water.rise is not None
    # by hand: 90 of 180 in the month against 330 of 1,320 before: share 0.5 against 0.25
    assert (water.rise.count, water.rise.total, water.rise.history_count, water.rise.history_total) == (
        90,
        180,
        330,
        1320,
    )
    assert water.rise.ratio == pytest.approx((90.5 / 181) / (330.5 / 1321))
    assert water.rise.expected == pytest.approx(45.0)
    assert [t.index for t in result.rising()] == [topic["water"]]
    assert water.counts == (30,) * 11 + (90,)
    assert result.totals == (120,) * 11 + (180,)


def test_more_messages_of_every_kind_in_a_month_make_no_topic_rise() -> None:
    titles, texts, months, _ = _corpus(EVEN, {theme: 90 for theme in THEMES})
    result = find_topics(corpus_terms(titles, texts), months, PARAMS)
    assert result.totals[-1] == 360
    assert result.rising() == ()


def test_a_templated_month_does_not_collapse_into_one_topic_nor_rise() -> None:
    titles, texts, months, themes = _corpus(EVEN)
    texts = [TEMPLATE + x if m == "2023-12" else x for x, m in zip(texts, months, strict=True)]
    result = find_topics(corpus_terms(titles, texts), months, PARAMS)
    last = [i for i, m in enumerate(months) if m == "2023-12"]
    assert agreement(result.assignment[last], [themes[i] for i in last])["purity"] == 1.0  # type: ignore[index]
    assert len(set(result.assignment[last].tolist())) == 4
    assert result.rising() == ()


def test_a_flood_of_one_copied_message_counts_once_in_what_the_topics_are() -> None:
    titles, texts, months, themes = _corpus(EVEN)
    flood = 2000  # one petition copied 2,000 times in the last month
    titles += ["强烈要求公交线路延长"] * flood
    texts += ["公交线路延长到新城，公交站太远，出行不便。"] * flood
    months += ["2023-12"] * flood
    themes += ["bus"] * flood
    result = find_topics(corpus_terms(titles, texts), months, TopicParams(topics=5, min_df=2, max_df=0.9))
    topic = _by_theme(result, themes[: len(themes) - flood])
    assert len(set(topic.values())) == 4  # the four themes keep their topics
    bus = int(result.assignment[-1])
    assert bus not in topic.values()
    assert [t.index for t in result.rising()] == [bus]


def test_the_same_input_and_seed_give_the_same_topics() -> None:
    titles, texts, months, _ = _corpus(EVEN, {"noise": 60, "parking": 30, "school": 30, "water": 30})
    terms = corpus_terms(titles, texts)
    a, b = find_topics(terms, months, PARAMS), find_topics(terms, months, PARAMS)
    assert a.topics == b.topics
    assert np.array_equal(a.assignment, b.assignment)


def test_the_tail_is_the_exact_binomial_one_and_dispersion_by_hand() -> None:
    # X ~ Binomial(k1 + k0, n1 / (n1 + n0)); P(X >= k1)
    assert _tail(12, 40, 100, 900, 1.0) == pytest.approx(stats.binom.sf(11, 52, 0.1))
    assert _tail(0, 40, 100, 900, 1.0) == 1.0
    assert _tail(12, 40, 100, 900, 2.0) > _tail(12, 40, 100, 900, 1.0)  # φ > 1 asks for more evidence
    # p = 60/300 = 0.2; χ² = 100/16 + 0 + 100/16 = 12.5 over 2 df → 6.25
    assert dispersion(np.array([10, 20, 30]), np.array([100, 100, 100])) == pytest.approx(6.25)
    assert dispersion(np.array([20, 20, 20]), np.array([100, 100, 100])) == 1.0


def test_agreement_purity_and_nmi_by_hand() -> None:
    found = agreement(np.array([0, 0, 1, 1, -1]), ["a", "a", "b", "a", "b"])
    assert found is not None
    assert found["messages"] == 4  # the message without a topic is left out
    assert found["purity"] == 0.75
    assert found["majority"]["1"]["label"] == "a"  # a tie (1 a, 1 b) goes to the first label by name
    assert agreement(np.array([0, 1]), ["", ""]) is None


def test_a_month_outside_the_messages_and_bad_params_are_refused() -> None:
    titles, texts, months, _ = _corpus(EVEN, months=3)
    with pytest.raises(ValueError, match="outside"):
        find_topics(corpus_terms(titles, texts), months, TopicParams(topics=4, month="2024-05"))
    with pytest.raises(ValueError, match="topics must be"):
        TopicParams(topics=1).check()


def test_local_months_use_the_city_zone() -> None:
    utc = np.array(["2023-01-31T15:59:59", "2023-01-31T16:00:00"], dtype="datetime64[s]")
    assert local_months(utc, clock.city_zone("Asia/Shanghai")) == ["2023-01", "2023-02"]


def test_json_explains_every_topic_in_both_languages_and_masks_examples() -> None:
    titles, texts, months, themes = _corpus(EVEN, {"noise": 30, "parking": 30, "school": 30, "water": 90})
    titles[-1] = "停水三天了，我电话13812345678"
    corpus = Corpus(
        ids=tuple(str(i + 1) for i in range(len(titles))),
        titles=tuple(titles),
        texts=tuple(texts),
        months=tuple(months),
        labels=tuple(themes),
        source="test",
    )
    _, document = analyse(corpus, PARAMS)
    assert document["agreement"]["purity"] == 1.0
    assert document["month"] == "2023-12"
    assert "13812345678" not in json.dumps(document, ensure_ascii=False)
    for topic in document["topics"]:
        assert topic["explanation"]["zh"]
        assert topic["explanation"]["en"]
        assert len(topic["shares"]) == len(document["months"]) == 12
    (water,) = document["rising"]
    assert "上升" in document["topics"][water]["explanation"]["zh"]
    assert "rising" in document["topics"][water]["explanation"]["en"]
    assert "停水" in document["summary"]["zh"] or "水" in document["summary"]["zh"]
    assert document["params"]["seed"] == 0


def _message_csv(path: Path) -> Path:
    titles, texts, months, themes = _corpus(EVEN, {"noise": 30, "parking": 30, "school": 30, "water": 90})
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "time", "title", "detail", "label"])
        for i, (title, text, month, theme) in enumerate(zip(titles, texts, months, themes, strict=True)):
            writer.writerow([f"M{i}", f"{month.replace('-', '/')}/15 9:30:00", title, text, theme])
        writer.writerow(["M-no-time", "", "停车收费问题", "停车，收费，车位。", "parking"])  # in topics, no month
    return path


def test_cli_on_a_labelled_message_csv(tmp_path: Path) -> None:
    out = tmp_path / "topics.json"
    source = _message_csv(tmp_path / "附件2.csv")
    result = runner.invoke(
        app, ["analyze", "topics", "--input", str(source), "--topics", "4", "--json", str(out), "--history", "6"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["params"]["messages"] == 1_501
    assert sum(document["totals"]) == 1_500  # the message without a time is in no month
    assert document["agreement"]["purity"] == 1.0
    assert len(document["rising"]) == 1
    assert document["topics"][document["rising"][0]]["rise"]["history_months"] == 6
    assert "群众所思所想" in result.output


def test_cli_on_an_xlsx_and_a_chosen_month(tmp_path: Path) -> None:
    titles, texts, months, _ = _corpus(EVEN, {"noise": 30, "parking": 30, "school": 30, "water": 90}, months=4)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "反对数", "点赞数"])
    for i, (title, text, month) in enumerate(zip(titles, texts, months, strict=True)):
        sheet.append([i + 1, "U1", title, f"{month.replace('-', '/')}/10 12:00:00", text, 0, 0])
    book.save(tmp_path / "附件3.xlsx")
    args = ["analyze", "topics", "--input", str(tmp_path / "附件3.xlsx"), "--topics", "4", "--month", "2023-03"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["month"] == "2023-03"
    assert document["rising"] == []  # the water surge is in April, not March
    assert document["agreement"] is None  # an export has no labels


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--topics", "1"], "--topics"),
        (["--month", "2023-13"], "YYYY-MM"),
        (["--month", "2030-01"], "outside"),
        (["--json", "/nonexistent/dir/x.json"], "no such directory"),
    ],
)
def test_cli_bad_input_exits_2(tmp_path: Path, args: list[str], message: str) -> None:
    source = _message_csv(tmp_path / "m.csv")
    result = runner.invoke(app, ["analyze", "topics", "--input", str(source), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", "topics", "--input", str(tmp_path / "none.xlsx")])
    assert result.exit_code == 2
    assert "no such file" in result.output


@pytest.fixture
def cli_env(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    return db


def _store_cases(db: Database, now: datetime) -> None:
    titles, texts, _, _ = _corpus({t: 6 for t in THEMES}, {"noise": 6, "parking": 6, "school": 6, "water": 30},
                                  months=4)  # fmt: skip
    per_month = 24
    with db.transaction() as session:
        for i, (title, text) in enumerate(zip(titles, texts, strict=True)):
            month = min(i // per_month, 3)
            when = now - timedelta(days=30 * (3 - month) + 1)
            session.add(Case(title=title, text=text, created_at=when, updated_at=when))


def test_cli_on_the_live_database_stores_a_run(cli_env: Database) -> None:
    _store_cases(cli_env, clock.utcnow())
    result = runner.invoke(app, ["analyze", "topics", "--topics", "4"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["params"]["messages"] == 3 * 24 + 48
    with cli_env.reading() as session:
        stored = insight.latest(session, "topics")
    assert stored["id"] == document["params"]["run_id"]
    assert stored["total_results"] == 4
    assert stored["summary"]["months"] == document["months"]
    assert all(isinstance(c, int) for r in stored["results"] for c in r["case_ids"])
    assert [r["payload"]["topic"] for r in stored["results"]] == [0, 1, 2, 3]


def test_the_nightly_job_stores_topics(db: Database) -> None:
    _store_cases(db, clock.utcnow())
    lines = jobs.run_nightly("topics", db, jobs.Night(day=clock.utcnow().date()), lambda _: None)
    assert lines[-1].startswith("topics: ")
    document, run_id = run_topics(db, days=10)  # only the last month's 48 cases
    assert document["params"]["messages"] == 48
    with db.reading() as session:
        assert insight.latest(session, "topics")["id"] == run_id


def test_an_empty_database_gives_no_topics(cli_env: Database) -> None:
    result = runner.invoke(app, ["analyze", "topics"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["topics"] == []


@pytest.mark.slow
def test_on_teddy_attachment_3_the_mixing_plant_topic_rises_in_december_2019() -> None:
    corpus = read_corpus(shared_path("data", "teddy2020c", "hot_issues_附件3.xlsx"), timezone="Asia/Shanghai")
    result, document = analyse(corpus, TopicParams(month="2019-12"))
    assert len(corpus) == 4326
    risers = [" ".join(t.terms) for t in result.rising()]
    assert len(risers) == 1
    assert "搅拌站" in risers[0]
    labels = " ".join(t["label"] for t in document["topics"])
    for word in ("物业", "学校", "施工", "油烟"):
        assert any(word in t["terms"] for t in document["topics"]), (word, labels)
