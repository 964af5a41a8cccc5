"""Spatial and space-time scan statistics (时空扫描): find where and when cases cluster more than expected.

The prospective space-time permutation scan (Kulldorff et al. 2005, SaTScan's "space-time permutation" model) needs
only case counts per cell and day — no population — and answers, each day, "is something happening *now*, and
where?". See :func:`citybrain.analytics.scan.stpscan.scan`.
"""

from citybrain.analytics.scan.stpscan import Cluster, Members, ScanConfig, ScanResult, scan

__all__ = ["Cluster", "Members", "ScanConfig", "ScanResult", "scan"]
