"""The vocabulary of the canonical case record (../shared/ARCHITECTURE.md): what every importer maps to.

It is a leaf module — only data — so the row importer and the columnar fast path can share it without importing
each other.
"""

from __future__ import annotations

#: 诉求类型, the hotline's kind of request (GB/T 39666-2020 practice): Chinese or English names both accepted.
REQUEST_TYPES = {
    "咨询": "consultation",
    "投诉": "complaint",
    "举报": "report",
    "建议": "suggestion",
    "求助": "help",
    "表扬": "praise",
}
