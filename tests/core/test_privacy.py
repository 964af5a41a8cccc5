from __future__ import annotations

from citybrain.core.privacy import mask_email, mask_id_number, mask_name, mask_phone, mask_text


def test_masks_phone_id_and_email_inside_text() -> None:
    text = "我叫张三,电话13812345678,身份证430102199001011234,邮箱zhangsan@example.com"
    masked = mask_text(text)
    assert masked is not None
    assert "13812345678" not in masked
    assert "138****5678" in masked
    assert "430102199001011234" not in masked
    assert "430102********1234" in masked
    assert "zhangsan@" not in masked
    assert "z***@example.com" in masked


def test_masks_us_phone_and_landline() -> None:
    masked = mask_text("call (212) 555-1234 or 0731-88886666")
    assert masked is not None
    assert "555-1234" not in masked
    assert "1234" in masked
    assert "88886666" not in masked


def test_field_masks() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三丰") == "张**"
    assert mask_email("a.b@x.org") == "a***@x.org"
    assert mask_id_number("430102199001011234") == "430102********1234"
    assert mask_text(None) is None
