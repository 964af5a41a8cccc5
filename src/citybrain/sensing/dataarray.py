"""The DataArray extension: ``POST CreateObservations`` with many Observations as rows of a table per Datastream.

All or nothing: a bad row makes the whole request a 400 naming the Datastream group and the row, and nothing is
written (FROST instead answers ``"error"`` for that row and keeps the others). The rows are checked one by one and
written with one multi-row INSERT per group.
"""

from __future__ import annotations

from typing import Any

from citybrain.core.errors import InvalidInput
from citybrain.models import Datastream
from citybrain.sensing import policy, repository, schemas
from citybrain.sensing.columns import COLUMNS
from citybrain.sensing.create import Writer, existing, feature_from_location, note_created, widen
from citybrain.sensing.entities import BY_NAME
from citybrain.sensing.present import self_link

COMPONENTS = {"phenomenonTime", "resultTime", "result", "resultQuality", "validTime", "parameters"}
FEATURE = ("FeatureOfInterest/id", "FeatureOfInterest/@iot.id")


def _components(group: dict[str, Any], where: str) -> list[str]:
    components = group.get("components")
    if not isinstance(components, list) or not all(isinstance(c, str) for c in components):
        raise InvalidInput(f"{where}: components must be a list of names")
    unknown = [c for c in components if c not in COMPONENTS and c not in FEATURE]
    if unknown:
        raise InvalidInput(f"{where}: unknown component(s) {unknown}; known: {sorted(COMPONENTS) + list(FEATURE)}")
    if "result" not in components:
        raise InvalidInput(f"{where}: the components must include result")
    return components


def _datastream(w: Writer, group: Any, where: str) -> Datastream:
    if not isinstance(group, dict) or not isinstance(group.get("Datastream"), dict):
        raise InvalidInput(f'{where}: each group needs "Datastream": {{"@iot.id": n}}')
    if "MultiDatastream" in group:
        raise InvalidInput(f"{where}: MultiDatastreams are not supported")
    ident = group["Datastream"].get("@iot.id")
    if not isinstance(ident, int) or isinstance(ident, bool):
        raise InvalidInput(f"{where}: Datastream/@iot.id must be a whole number")
    datastream: Datastream = existing(w, BY_NAME["Datastream"], ident)
    policy.check_thing(w.session, w.principal, datastream.thing_id, "add Observations to its Datastreams")
    return datastream


def observation_values(w: Writer, datastream: Datastream, props: dict[str, Any]) -> dict[str, Any]:
    """One Observation's own properties, validated as every route validates them, as column values (the
    server's time when it has no phenomenonTime)."""
    values = COLUMNS["Observation"](schemas.validate("Observation", props))
    schemas.check_result(datastream.observation_type, props.get("result"))
    if values.get("phenomenon_time_start") is None:
        values["phenomenon_time_start"], values["phenomenon_time_end"] = w.now, None
    return values


def _rows(w: Writer, datastream: Datastream, components: list[str], table: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(table, list):
        raise InvalidInput(f"{where}: dataArray must be a list of rows")
    default_feature: int | None = None
    features: set[int] = set()
    rows = []
    for number, cells in enumerate(table):
        if not isinstance(cells, list) or len(cells) != len(components):
            raise InvalidInput(f"{where}, row {number}: expected {len(components)} values ({', '.join(components)})")
        named = dict(zip(components, cells, strict=True))
        feature = next((named.pop(k) for k in FEATURE if k in named), None)
        try:
            values = observation_values(w, datastream, named)
        except InvalidInput as exc:
            raise InvalidInput(f"{where}, row {number}: {exc.message}") from None
        if feature is None:
            default_feature = default_feature or feature_from_location(w, datastream.thing_id)
            feature = default_feature
        elif not isinstance(feature, int) or isinstance(feature, bool):
            raise InvalidInput(f"{where}, row {number}: FeatureOfInterest/id must be a whole number")
        features.add(feature)
        rows.append(values | {"datastream_id": datastream.id, "feature_of_interest_id": feature})
    missing = features - set(repository.by_ids(w.session, BY_NAME["FeatureOfInterest"], features))
    if missing:
        raise InvalidInput(f"{where}: no FeatureOfInterest with @iot.id {sorted(missing)[0]}")
    return rows


def create_observations(w: Writer, body: Any, base: str) -> list[str]:
    """Every group's rows as Observations; the selfLinks of the new Observations, in the order sent."""
    if not isinstance(body, list):
        raise InvalidInput("CreateObservations takes a JSON array of {Datastream, components, dataArray} groups")
    links: list[str] = []
    observation = BY_NAME["Observation"]
    for index, group in enumerate(body):
        where = f"group {index}"
        datastream = _datastream(w, group, where)
        rows = _rows(w, datastream, _components(group, where), group.get("dataArray"), where)
        if rows:
            widen(w, datastream.id, rows)
        ids = repository.insert_observations(w.session, rows)
        note_created(w.session, ids)
        links += [self_link(base, observation, i) for i in ids]
    w.session.flush()
    return links
