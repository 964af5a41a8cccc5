"""Helpers of the sensor-file import tests: files in each layout, the command, what the SensorThings tables hold."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.models import Datastream, ImportBatch, Location, Observation, Thing

runner = CliRunner()

BEIJING_HEADER = "No,year,month,day,hour,PM2.5,PM10,SO2,NO2,CO,O3,TEMP,PRES,DEWP,RAIN,wd,WSPM,station"
PARKING_HEADER = "SystemCodeNumber,Capacity,Occupancy,LastUpdated"


def write_text(path: Path, lines: list[str]) -> Path:
    text = "\n".join(lines) + "\n"
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def air_row(no: int, when: str, values: str, station: str = "Teststation") -> str:
    """``when`` is 'YYYY,M,D,H'; ``values`` the six pollutants 'PM2.5,PM10,SO2,NO2,CO,O3'."""
    return f"{no},{when},{values},-1.0,1020.0,-20.0,0.0,NW,2.1,{station}"


def sensor_import(kind: str, *args: str) -> Result:
    return runner.invoke(app, ["import", kind, *args])


def table_counts(db: Database) -> dict[str, int]:
    with db.transaction() as session:
        return {
            model.__name__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Thing, Datastream, Observation, Location, ImportBatch)
        }


def numbers(output: str) -> dict[str, int]:
    flat = " ".join(output.split())
    patterns = {
        "read": r"rows read (\d+)",
        "imported": r"observations imported (\d+)",
        "present": r"already present (\d+)",
        "rejected": r"rejected (\d+)",
        "things": r"new Things (\d+)",
        "datastreams": r"new Datastreams (\d+)",
    }
    return {k: int(m.group(1)) for k, p in patterns.items() if (m := re.search(p, flat))}


def observations(db: Database, datastream_name: str) -> list[Any]:
    with db.transaction() as session:
        statement = (
            select(Observation)
            .join(Datastream, Datastream.id == Observation.datastream_id)
            .where(Datastream.name == datastream_name)
            .order_by(Observation.phenomenon_time_start, Observation.id)
        )
        rows = list(session.scalars(statement))
        session.expunge_all()
        return rows
