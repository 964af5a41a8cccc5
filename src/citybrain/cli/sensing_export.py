"""``citybrain sensing export``: stored observations as FIWARE Smart Data Models in NGSI-LD JSON-LD."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from citybrain.cli.common import console, handle_errors, open_database, write_whole
from citybrain.core.errors import InvalidInput


@handle_errors
def command(
    entity_type: Annotated[
        str, typer.Option("--type", help="AirQualityObserved (air stations, hour by hour) or OffStreetParking.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Write the entities here (a JSON array).")],
    fmt: Annotated[str, typer.Option("--format", help="Only ngsi-ld (NGSI-LD JSON-LD).")] = "ngsi-ld",
    key_values: Annotated[
        bool, typer.Option("--key-values/--normalized", help="keyValues (plain values) or normalized (default).")
    ] = False,
    first: Annotated[str | None, typer.Option("--from", help="AirQualityObserved: first local day.")] = None,
    last: Annotated[
        str | None,
        typer.Option("--to", help="Last local day (default: today). OffStreetParking: the state at the end of it."),
    ] = None,
) -> None:
    """Export stored observations as Smart Data Models entities in NGSI-LD JSON-LD (ETSI GS CIM 009).

    AirQualityObserved: one entity per station and hour (id urn:ngsi-ld:AirQualityObserved:<station>:<time>) with
    pm25, pm10, so2, no2, co, o3 (Property with observedAt and unitCode: GQ µg/m³, GP mg/m³), airQualityIndex and
    airQualityLevel (HJ 633-2012 hourly), location (GeoProperty), over --from … --to (at most 31 days; default the
    last day). OffStreetParking: one entity per car park at its latest good reading (totalSpotNumber,
    availableSpotNumber, occupiedSpotNumber, occupancy 0…1, status). Readings not marked pass are left out. The
    @context is the model's published context, named by URL (not fetched).

    Example: citybrain sensing export --type OffStreetParking --key-values --out parking.jsonld
    """
    import json

    from citybrain.core import clock
    from citybrain.sensing import export, ngsi_ld

    if fmt != "ngsi-ld":
        raise InvalidInput(f"--format takes ngsi-ld, not {fmt!r}")
    if entity_type not in ngsi_ld.TYPES:
        raise InvalidInput(f"--type takes {' or '.join(ngsi_ld.TYPES)}, not {entity_type!r}")
    with open_database() as db, db.reading() as session:
        timezone = db.settings.timezone
        end = _day(last, "--to") or clock.city_today(timezone)
        if entity_type == "OffStreetParking":
            until = clock.local_midnight_utc(end + timedelta(days=1), timezone)
            entities = export.parking_entities(session, until=until, key_values=key_values)
        else:
            start = _day(first, "--from") or end
            entities = export.air_entities(session, timezone=timezone, first=start, last=end, key_values=key_values)
    write_whole(out, json.dumps(entities, ensure_ascii=False, indent=1))
    console.print(f"{len(entities):,} {entity_type} entit(y/ies) → {out}", highlight=False)


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} takes a date YYYY-MM-DD, not {value!r}") from None
