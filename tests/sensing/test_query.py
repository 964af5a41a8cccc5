"""Query options (OGC 18-088 Annex A.2 request-data): $top, $skip, $count, $orderby, $select, $expand, paging."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.sensing.conftest import STA, get


def _results(page: dict[str, Any]) -> list[object]:
    return [o["result"] for o in page["value"]]


def test_top_skip_and_count(app_client: TestClient, city: dict[str, int]) -> None:
    path = f"Datastreams({city['a_ds']})/Observations"
    page = get(app_client, path, **{"$top": 2, "$skip": 1, "$count": "true", "$orderby": "phenomenonTime"})
    assert _results(page) == [35.5, 80.0]
    assert page["@iot.count"] == 4
    assert "@iot.count" not in get(app_client, path)
    assert get(app_client, "Observations", **{"$count": "true", "$top": 0}) == {"@iot.count": 7, "value": []}


def test_next_link_pages_through_everything_once(app_client: TestClient, city: dict[str, int]) -> None:
    seen: list[int] = []
    response = app_client.get(f"{STA}/Observations", params={"$top": 3, "$orderby": "id"})
    while True:
        page = response.json()
        seen += [o["@iot.id"] for o in page["value"]]
        if "@iot.nextLink" not in page:
            break
        assert page["@iot.nextLink"].startswith("http://testserver/sta/v1.1/Observations?")
        response = app_client.get(page["@iot.nextLink"])
    assert len(seen) == 7
    assert len(set(seen)) == 7
    assert seen == sorted(seen)


def test_the_server_caps_the_page_size(db: Database, settings: Settings, city: dict[str, int]) -> None:
    app = create_app(settings.model_copy(update={"sta_max_page_size": 2}), database=db)
    with TestClient(app) as client:
        page = client.get(f"{STA}/Observations", params={"$top": 1000}).json()
        assert len(page["value"]) == 2
        assert "%24top=2" in page["@iot.nextLink"]
        assert "%24skip=2" in page["@iot.nextLink"]
        assert len(client.get(f"{STA}/Observations").json()["value"]) == 2


def test_orderby_several_keys_and_directions(app_client: TestClient, city: dict[str, int]) -> None:
    page = get(app_client, "Observations", **{"$orderby": "result desc"})
    assert _results(page) == [120.0, 80.0, 50.0, 35.5, 15.0, 10.0, 5.0]
    things = get(app_client, "Things", **{"$orderby": "properties/district asc, name desc"})
    assert [t["name"] for t in things["value"]] == ["Shanghai Jingan", "Dongsi", "Aotizhongxin"]
    by_day = get(app_client, "Observations", **{"$orderby": "day(phenomenonTime) desc,result", "$top": 2})
    assert _results(by_day) == [50.0, 5.0]


def test_select_returns_only_the_chosen_properties(app_client: TestClient, city: dict[str, int]) -> None:
    page = get(app_client, "Things", **{"$select": "name,id", "$orderby": "name"})
    first = page["value"][0]
    assert set(first) == {"@iot.id", "@iot.selfLink", "name"}
    only = get(app_client, "Things", **{"$select": "description"})["value"][0]
    assert set(only) == {"description"}
    links = get(app_client, "Things", **{"$select": "Datastreams"})["value"][0]
    assert set(links) == {"Datastreams@iot.navigationLink"}


def test_expand_nested_with_its_own_options(app_client: TestClient, city: dict[str, int]) -> None:
    expand = "Datastreams($select=name;$expand=Observations($orderby=phenomenonTime desc;$top=1;$count=true))"
    page = get(app_client, "Things", **{"$expand": expand, "$filter": "name eq 'Aotizhongxin'"})
    (thing,) = page["value"]
    (datastream,) = thing["Datastreams"]
    assert datastream["name"] == "PM2.5 at Aotizhongxin"
    assert _results({"value": datastream["Observations"]}) == [120.0]
    assert datastream["Observations@iot.count"] == 4


def test_expand_with_a_filter_and_a_path(app_client: TestClient, city: dict[str, int]) -> None:
    page = get(
        app_client,
        "Things",
        **{"$expand": "Datastreams/Observations($filter=result gt 50),Locations", "$orderby": "name"},
    )
    aoti = page["value"][0]
    assert aoti["name"] == "Aotizhongxin"
    assert _results({"value": aoti["Datastreams"][0]["Observations"]}) == [80.0, 120.0]
    assert aoti["Locations"][0]["name"] == "Aotizhongxin site"
    observation = get(app_client, "Observations", **{"$expand": "Datastream/Thing", "$top": 1})["value"][0]
    assert observation["Datastream"]["Thing"]["name"] == "Aotizhongxin"


def test_expanded_collections_page_with_their_own_next_link(app_client: TestClient, city: dict[str, int]) -> None:
    ds = get(app_client, f"Datastreams({city['a_ds']})", **{"$expand": "Observations($top=2)"})
    assert len(ds["Observations"]) == 2
    link = ds["Observations@iot.nextLink"]
    assert link.startswith(f"http://testserver{STA}/Datastreams({city['a_ds']})/Observations?")
    assert len(app_client.get(link).json()["value"]) == 2


def test_bad_query_options_are_400_naming_the_problem(app_client: TestClient, city: dict[str, int]) -> None:
    cases = {
        "$top": ("-1", "$top"),
        "$count": ("yes", "$count"),
        "$orderby": ("name sideways", "sideways"),
        "$select": ("colour", "colour"),
        "$expand": ("Sensors", "Sensors"),
        "$foo": ("1", "$foo"),
    }
    for option, (value, named) in cases.items():
        response = app_client.get(f"{STA}/Things", params={option: value})
        assert response.status_code == 400, option
        assert named in response.json()["error"]["message"], response.json()
