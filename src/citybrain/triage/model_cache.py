"""The intake classifier, loaded once per process and re-read when its file changes (after a retrain).

Why: loading a model file costs ~0.3 s; intake reads every new case, so the model is kept in memory. The file is
looked at (a stat) at most once a second, which notices a retrained model without a restart and costs nothing per
request (a stat per request was an eighth of the server's time under load). A missing or unreadable file is
not an error for intake: cases are still routed by the citizen's service_code and the reasons say "no model".
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from citybrain.core.errors import InvalidInput
from citybrain.core.settings import Settings
from citybrain.nlp import persistence
from citybrain.nlp.model import TextClassifier


@dataclass(frozen=True)
class LoadedModel:
    """The model (None: none usable), the city's threshold for it, and why there is none."""

    model: TextClassifier | None
    path: Path
    threshold: float
    problem: str | None = None

    @property
    def created_at(self) -> str | None:
        return str(self.model.info.get("created_at")) if self.model is not None else None


class ModelCache:
    """One loaded model per file path and modification time; safe to share between threads."""

    def __init__(self, *, recheck_seconds: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._loaded: dict[Path, tuple[float | None, LoadedModel]] = {}
        self._checked: dict[Path, float] = {}
        self.recheck_seconds = recheck_seconds

    def get(self, settings: Settings) -> LoadedModel:
        path = settings.resolved_classify_model_path()
        now = time.monotonic()
        known = self._loaded.get(path)
        if known is not None and now - self._checked.get(path, -1e18) < self.recheck_seconds:
            return _with_threshold(known[1], settings)
        mtime = _mtime(path)
        self._checked[path] = now
        with self._lock:
            known = self._loaded.get(path)
            if known is not None and known[0] == mtime:
                return _with_threshold(known[1], settings)
            loaded = _load(path, mtime)
            self._loaded[path] = (mtime, loaded)
            return _with_threshold(loaded, settings)

    def clear(self) -> None:
        with self._lock:
            self._loaded.clear()
            self._checked.clear()


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def _load(path: Path, mtime: float | None) -> LoadedModel:
    if mtime is None:
        # The reasons are shown on every case (desk, API): name the file, not the server's directories.
        problem = f"no model file {path.name} (train one: citybrain classify train; see CITYBRAIN_CLASSIFY_MODEL_PATH)"
        return LoadedModel(None, path, 1.0, problem)
    try:
        model = persistence.load(path)
    except InvalidInput as exc:  # another format version, not a model: say so on every case, never crash
        return LoadedModel(None, path, 1.0, str(exc))
    return LoadedModel(model, path, model.threshold)


def _with_threshold(loaded: LoadedModel, settings: Settings) -> LoadedModel:
    """The city's threshold wins over the one the model chose at training (0 = keep the model's)."""
    wanted = settings.triage_confidence_threshold
    if loaded.model is None or not wanted or wanted == loaded.threshold:
        return loaded
    return LoadedModel(loaded.model, loaded.path, wanted, loaded.problem)


#: The process's cache (server workers and CLI commands each have their own process).
MODELS = ModelCache()


def intake_model(settings: Settings) -> LoadedModel:
    return MODELS.get(settings)
