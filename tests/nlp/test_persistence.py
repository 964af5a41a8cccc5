from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from citybrain.core.errors import InvalidInput
from citybrain.nlp import persistence
from citybrain.nlp.model import TextClassifier
from tests.nlp.conftest import Rows


def test_saved_model_predicts_exactly_as_before(
    teddy_model: TextClassifier, teddy_split: tuple[Rows, Rows], tmp_path: Path
) -> None:
    path = persistence.save(teddy_model, tmp_path / "m.npz")
    assert path.stat().st_size < 50_000_000
    loaded = persistence.load(path)
    texts = [r[1] for r in teddy_split[1]]
    before, after = teddy_model.predict(texts), loaded.predict(texts)
    assert before.labels == after.labels
    np.testing.assert_allclose(before.confidence, after.confidence, rtol=1e-5)
    assert loaded.info["libraries"]["scikit-learn"]
    assert loaded.threshold == pytest.approx(teddy_model.threshold)


def _rewrite_header(path: Path, **changes: object) -> None:
    with np.load(path, allow_pickle=False) as arrays:
        data = {k: arrays[k] for k in arrays.files}
    header = json.loads(str(data["header"]))
    header.update(changes)
    data["header"] = np.array(json.dumps(header))
    np.savez_compressed(path, **data)


def test_a_model_of_another_format_version_is_refused_clearly(teddy_model: TextClassifier, tmp_path: Path) -> None:
    path = persistence.save(teddy_model, tmp_path / "m.npz")
    _rewrite_header(path, format_version=persistence.FORMAT_VERSION + 1)
    with pytest.raises(InvalidInput, match="format version 2.*Retrain"):
        persistence.load(path)


@pytest.mark.parametrize("content", [b"", b"not a model", b"PK\x03\x04garbage"])
def test_a_file_that_is_not_a_model_is_refused_clearly(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "m.npz"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match="not a CityBrain classifier model"):
        persistence.load(path)


def test_an_npz_of_something_else_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    np.savez(path, x=np.arange(3))
    assert zipfile.is_zipfile(path)
    with pytest.raises(InvalidInput, match="not a CityBrain classifier model"):
        persistence.load(path)


def test_a_missing_model_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="classify train"):
        persistence.load(tmp_path / "nope.npz")
