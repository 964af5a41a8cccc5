"""An independent client: Fraunhofer's ``frost-sta-client`` (PyPI, LGPL-3.0) against a real uvicorn server.

The client authenticates with HTTP Basic only; its documented hook (an ``AuthHandler`` whose ``add_auth_header``
returns a ``requests`` auth) sends our ``X-API-Key`` instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import frost_sta_client as fsc
import geojson
import pytest
import requests

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.conftest import make_key
from tests.live_server import serve
from tests.sensing.conftest import OM

pytestmark = pytest.mark.filterwarnings("ignore:furl.pathstr is deprecated:DeprecationWarning")


class ApiKeyAuth(fsc.AuthHandler):  # type: ignore[misc]
    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key

    def add_auth_header(self) -> Any:
        def sign(request: requests.PreparedRequest) -> requests.PreparedRequest:
            request.headers["X-API-Key"] = self.key
            return request

        return sign


@pytest.fixture
def service(db: Database, settings: Settings) -> Iterator[fsc.SensorThingsService]:
    app = create_app(settings.model_copy(update={"sta_max_page_size": 5}), database=db)
    with serve(app) as base:
        yield fsc.SensorThingsService(f"{base}/sta/v1.1", auth_handler=ApiKeyAuth(make_key(db, "sensor")))


def _station(name: str) -> Any:
    location = fsc.Location(
        name=f"{name} site",
        description="roof",
        encoding_type="application/geo+json",
        location=geojson.Point((116.397, 39.982)),
    )
    unit = fsc.UnitOfMeasurement(name="degree Celsius", symbol="°C", definition="http://qudt.org/vocab/unit/DEG_C")
    datastream = fsc.Datastream(
        name=f"temperature at {name}",
        description="air temperature",
        observation_type=OM + "OM_Measurement",
        unit_of_measurement=unit,
        sensor=fsc.Sensor(name="PT100", description="", encoding_type="application/pdf", metadata="http://x/pt100"),
        observed_property=fsc.ObservedProperty(name="temperature", definition="http://x/t", description=""),
    )
    return fsc.Thing(name=name, description="station", locations=[location], datastreams=[datastream])


def test_the_frost_client_creates_queries_pages_patches_and_deletes(service: fsc.SensorThingsService) -> None:
    thing = _station("Aotizhongxin")
    service.create(thing)
    assert isinstance(thing.id, int)
    found = service.things().find(thing.id)
    assert found.name == "Aotizhongxin"
    datastream = service.datastreams().query().filter(f"Thing/id eq {thing.id}").list().entities[0]
    for hour in range(12):
        observation = fsc.Observation(
            result=float(hour), phenomenon_time=f"2024-01-01T{hour:02d}:00:00Z", datastream=datastream
        )
        service.create(observation)
    warm = service.observations().query().filter("result ge 6").orderby("result", "ASC").count().list()
    assert warm.count == 6
    assert [o.result for o in warm] == [6.0, 7.0, 8.0, 9.0, 10.0, 11.0]  # iterating follows @iot.nextLink
    top = service.observations().query().orderby("phenomenonTime", "DESC").top(2).list()
    assert [o.result for o in top.entities] == [11.0, 10.0]
    service.patch(found, [{"op": "replace", "path": "/description", "value": "moved"}])
    assert service.things().find(thing.id).description == "moved"
    found.properties = {"district": "Chaoyang"}
    service.update(found)  # PUT
    assert service.things().find(thing.id).properties == {"district": "Chaoyang"}
    expanded = service.things().query().expand("Datastreams($top=1;$expand=Observations($top=1))").list().entities
    assert expanded[0].datastreams.entities[0].name == "temperature at Aotizhongxin"
    service.delete(found)
    assert service.observations().query().count().top(0).list().count == 0
