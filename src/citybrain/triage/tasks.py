"""Side effects of triage decisions, run after the transaction committed (a rolled-back decision teaches nothing)."""

from __future__ import annotations

from pathlib import Path

from citybrain.nlp import service as nlp_service
from citybrain.triage.queue import Correction


def learn(data_dir: Path, correction: Correction | None) -> None:
    """Append an operator's category decision to the corrections file that ``classify retrain`` reads."""
    if correction is None:
        return
    path = nlp_service.corrections_path(data_dir)
    nlp_service.add_correction(path, text=correction.text, label=correction.label, source=correction.source)
