"""Cases with the citizen's personal data as CSV (个人信息导出): what an export holds, and nothing else.

The cells are as stored — the caller may see them unmasked (``see_pii``) and the route logs the export — except
that a cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from citybrain.core import clock
from citybrain.models import Case, CaseContact

COLUMNS = (
    "id",
    "created_at",
    "status",
    "channel",
    "category_code",
    "department_code",
    "district_code",
    "address",
    "title",
    "text",
    "contact_name",
    "contact_phone",
    "contact_email",
    "contact_id_number",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cases_csv(cases: Sequence[Case], codes: dict[int, str], contacts: dict[int, CaseContact]) -> str:
    """The CSV text (with a BOM, so that a spreadsheet reads the Chinese as UTF-8)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for case in cases:
        contact = contacts.get(case.id)
        who = (contact.name, contact.phone, contact.email, contact.id_number) if contact else (None,) * 4
        department = codes.get(case.department_id) if case.department_id else None
        row = (case.id, clock.iso(case.created_at), case.status, case.channel, case.category_code, department)
        writer.writerow([_cell(v) for v in (*row, case.district_code, case.address, case.title, case.text, *who)])
    return buffer.getvalue()


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text
