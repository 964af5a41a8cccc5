"""The DataArray extension: ``POST CreateObservations`` with many Observations as rows of a table per Datastream.

All or nothing: a bad row makes the whole request a 400 naming the Datastream group and the row, and nothing is
written (FROST instead answers ``"error"`` for that row and keeps the others). The rows are checked one by one and
written with one statement per group (``repository.insert_observations``).
"""

from __future__ import annotations

from typing import Any

from citybrain.core.errors import InvalidInput
from citybrain.models import Datastream
from citybrain.sensing import policy, repository, schemas
from citybrain.sensing.columns import COLUMNS, result_columns
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


_PLAIN = frozenset({"phenomenonTime", "resultTime", "result"})


def _plain_values(w: Writer, observation_type: str, named: dict[str, Any]) -> dict[str, Any] | None:
    """:func:`observation_values` of a row of only ``phenomenonTime``, ``resultTime`` and ``result`` (the usual
    DataArray), without building a Pydantic model per row; None for a row that needs the full validation (any other
    component, a value of another type, a time that does not parse: the full validation then names the problem)."""
    phenomenon, result_time = named.get("phenomenonTime"), named.get("resultTime")
    if not isinstance(phenomenon, str | None) or not isinstance(result_time, str | None):
        return None
    try:
        start, end = (w.now, None) if phenomenon is None else schemas.parse_interval(phenomenon)
        when = None if result_time is None else schemas.parse_time(result_time)
    except ValueError:
        return None
    result = named.get("result")
    schemas.check_result(observation_type, result)
    return {
        "result_time": when,
        "result_quality": None,
        "parameters": None,
        "phenomenon_time_start": start,
        "phenomenon_time_end": end,
        "valid_time_start": None,
        "valid_time_end": None,
        **result_columns(result),
    }


def _rows(w: Writer, datastream: Datastream, components: list[str], table: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(table, list):
        raise InvalidInput(f"{where}: dataArray must be a list of rows")
    default_feature: int | None = None
    features: set[int] = set()
    rows = []
    plain = _PLAIN.issuperset(c for c in components if c not in FEATURE)
    for number, cells in enumerate(table):
        if not isinstance(cells, list) or len(cells) != len(components):
            raise InvalidInput(f"{where}, row {number}: expected {len(components)} values ({', '.join(components)})")
        named = dict(zip(components, cells, strict=True))
        feature = next((named.pop(k) for k in FEATURE if k in named), None)
        try:
            values = _plain_values(w, datastream.observation_type, named) if plain else None
            values = values or observation_values(w, datastream, named)
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
        note_created(w.session, list(zip(ids, rows, strict=True)))
        links += [self_link(base, observation, i) for i in ids]
    w.session.flush()
    return links
