"""The real Open311 client ``georeport`` (PyPI 0.3.1) against our server over real HTTP, in JSON and XML.

georeport uses ``requests``, so an in-process client will not do: the app runs under uvicorn on a free
loopback port for the duration of each test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from georeport import GeoReport

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.intake.conftest import City
from tests.live_server import serve


@pytest.fixture
def server_url(db: Database, settings: Settings, city: City) -> Iterator[str]:
    with serve(create_app(settings, database=db)) as url:
        yield f"{url}/open311/v2"


def _file(url: str, city: City, **fields: str) -> str:
    data = {"api_key": city.app_key, "lat": "39.9", "long": "116.4", **fields}
    response = requests.post(f"{url}/requests.json", data=data, timeout=10)
    assert response.status_code == 200, response.text
    return str(response.json()[0]["service_request_id"])


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_reads_everything(server_url: str, city: City, fmt: str) -> None:
    first = _file(
        server_url, city, service_code="o311.pothole", description="大坑 13812345678", **{"attribute[SIZE]": "large"}
    )
    second = _file(server_url, city, service_code="o311.pothole", **{"attribute[SIZE]": "small"})
    _file(server_url, city, service_code="o311.lamp")
    client = GeoReport(server_url, jurisdiction="citybrain.local", output_format=fmt)

    services = {s["service_code"]: s for s in client.get_service_list()}
    assert services["o311.pothole"]["service_name"] == "道路坑洼"
    assert services["o311.pothole"]["group"] == "测试市政"
    assert str(services["o311.pothole"]["metadata"]).lower() == "true"
    assert str(services["o311.lamp"]["metadata"]).lower() == "false"

    definition = client.get_service_definition("o311.pothole")
    assert definition["service_code"] == "o311.pothole"
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    size = attributes[0]
    assert size["code"] == "SIZE"
    assert size["datatype"] == "singlevaluelist"
    values = size["values"] if fmt == "json" else size["values"]["value"]
    assert [v["key"] for v in values] == ["small", "large"]

    found = client.get_service_requests(service_code="o311.pothole", status="open")
    assert [r["service_request_id"] for r in found] == [second, first]
    assert {r["agency_responsible"] for r in found} == {"测试市政局"}

    by_ids = client.get_service_requests(service_request_id=f"{first},{second}")
    assert [r["service_request_id"] for r in by_ids] == [first, second]

    one = client.get_service_request(first)
    assert one["service_request_id"] == first
    assert one["service_code"] == "o311.pothole"
    assert one["status"] == "open"
    assert one["description"] == "大坑 138****5678"
    assert (float(one["lat"]), float(one["long"])) == (39.89984, 116.39966)  # 39.9, 116.4 on the ~100 m grid
    assert one["requested_datetime"].endswith("Z")

    with pytest.raises(requests.HTTPError) as missing:
        client.get_service_definition("no.such.service")
    assert missing.value.response is not None
    assert missing.value.response.status_code == 404
    foreign = GeoReport(server_url, jurisdiction="elsewhere.gov", output_format=fmt)
    with pytest.raises(requests.HTTPError) as refused:
        foreign.get_service_list()
    assert refused.value.response is not None
    assert refused.value.response.status_code == 404
