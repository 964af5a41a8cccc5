"""Messages as they really arrive: nothing crashes, nothing empty gets a made-up label."""

from __future__ import annotations

import time

import pytest

from citybrain.nlp.model import TextClassifier
from citybrain.nlp.normalize import MAX_CHARS, normalize


@pytest.mark.parametrize("value", [None, "", "   \t\n", float("nan"), "<br/>&nbsp;<p></p>", "\u200b\ufeff"])
def test_messages_without_text_get_no_label_and_zero_confidence(teddy_model: TextClassifier, value: object) -> None:
    result = teddy_model.predict([value])
    assert result.labels == [""]
    assert result.confidence[0] == 0.0


def test_full_width_html_and_emoji_are_read_as_plain_text() -> None:
    assert normalize("ＡＢＣ１２３，小区") == normalize("abc123,小区")
    assert normalize("<p>小区&nbsp;电梯<br>坏了</p>") == "小区 电梯 坏了"
    assert normalize("电梯坏了😡😡") == "电梯坏了😡😡"
    assert normalize(12345) == "0"
    assert normalize(b"\xe5\xb0\x8f\xe5\x8c\xba") == "小区"


def test_noisy_variants_of_a_message_get_the_same_label(teddy_model: TextClassifier) -> None:
    plain = "学校乱收补课费，老师强制学生参加培训班"
    variants = [
        plain,
        "<div>学校乱收补课费，<b>老师</b>强制学生参加培训班</div>",
        "学校乱收补课费，老师强制学生参加培训班😡😡🙏",
        "学校乱收补课费，老师强制学生参加培训班 please help ＡＢＣ",
    ]
    result = teddy_model.predict(variants)
    assert len(set(result.labels)) == 1
    assert result.labels[0] == "教育文体"


def test_a_100_kb_message_is_labelled_quickly(teddy_model: TextClassifier) -> None:
    huge = "小区垃圾堆积无人清理，臭气熏天。" * 7000
    assert len(huge.encode("utf-8")) > 100_000
    started = time.perf_counter()
    result = teddy_model.predict([huge, 42, "mixed 中英文 text"])
    assert time.perf_counter() - started < 2.0
    assert all(result.labels)
    assert len(normalize(huge)) == MAX_CHARS
