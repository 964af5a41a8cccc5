"""Model files: plain numpy arrays in one compressed ``.npz`` plus a JSON header — no pickle.

A pickle runs code when loaded and breaks when scikit-learn changes; arrays and JSON do neither. The header names
the file format and its version, and the library versions that trained it. A file of another format version is
refused with a clear message instead of being read wrongly.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import scipy
import sklearn

from citybrain.core.clock import iso, utcnow
from citybrain.core.errors import InvalidInput
from citybrain.nlp.features import FeatureConfig, Vectorizer
from citybrain.nlp.model import TextClassifier

FORMAT = "citybrain-text-classifier"
FORMAT_VERSION = 1


def save(model: TextClassifier, path: Path) -> Path:
    """Write atomically: a crash half-way leaves the old model file, never a broken one."""
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": iso(utcnow()),
        "libraries": library_versions(),
        "labels": list(model.labels),
        "temperature": model.temperature,
        "threshold": model.threshold,
        "features": vars(model.vectorizer.config),
        "info": model.info,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with open(tmp, "wb") as out:
            np.savez_compressed(
                out,
                header=np.array(json.dumps(header, ensure_ascii=False)),
                vocabulary=model.vectorizer.vocabulary,
                idf=model.vectorizer.idf.astype(np.float32),
                coef=model.coef,
                intercept=model.intercept,
            )
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def load(path: Path) -> TextClassifier:
    """Read a model file; anything that is not a model of this format version raises ``InvalidInput``."""
    if not path.is_file():
        raise InvalidInput(f"model file {path} does not exist (train one with `citybrain classify train`)")
    try:
        with np.load(path, allow_pickle=False) as arrays:
            header = _header(path, arrays)
            vectorizer = Vectorizer(
                config=FeatureConfig(**header["features"]),
                vocabulary=arrays["vocabulary"],
                idf=arrays["idf"].astype(np.float64),
            )
            return TextClassifier(
                vectorizer=vectorizer,
                labels=tuple(header["labels"]),
                coef=arrays["coef"],
                intercept=arrays["intercept"],
                temperature=float(header["temperature"]),
                threshold=float(header["threshold"]),
                info={**header["info"], "created_at": header["created_at"], "libraries": header["libraries"]},
            )
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"{path} is not a CityBrain classifier model file ({exc})") from None


def _header(path: Path, arrays: Any) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(str(arrays["header"]))
    if header.get("format") != FORMAT:
        raise InvalidInput(f"{path} is not a CityBrain classifier model file")
    version = header.get("format_version")
    if version != FORMAT_VERSION:
        raise InvalidInput(
            f"{path} is a model of format version {version} (trained with {header.get('libraries')}); this "
            f"CityBrain reads format version {FORMAT_VERSION}. Retrain it with `citybrain classify train`."
        )
    return header


def library_versions() -> dict[str, str]:
    from citybrain import __version__ as citybrain_version

    return {
        "citybrain": citybrain_version,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
    }
