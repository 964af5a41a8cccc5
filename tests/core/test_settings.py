from __future__ import annotations

from pathlib import Path

import pytest

from citybrain.core.errors import InvalidInput
from citybrain.core.settings import Settings, load_settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`CITYBRAIN_{name.upper()}`" not in text]
    assert missing == [], f"settings missing from docs/settings.md: {missing}"


def test_every_setting_has_a_description() -> None:
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


def test_environment_is_read_when_loaded_not_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", "postgresql+psycopg://x@h/db")
    monkeypatch.setenv("CITYBRAIN_REMIND_FRACTION", "0.5")
    settings = load_settings()
    assert settings.resolved_database_url() == "postgresql+psycopg://x@h/db"
    assert settings.remind_fraction == 0.5


def test_default_database_is_sqlite_in_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url() == f"sqlite:///{tmp_path.as_posix()}/citybrain.db"


def test_bad_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYBRAIN_REMIND_FRACTION", "2")
    with pytest.raises(InvalidInput, match="CITYBRAIN_REMIND_FRACTION"):
        load_settings()
