"""What a user may choose of the early warning (``analyze warnings``, ``alerts daily``), with its defaults.

Kept apart from the statistics and with nothing heavier than the standard library, so the command line can show
these defaults in ``--help`` without loading numpy, DuckDB or the scan's kernels. Defaults: docs/warnings.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from citybrain.core.errors import InvalidInput

#: The temporal series' default split: one series per category × district.
DEFAULT_KEYS = ("category", "district")
#: The scan's choices of circle centres besides the cells' centres, coarsest first (``--centres``).
CENTRES = ("cells", "corners", "half")


@dataclass(frozen=True)
class WarningOptions:
    """What ``analyze warnings`` and ``alerts daily`` let a user choose (defaults: docs/warnings.md)."""

    # Chosen on bench/scan_eval.py (docs/warnings.md): 250 m cells fit a neighbourhood-sized outbreak closely,
    # circles of at most 750 m keep the chance maximum down, circles round the grid's corners as well as the cells'
    # centres make trouble that straddles a cell border one cluster, and a 12-week baseline keeps a new cluster's own
    # cases from inflating its expectation (20 cases over 3 days on the city: 37 % found by day 3 with 1 km
    # cells and 28 days, 87.5 % with 500 m cells, 99 % with these). Calibration does not depend on them.
    cell_m: float = 250.0
    window_days: int = 84
    max_days: int = 7
    max_share: float = 0.1
    max_radius_m: float = 750.0
    centres: str = "corners"  # circle centres besides the cells': "cells" (none), "corners", "half" (+ side midpoints)
    min_cases: int = 1  # fewest cases in a cluster
    replicates: int = 999
    seed: int = 0
    min_recurrence_days: float = 100.0  # a cluster rarer by chance than once in this many days is a warning
    max_q: float = 0.05  # temporal: false discovery rate over the series judged (Benjamini–Hochberg)
    by: tuple[str, ...] = DEFAULT_KEYS

    def check_own(self) -> None:
        """The checks that need no statistics; ``analytics.warnings.check`` adds the scan's."""
        if not self.cell_m > 0:
            raise InvalidInput(f"--cell-m must be positive metres, got {self.cell_m}")
        if not 2 <= self.window_days <= 366:
            raise InvalidInput(f"--window-days must be 2 to 366, got {self.window_days}")
        if not 0 < self.max_q <= 1:
            raise InvalidInput(f"--max-q must be in (0, 1], got {self.max_q}")
        if self.centres not in CENTRES:
            raise InvalidInput(f"--centres must be one of {', '.join(CENTRES)}, got {self.centres!r}")
        if not self.min_recurrence_days >= 0:
            raise InvalidInput(f"--min-recurrence must be ≥ 0 days, got {self.min_recurrence_days}")
