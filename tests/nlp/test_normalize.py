"""Cleaning folds text as NFKC does, whatever shortcut it takes for the common Chinese case."""

from __future__ import annotations

import unicodedata

from citybrain.nlp.normalize import nfkc


def test_cleaning_folds_every_character_as_nfkc_does() -> None:
    characters = [chr(c) for c in range(0x21, 0x30000) if not 0xD800 <= c < 0xF900]
    texts = ["".join(characters[i : i + 64]) for i in range(0, len(characters), 64)]
    texts += ["Ａ\u0301ｂ", "投诉\u3000电话１２３４５，请回复！", "ｅｌｅｖａｔｏｒ（电梯）坏了"]
    for text in texts:
        assert nfkc(text) == unicodedata.normalize("NFKC", text), text
