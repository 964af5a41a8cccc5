"""NYC 311 service requests (NYC Open Data erm2-nwe9) mapped to the canonical case.

Times in the file are New York local time (America/New_York), whatever the city's own zone is. A complaint
type we have no mapping for keeps ``category`` empty and its text in ``source_category``: an unmapped type is
not a bad row. Rows closed before they were created (real in the data) are kept with ``closed_at`` empty.
Column names are normalised (``Unique Key`` = ``unique_key``), so both the SODA API and the UI export work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from citybrain.intake.bulk.common import (
    ImportOptions,
    MapContext,
    MappedRow,
    RowRejected,
    base_case,
    clip,
    drop_impossible_end,
    finish_case,
    parse_time,
    required_time,
    text_value,
)
from citybrain.intake.bulk.readers import TableReader, open_table, require_columns

NEW_YORK = ZoneInfo("America/New_York")
REQUIRED = {"unique_key", "created_date", "complaint_type", "agency"}

#: complaint_type → category code. Descriptor-level refinements are in DESCRIPTOR_CATEGORIES.
COMPLAINT_CATEGORIES = {
    "noise - residential": "noise.residential",
    "noise - street/sidewalk": "noise.traffic",
    "noise - vehicle": "noise.traffic",
    "noise - commercial": "noise.commercial",
    "noise - park": "noise",
    "noise - helicopter": "noise",
    "noise - house of worship": "noise",
    "noise": "noise",
    "illegal parking": "parking.illegal",
    "blocked driveway": "parking.blocked_driveway",
    "derelict vehicles": "parking",
    "abandoned vehicle": "parking",
    "broken parking meter": "parking",
    "heat/hot water": "heating.no_heat",
    "non-residential heat": "heating",
    "boilers": "heating",
    "street condition": "roads.damage",
    "highway condition": "roads.damage",
    "sidewalk condition": "roads.damage",
    "curb condition": "roads.damage",
    "bridge condition": "roads",
    "traffic signal condition": "roads.signals",
    "street light condition": "utilities.power",
    "street sign - damaged": "roads",
    "street sign - missing": "roads",
    "street sign - dangling": "roads",
    "general construction/plumbing": "construction.site",
    "building/use": "construction.illegal",
    "emergency response team (ert)": "construction",
    "special projects inspection team (spit)": "construction",
    "unsanitary condition": "housing.property",
    "paint/plaster": "housing.property",
    "plumbing": "housing.property",
    "door/window": "housing.property",
    "general": "housing.property",
    "electric": "housing.property",
    "flooring/stairs": "housing.property",
    "appliance": "housing.property",
    "safety": "housing.property",
    "outside building": "housing.property",
    "elevator": "housing.elevator",
    "water leak": "utilities.water",
    "water system": "utilities.water",
    "sewer": "utilities.water",
    "water quality": "environment.water",
    "air quality": "environment.air",
    "indoor air quality": "environment.air",
    "dirty condition": "sanitation.street_cleaning",
    "illegal dumping": "sanitation.garbage",
    "missed collection": "sanitation.garbage",
    "residential disposal complaint": "sanitation.garbage",
    "commercial disposal complaint": "sanitation.garbage",
    "dumpster complaint": "sanitation.garbage",
    "litter basket request": "sanitation",
    "street sweeping complaint": "sanitation.street_cleaning",
    "graffiti": "sanitation",
    "rodent": "sanitation",
    "mobile food vendor": "sanitation.vendors",
    "vendor enforcement": "sanitation.vendors",
    "damaged tree": "greenery.trees",
    "new tree request": "greenery.trees",
    "overgrown tree/branches": "greenery.trees",
    "dead/dying tree": "greenery.trees",
    "illegal tree damage": "greenery.trees",
    "root/sewer/sidewalk condition": "greenery.trees",
    "uprooted stump": "greenery.trees",
    "food establishment": "market.food",
    "food poisoning": "market.food",
    "consumer complaint": "market",
    "drug activity": "public_safety",
    "non-emergency police matter": "public_safety",
    "illegal fireworks": "public_safety",
    "for hire vehicle complaint": "transit",
    "taxi complaint": "transit",
    "green taxi complaint": "transit",
}

#: (complaint_type, descriptor fragment) → category: night construction and dust are what 12345 centres track.
DESCRIPTOR_CATEGORIES = (
    ("noise", "construction before/after hours", "noise.construction.night"),
    ("noise", "construction equipment", "noise.construction"),
    ("noise", "jack hammering", "noise.construction"),
    ("emergency response team (ert)", "after hours work", "noise.construction.night"),
    ("general construction/plumbing", "permit", "construction.illegal"),
    ("general construction/plumbing", "contrary", "construction.illegal"),
    ("air quality", "dust, construction", "construction.site.dust"),
    ("street condition", "blocked - construction", "roads.works"),
    ("street condition", "failed street repair", "roads.works"),
    ("obstruction", "construction", "roads.works"),
)

#: agency → department code (承办单位).
AGENCY_DEPARTMENTS = {
    "NYPD": "public_security",
    "HPD": "housing",
    "DOB": "housing",
    "DOT": "transport",
    "TLC": "transport",
    "DSNY": "urban_mgmt",
    "DEP": "ecology",
    "DOHMH": "health",
    "DPR": "landscaping",
    "DCWP": "market",
    "DCA": "market",
    "DHS": "civil_affairs",
    "EDC": "planning",
}

#: NYC status → our lifecycle status.
STATUSES = {
    "closed": "closed",
    "open": "received",
    "pending": "received",
    "unspecified": "received",
    "assigned": "dispatched",
    "in progress": "in_progress",
    "started": "in_progress",
}

#: open_data_channel_type → channel.
CHANNELS = {"phone": "phone", "online": "web", "mobile": "app", "other": "other", "unknown": "other"}


def normalise(name: str) -> str:
    return "_".join(name.strip().lower().replace("/", " ").replace("-", " ").split())


class Nyc311Importer:
    kind = "nyc311"
    source = "nyc311"

    def open(self, path: Path, options: ImportOptions) -> TableReader:
        reader = open_table(path, encoding=options.encoding, batch_size=options.batch_size)
        reader.columns = [normalise(c) for c in reader.columns]
        require_columns(reader, REQUIRED, what="NYC 311", name=path.name)
        return reader

    def key_of(self, raw: dict[str, Any]) -> str | None:
        return text_value(raw.get("unique_key"))

    def map(self, raw: dict[str, Any], ctx: MapContext) -> MappedRow:
        row = base_case(
            source=self.source,
            source_key=str(raw.get("unique_key") or ""),
            created_at=required_time(raw.get("created_date"), NEW_YORK, "created_date"),
            ctx=ctx,
        )
        complaint = text_value(raw.get("complaint_type")) or ""
        descriptor = text_value(raw.get("descriptor")) or ""
        agency = (text_value(raw.get("agency")) or "").upper()
        notes: list[str] = []
        row["category_code"] = _category(complaint, descriptor, ctx)
        row["source_category"] = clip(f"{complaint} / {descriptor}" if descriptor else complaint, "source_category")
        row["department_id"] = ctx.departments.get(AGENCY_DEPARTMENTS.get(agency, ""))
        row["channel"] = CHANNELS.get((text_value(raw.get("open_data_channel_type")) or "").lower(), "other")
        row["title"] = clip(row["source_category"], "title") or ""
        row["text"] = descriptor
        row["address"] = clip(raw.get("incident_address"), "address")
        row["zipcode"] = clip(raw.get("incident_zip"), "zipcode")
        row["district_code"] = clip(raw.get("borough"), "district_code")
        row["reply"] = text_value(raw.get("resolution_description"))
        row["attributes"] = {"agency": agency, "complaint_type": complaint, "descriptor": descriptor}
        _place(row, raw, notes)
        _status(row, raw, notes)
        finish_case(row, ctx)
        return MappedRow(case=row, notes=notes)


def _category(complaint: str, descriptor: str, ctx: MapContext) -> str | None:
    """The mapped code when the directory knows it; otherwise None (the text stays in source_category)."""
    kind, detail = complaint.lower(), descriptor.lower()
    code = COMPLAINT_CATEGORIES.get(kind)
    for complaint_type, fragment, refined in DESCRIPTOR_CATEGORIES:
        if kind == complaint_type and fragment in detail:
            code = refined
            break
    return code if code in ctx.categories else None


def _place(row: dict[str, Any], raw: dict[str, Any], notes: list[str]) -> None:
    """Coordinates outside the globe are dropped with a note; the address still locates the case."""
    lat, lon = text_value(raw.get("latitude")), text_value(raw.get("longitude"))
    if lat is None or lon is None:
        return
    try:
        lat_f, lon_f = float(lat), float(lon)
    except ValueError:
        notes.append(f"latitude/longitude: not numbers ({lat[:20]!r}, {lon[:20]!r}); left empty")
        return
    if -90 <= lat_f <= 90 and -180 <= lon_f <= 180:
        row["lat"], row["lon"] = lat_f, lon_f
    else:
        notes.append(f"latitude/longitude: out of range ({lat_f}, {lon_f}); left empty")


def _status(row: dict[str, Any], raw: dict[str, Any], notes: list[str]) -> None:
    given = text_value(raw.get("status")) or "Open"
    status = STATUSES.get(given.lower())
    if status is None:
        notes.append(f"status: unknown {given[:30]!r}; imported as received")
        status = "received"
    row["status"] = status
    try:
        closed = parse_time(raw.get("closed_date"), NEW_YORK, "closed_date")
    except RowRejected as exc:
        notes.append(f"{exc.reason}; closed_at left empty")
        closed = None
    if status == "closed" and closed is not None:
        row["closed_at"] = closed
        row["resolved_at"] = closed  # NYC closes a request when it is answered: 办结 and 结案 at once
        note = drop_impossible_end(
            row, "closed_at", "closed_date before created_date; kept, closed_at left empty", raw.get("closed_date")
        )
        if note:
            row["resolved_at"] = None
            notes.append(note)
