"""Generated gate reads on Birmingham days: consistent with the occupancy, and pairing recovers the planted truth."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest
from sqlalchemy import select

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models.parking import GateEvent, ParkingSession
from citybrain.scenarios.parking import birmingham, ingest, repository, service
from citybrain.scenarios.parking.generator import Read, Series, generate
from tests.conftest import shared_path

FILE = ("data", "birmingham_parking", "parking_birmingham_uci_dataset.csv.gz")
CODES = ["BHMBCCMKT01", "BHMNCPNST01", "Broad Street"]


def _series() -> list[Series]:
    return birmingham.days(shared_path(*FILE), date(2016, 11, 8), codes=CODES)


def test_the_reads_follow_the_occupancy() -> None:
    series = _series()
    reads, truth = generate(series, seed=3, misread=0.0, duplicate=0.0)
    assert truth.misreads == []
    for s in series:
        mine = [r for r in reads if r.car_park == s.code]
        at = np.array([r.at for r in mine])
        step = np.array([1 if r.direction == "in" else -1 for r in mine])
        inside = [int(step[at <= t].sum()) for t in s.times]
        assert inside == [int(v) for v in np.clip(s.occupancy, 0, None)]


def _read_in(r: Read) -> ingest.ReadIn:
    return ingest.ReadIn(r.car_park, r.gate, r.direction, r.plate, datetime.fromtimestamp(r.at, UTC), r.confidence)


def _ingest(db: Database, settings: Settings, reads: list[Read], batch: int = 250) -> None:
    for i in range(0, len(reads), batch):
        chunk = [_read_in(r) for r in reads[i : i + batch]]
        with db.transaction() as session:
            ingest.ingest(session=session, reads=chunk, gate_park=None, settings=settings)


@pytest.mark.slow
def test_pairing_recovers_every_planted_misread_and_duplicate(db: Database, settings: Settings) -> None:
    series = _series()
    with db.transaction() as s:
        for code in CODES:
            service.save_car_park(session=s, code=code, name=code, lat=52.48, lon=-1.9, capacity=2000)
    reads, truth = generate(series, seed=7, misread=0.05, duplicate=0.03)
    assert len(truth.misreads) > 20
    assert len(truth.duplicates) > 20
    _ingest(db, settings, reads)
    with db.transaction() as s:
        events = list(s.scalars(select(GateEvent).order_by(GateEvent.at, GateEvent.id)))
        stays = {x.id: x for x in s.scalars(select(ParkingSession))}
        codes = {p.id: p.code for p in repository.car_parks(s)}
    assert len(events) == len(reads)
    lookup = {(codes[e.car_park_id], e.direction, e.plate_read, int(e.at.timestamp())): e for e in events}
    for index, true_plate, shown in truth.misreads:
        r = reads[index]
        e = lookup[(r.car_park, r.direction, shown, r.at)]
        assert e.outcome == "close", (true_plate, shown, e.explanation)
        assert e.session_id is not None
        assert stays[e.session_id].plate == true_plate
        assert e.rule == "lookalike"
    assert sum(e.outcome == "duplicate" for e in events) == len(truth.duplicates)
    assert sum(e.outcome == "orphan_exit" for e in events) == 0
    assert {s.status for s in stays.values()} == {"closed"}
    assert len(stays) == len(truth.exits)
