"""The rejected-rows report (now shared with the sensor importers: :mod:`citybrain.core.reject_report`)."""

from citybrain.core.reject_report import REPORT_COLUMNS, RejectReport

__all__ = ["REPORT_COLUMNS", "RejectReport"]
