"""The label mechanism: one flat catalogue from the registries, both languages required, one rate format."""

from __future__ import annotations

import pytest

from citybrain.core import i18n


def test_sections_flatten_into_one_catalogue_and_come_back_out() -> None:
    labels = i18n.catalogue({"status": {"open": ("待处理", "open")}, "kpi": {"received": ("受理量", "received")}})
    assert labels == {"status.open": ("待处理", "open"), "kpi.received": ("受理量", "received")}
    assert i18n.section(labels, "kpi") == {"received": ("受理量", "received")}
    assert i18n.bilingual(labels["kpi.received"]) == "受理量 received"


def test_a_label_without_its_english_is_refused() -> None:
    with pytest.raises(ValueError, match=r"status\.open needs both"):
        i18n.catalogue({"status": {"open": ("待处理", "")}})


def test_a_rate_is_a_percentage_and_no_data_is_a_dash_not_zero() -> None:
    assert i18n.percent(0.8735) == "87.4%"
    assert i18n.percent(0.0) == "0.0%"
    assert i18n.percent(None) == "—"
