"""The intake model is read once, looked at no more than once a second, and re-read when its file changes."""

from __future__ import annotations

import shutil
from pathlib import Path

from citybrain.core.settings import Settings
from citybrain.triage.model_cache import ModelCache


def test_the_file_is_looked_at_once_a_second_and_a_retrained_model_is_picked_up(
    model_file: Path, tmp_path: Path
) -> None:
    path = tmp_path / "model.npz"
    settings = Settings(data_dir=tmp_path, classify_model_path=path)
    cache = ModelCache(recheck_seconds=3600)
    missing = cache.get(settings)
    assert missing.model is None
    assert missing.problem
    assert "model.npz" in missing.problem
    assert str(tmp_path) not in missing.problem  # shown on cases: the server's directories stay private
    shutil.copy(model_file, path)
    assert cache.get(settings).model is None  # not looked at again within the recheck interval
    cache.recheck_seconds = 0
    assert cache.get(settings).model is not None  # the next look finds the new file
