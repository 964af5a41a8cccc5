"""Collision records stored: importing a collision file (all or nothing, with a report of the rows refused), reading
them back as a ``Collisions``, and the blind-zone run stored through the insight registry (kind ``blind_zones``)
so the cockpit's map layer reads the latest one.

Import rules: the whole file is one transaction. A file that cannot be read (missing columns, wrong encoding,
unknown format) writes nothing. A row without a collision id, or repeating one already in the file, is refused and
listed in ``<data_dir>/import-reports/``; a row already stored (same source and id) is skipped; more than half the
rows refused means the wrong file, and nothing is written. The same file (same bytes) again adds nothing.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from citybrain.core.clock import utcnow
from citybrain.core.db import Database
from citybrain.core.errors import ImportRejected, InvalidInput
from citybrain.core.ids import file_sha256
from citybrain.core.reject_report import RejectReport, import_in_transaction
from citybrain.insight.service import ResultItem, RunRecord, save
from citybrain.scenarios.traffic_safety import repository
from citybrain.scenarios.traffic_safety.blind_zones import BlindZoneParams, BlindZoneResult, analyse
from citybrain.scenarios.traffic_safety.readers import read_collisions
from citybrain.scenarios.traffic_safety.records import Collisions

RUN_KIND = "blind_zones"
MAX_REJECTED_SHARE = 0.5


@dataclass
class CollisionImportSummary:
    file_name: str
    source: str
    sha256: str
    read: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: int = 0
    dry_run: bool = False
    already_imported: bool = False
    batch_id: int | None = None
    report_path: str | None = None


def import_collision_file(
    db: Database, path: Path, fmt: str, *, near_side: str | None = None, dry_run: bool = False
) -> CollisionImportSummary:
    """Import one collision file, or raise InvalidInput/ImportRejected having written nothing."""
    if not path.is_file():
        raise ImportRejected(f"{path}: no such file")
    malformed: list[tuple[int, str, str]] = []
    collisions = read_collisions(path, fmt, near_side=near_side, rejects=malformed)
    summary = CollisionImportSummary(file_name=path.name, source=fmt, sha256=file_sha256(path), dry_run=dry_run)
    report = RejectReport(db.settings.data_dir / "import-reports", f"collisions-{fmt}", path.name)
    for row, cid, reason in malformed:
        report.add(row, cid or None, "rejected", reason)
    kept = import_in_transaction(
        db,
        report,
        lambda session: _import(session, collisions, path.name, summary, report, len(malformed)),
        conflict=(
            f"{path.name}: the same records were being imported by someone else at the same time; nothing was "
            "written — run the import again"
        ),
        dry_run=dry_run,
    )
    if dry_run:
        summary.batch_id = None
    summary.report_path = str(kept) if kept else None
    return summary


def _import(
    session: Session,
    collisions: Collisions,
    name: str,
    summary: CollisionImportSummary,
    report: RejectReport,
    malformed: int,
) -> None:
    kind = f"collisions-{collisions.source}"
    previous = repository.find_batch(session, kind=kind, sha256=summary.sha256)
    summary.read = len(collisions) + malformed
    if previous is not None:
        summary.already_imported, summary.batch_id = True, previous.id
        summary.skipped = previous.rows_imported + previous.rows_skipped
        return
    if summary.read == 0:
        raise ImportRejected(f"{name}: no data rows (only a header)")
    keep = _valid_rows(collisions, report)
    summary.rejected = summary.read - len(keep)
    if summary.rejected > summary.read * MAX_REJECTED_SHARE:
        raise ImportRejected(
            f"{name}: {summary.rejected} of {summary.read} rows are invalid (more than {MAX_REJECTED_SHARE:.0%}), "
            "so this is not a usable collision file; nothing was written"
        )
    present = repository.stored_ids(session, source=collisions.source, ids=[collisions.ids[i] for i in keep])
    fresh = [i for i in keep if collisions.ids[i] not in present]
    summary.skipped = len(keep) - len(fresh)
    now = utcnow()
    batch = repository.create_batch(session, kind=kind, file_name=name, sha256=summary.sha256, started_at=now)
    summary.batch_id = batch.id
    repository.add_records(session, [_record(collisions, i, batch.id, now, report) for i in fresh])
    summary.imported = len(fresh)
    batch.rows_read, batch.rows_imported = summary.read, summary.imported
    batch.rows_skipped, batch.rows_rejected = summary.skipped, summary.rejected
    batch.report_path = str(report.path) if report.lines else None
    batch.finished_at = utcnow()
    session.flush()


def _valid_rows(collisions: Collisions, report: RejectReport) -> list[int]:
    seen: set[str] = set()
    keep = []
    for i, cid in enumerate(collisions.ids):
        row = collisions.rows[i]
        if not cid:
            report.add(row, None, "rejected", "no collision id")
        elif len(cid) > 64:
            report.add(row, cid[:64], "rejected", "collision id longer than 64 characters")
        elif cid in seen:
            report.add(row, cid, "rejected", "collision id repeated in the file")
        else:
            seen.add(cid)
            keep.append(i)
    return keep


def _record(c: Collisions, i: int, batch_id: int, now: Any, report: RejectReport) -> dict[str, Any]:
    occurred = _day(c.dates[i]) if c.dates else None
    if c.dates and c.dates[i] and occurred is None:
        report.add(c.rows[i], c.ids[i], "kept", f"date {c.dates[i]!r} not understood; stored without a date")
    return {
        "source": c.source, "collision_id": c.ids[i], "occurred_on": occurred,
        "lat": _float(c.lat[i]), "lon": _float(c.lon[i]),
        "on_street": c.on_street[i][:200], "cross_street": c.cross_street[i][:200],
        "at_junction": bool(c.at_junction[i]), "vehicle_types": "|".join(c.vehicles[i])[:500],
        "manoeuvres": "|".join(c.manoeuvres[i])[:500], "vulnerable_hurt": bool(c.vulnerable_hurt[i]),
        "near_side": c.near_side, "batch_id": batch_id, "imported_at": now,
    }  # fmt: skip


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _float(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def stored_collisions(session: Session, *, source: str | None, near_side: str | None = None) -> Collisions:
    """The stored records of one source (the only one stored, when ``source`` is None) as a ``Collisions``."""
    counts = repository.sources(session)
    if not counts:
        raise InvalidInput("no collision records stored: import some with `citybrain import collisions FILE`")
    if source is None:
        if len(counts) > 1:
            raise InvalidInput(f"records of several sources are stored ({', '.join(sorted(counts))}): pick one "
                               "with --format (one city and one way of recording per analysis)")  # fmt: skip
        source = next(iter(counts))
    if source not in counts:
        raise InvalidInput(f"no {source} collision records stored (stored: {', '.join(sorted(counts))})")
    rows = repository.records(session, source=source)
    sides = Counter(r.near_side for r in rows)
    side = near_side or sides.most_common(1)[0][0]
    if near_side is None and len(sides) > 1:
        raise InvalidInput(f"the stored {source} records were imported with both near sides: say --near-side")
    return Collisions(
        source=source, near_side=side, ids=tuple(r.collision_id for r in rows),
        dates=tuple(r.occurred_on.isoformat() if r.occurred_on else "" for r in rows),
        lat=np.array([np.nan if r.lat is None else r.lat for r in rows], dtype=np.float64),
        lon=np.array([np.nan if r.lon is None else r.lon for r in rows], dtype=np.float64),
        on_street=tuple(r.on_street for r in rows), cross_street=tuple(r.cross_street for r in rows),
        at_junction=np.array([r.at_junction for r in rows], dtype=bool),
        vehicles=tuple(tuple(v for v in r.vehicle_types.split("|") if v) for r in rows),
        manoeuvres=tuple(_moves(r.vehicle_types, r.manoeuvres) for r in rows),
        vulnerable_hurt=np.array([r.vulnerable_hurt for r in rows], dtype=bool),
    )  # fmt: skip


def _moves(vehicles: str, moves: str) -> tuple[str, ...]:
    count = len([v for v in vehicles.split("|") if v])
    parts = tuple(moves.split("|")) if moves else ()
    return parts if len(parts) == count else ("",) * count


def run_record(result: BlindZoneResult, source: str) -> RunRecord:
    """The run as stored: one item per junction that has a blind-zone collision (the rest are counted in the
    summary), ranked as the analysis ranks them, keyed by junction id, scored by q-value."""
    items = [
        ResultItem(key=j.id, score=j.q_value, payload=dataclasses.asdict(j) | {"collision_ids": list(j.collision_ids)})
        for j in result.junctions
        if j.blind_zone > 0
    ]
    return RunRecord(kind=RUN_KIND, source=source, params=result.params, summary=result.summary, items=items)


def analyse_stored(
    db: Database, params: BlindZoneParams, *, source: str | None, near_side: str | None, store: bool
) -> tuple[BlindZoneResult, int | None]:
    """The analysis over the stored records; stored as a run (its id returned) unless ``store`` is False."""
    with db.reading() as session:
        collisions = stored_collisions(session, source=source, near_side=near_side)
    result = analyse(collisions, params)
    result.params["input"] = f"stored {collisions.source} collision records"
    if not store:
        return result, None
    with db.transaction() as session:
        run_id = save(session, run_record(result, f"stored {collisions.source} collision records"))
    return result, run_id


def recommended_geojson(session: Session, *, limit: int = 1000) -> dict[str, Any]:
    """The latest stored blind-zone run's recommended junctions as a GeoJSON FeatureCollection of points (the
    cockpit's map layer): each with its name, counts, expectation, p, q and collision ids. No run stored yet: an
    empty collection with ``run`` null. Junctions without a position are left out (counted in ``unplaced``)."""
    from citybrain.core.errors import NotFound
    from citybrain.insight.service import latest

    try:
        run = latest(session, RUN_KIND, limit=limit)
    except NotFound:
        return {"type": "FeatureCollection", "features": [], "run": None, "unplaced": 0}
    chosen = [r["payload"] for r in run["results"] if r["payload"].get("recommend")]
    placed = [j for j in chosen if j.get("lat") is not None and j.get("lon") is not None]
    features = [
        {
            "type": "Feature",
            "id": j["id"],
            "geometry": {"type": "Point", "coordinates": [j["lon"], j["lat"]]},
            "properties": {
                k: j[k]
                for k in ("id", "name", "collisions", "blind_zone", "expected", "p_value", "q_value", "collision_ids")
            },  # fmt: skip
        }
        for j in placed
    ]
    head = {k: run.get(k) for k in ("id", "source", "finished_at")}
    return {"type": "FeatureCollection", "features": features, "run": head, "unplaced": len(chosen) - len(placed)}
