"""Open311 discovery, service list and service definitions, in JSON and XML."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.intake.conftest import BASE, body, error_of

FORMATS = ["json", "xml"]


class TestDiscovery:
    @pytest.mark.parametrize("fmt", FORMATS)
    def test_discovery_names_this_endpoint(self, client: TestClient, fmt: str) -> None:
        response = client.get(f"{BASE}/discovery.{fmt}")
        assert response.status_code == 200
        parsed = body(response, fmt)
        if fmt == "xml":
            assert parsed.tag == "discovery"
            endpoint = parsed.find("endpoints/endpoint")
            assert endpoint is not None
            assert parsed.findtext("contact")
            assert parsed.findtext("key_service")
            assert parsed.findtext("changeset")
            assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
            assert endpoint.findtext("url") == "http://testserver/open311/v2"
            assert endpoint.findtext("type") == "production"
            assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
        else:
            assert {"changeset", "contact", "key_service", "endpoints"} <= parsed.keys()
            (endpoint,) = parsed["endpoints"]
            assert endpoint["url"] == "http://testserver/open311/v2"
            assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
            assert endpoint["formats"] == ["text/xml", "application/json"]
            assert endpoint["changeset"] == parsed["changeset"]


class TestServiceList:
    def test_json_lists_requestable_services_not_groups(self, client: TestClient) -> None:
        services = {s["service_code"]: s for s in body(client.get(f"{BASE}/services.json"), "json")}
        assert {"o311.pothole", "o311.pothole.deep", "o311.lamp", "o311.bulk", "o311solo"} <= services.keys()
        assert "o311" not in services  # a level-1 node with children is a group
        assert "o311.retired" not in services  # inactive
        pothole = services["o311.pothole"]
        assert pothole == {
            "service_code": "o311.pothole",
            "service_name": "道路坑洼",
            "description": "路面破损、坑洼",
            "metadata": True,
            "type": "realtime",
            "keywords": "坑,路面",
            "group": "测试市政",
        }
        assert services["o311.lamp"]["metadata"] is False
        assert services["o311.bulk"]["type"] == "batch"
        assert services["o311.pothole.deep"]["group"] == "测试市政"
        assert services["o311solo"]["group"] == "单独一类"

    def test_xml_has_the_same_services(self, client: TestClient) -> None:
        root = body(client.get(f"{BASE}/services.xml"), "xml")
        assert root.tag == "services"
        by_code = {s.findtext("service_code"): s for s in root.findall("service")}
        json_codes = {s["service_code"] for s in client.get(f"{BASE}/services.json").json()}
        assert set(by_code) == json_codes
        pothole = by_code["o311.pothole"]
        assert pothole.findtext("metadata") == "true"
        assert pothole.findtext("group") == "测试市政"
        assert by_code["o311.lamp"].findtext("metadata") == "false"

    @pytest.mark.parametrize(
        ("query", "headers"),
        [("?lang=en", {}), ("", {"Accept-Language": "en-US,en;q=0.9"})],
    )
    def test_english_names_on_request(self, client: TestClient, query: str, headers: dict[str, str]) -> None:
        services = {s["service_code"]: s for s in client.get(f"{BASE}/services.json{query}", headers=headers).json()}
        assert services["o311.pothole"]["service_name"] == "Pothole"
        assert services["o311.pothole"]["group"] == "Test public works"

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_foreign_jurisdiction_is_404(self, client: TestClient, fmt: str) -> None:
        response = client.get(f"{BASE}/services.{fmt}", params={"jurisdiction_id": "elsewhere.gov"})
        assert response.status_code == 404
        code, description = error_of(response, fmt)
        assert code == 404
        assert "jurisdiction_id" in description

    def test_own_or_empty_jurisdiction_is_fine(self, client: TestClient) -> None:
        for value in ("citybrain.local", ""):
            assert client.get(f"{BASE}/services.json", params={"jurisdiction_id": value}).status_code == 200

    def test_unknown_format_is_404(self, client: TestClient) -> None:
        response = client.get(f"{BASE}/services.html")
        assert response.status_code == 404
        assert error_of(response, "json")[0] == 404


class TestServiceDefinition:
    def test_json_definition_lists_attributes_in_order(self, client: TestClient) -> None:
        response = client.get(f"{BASE}/services/o311.pothole.json")
        assert response.status_code == 200
        definition = body(response, "json")
        assert definition["service_code"] == "o311.pothole"
        attributes = definition["attributes"]
        assert [a["code"] for a in attributes] == ["SIZE", "SIDES", "DEPTH", "NOTE"]
        size = attributes[0]
        assert size == {
            "variable": True,
            "code": "SIZE",
            "datatype": "singlevaluelist",
            "required": True,
            "datatype_description": None,
            "order": 1,
            "description": "坑有多大？",
            "values": [{"key": "small", "name": "小"}, {"key": "large", "name": "大"}],
        }
        assert attributes[2]["datatype_description"] == "centimetres"
        assert attributes[3]["variable"] is False

    def test_english_value_names(self, client: TestClient) -> None:
        definition = client.get(f"{BASE}/services/o311.pothole.json?lang=en").json()
        assert definition["attributes"][0]["values"][1] == {"key": "large", "name": "large"}

    def test_xml_definition(self, client: TestClient) -> None:
        root = body(client.get(f"{BASE}/services/o311.pothole.xml"), "xml")
        assert root.tag == "service_definition"
        assert root.findtext("service_code") == "o311.pothole"
        sides = root.findall("attributes/attribute")[1]
        assert sides.findtext("datatype") == "multivaluelist"
        assert sides.findtext("required") == "false"
        assert [v.findtext("key") for v in sides.findall("values/value")] == ["n", "s", "e"]

    def test_service_without_attributes_has_an_empty_list(self, client: TestClient) -> None:
        assert client.get(f"{BASE}/services/o311.lamp.json").json() == {"service_code": "o311.lamp", "attributes": []}

    @pytest.mark.parametrize("fmt", FORMATS)
    @pytest.mark.parametrize("code", ["nope", "o311.retired"])
    def test_unknown_service_is_404(self, client: TestClient, fmt: str, code: str) -> None:
        response = client.get(f"{BASE}/services/{code}.{fmt}")
        assert response.status_code == 404
        code_, description = error_of(response, fmt)
        assert code_ == 404
        assert code in description


class TestUnknownResources:
    @pytest.mark.parametrize(
        ("method", "path"), [("GET", "requests"), ("GET", "nothing.xml"), ("DELETE", "requests.json")]
    )
    def test_spec_error_body(self, client: TestClient, method: str, path: str) -> None:
        response = client.request(method, f"{BASE}/{path}")
        assert response.status_code == 404
        fmt = "xml" if path.endswith(".xml") else "json"
        code, description = error_of(response, fmt)
        assert code == 404
        assert "discovery" in description
