"""Inspections as the API shows them; free text masked for roles without ``see_pii`` (a worker may have written
a passer-by's phone number into the description)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from citybrain.core.privacy import mask_text
from citybrain.grid.schemas import InspectionOut
from citybrain.models import Case, Department, Inspection


def inspection_out(session: Session, found: Inspection, case: Case, worker_code: str, *, pii: bool) -> InspectionOut:
    department = session.get(Department, case.department_id) if case.department_id is not None else None

    def text(value: str | None) -> str | None:
        return value if pii else mask_text(value)

    return InspectionOut(
        id=found.id,
        case_id=case.id,
        case_status=case.status,
        worker_code=worker_code,
        cell_code=found.cell_code,
        district_code=case.district_code,
        category_code=case.category_code,
        description=text(case.text),
        lat=case.lat,
        lon=case.lon,
        found_at=found.found_at,
        photo_ref=found.photo_ref,
        department_code=department.code if department is not None else None,
        on_spot_at=found.on_spot_at,
        on_spot_record=text(found.on_spot_record),
        on_spot_photo_ref=found.on_spot_photo_ref,
    )
