"""Bilingual labels (中文 first, English beside) and how a rate is shown: the mechanism, not the words.

Design: ``core`` imports nothing of ours, so this module knows no KPI, status or action. Each name is declared once
in its domain's registry — ``cases.kpis.KPIS`` (with short heads for narrow tables), ``cases.lifecycle.STATUS_NAMES``
and ``TRANSITIONS`` (Chinese and English action names), ``alerts.service.STATUS_NAMES`` and ``ACTION_NAMES``. A layer
that may import the domains assembles them with :func:`catalogue` into one flat ``LABELS`` dict: ``web/labels.py``
for the pages (through the Jinja environment) and the desk (as JSON). The CLI and the Excel report read the same
registries directly.
"""

from __future__ import annotations

from collections.abc import Mapping

#: (中文, English)
Label = tuple[str, str]


def catalogue(sections: Mapping[str, Mapping[str, Label]]) -> dict[str, Label]:
    """One flat catalogue keyed ``"<section>.<name>"`` (``"kpi.response_rate": ("响应率", "response rate")``).

    ValueError when a label lacks either language, so a new status or action cannot ship half-named.
    """
    labels: dict[str, Label] = {}
    for section, names in sections.items():
        for name, (zh, en) in names.items():
            if not zh or not en:
                raise ValueError(f"label {section}.{name} needs both a Chinese and an English name, got {(zh, en)}")
            labels[f"{section}.{name}"] = (zh, en)
    return labels


def section(labels: Mapping[str, Label], name: str) -> dict[str, Label]:
    """The labels of one section, keyed by the bare name (``section(LABELS, "status")["received"]``)."""
    prefix = name + "."
    return {key.removeprefix(prefix): label for key, label in labels.items() if key.startswith(prefix)}


def bilingual(label: Label, sep: str = " ") -> str:
    """``响应率 response rate``: Chinese first, English beside."""
    return f"{label[0]}{sep}{label[1]}"


def percent(value: float | None) -> str:
    """A share in 0..1 as shown to people: ``87.4%``; ``—`` when there is no data (never 0%)."""
    return "—" if value is None else f"{value * 100:.1f}%"
