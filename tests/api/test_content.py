"""Content formats: form-urlencoded bodies in (bracket notation), XML out on request."""

import xml.etree.ElementTree as ET

import pytest

from tests.api.builders import created, make_catalog, make_patient, pointers, problem

FORM = "application/x-www-form-urlencoded"
SERVER_SET = {"id", "created_at", "updated_at"}


def post_form(client, path: str, body: str, auth: dict, method: str = "POST"):
    headers = {**auth, "content-type": FORM}
    return client.request(method, path, content=body.encode(), headers=headers)


def same_object(a: dict, b: dict) -> bool:
    """Equal but for what the server sets on each create."""
    return {k: v for k, v in a.items() if k not in SERVER_SET} == {
        k: v for k, v in b.items() if k not in SERVER_SET
    }


def from_xml(element: ET.Element):
    """The document an XML answer spells, with every scalar as text."""
    if element.get("nil") == "true":
        return None
    children = list(element)
    if not children:
        return element.text or ""
    if all(c.tag == "item" for c in children):
        return [from_xml(c) for c in children]
    return {c.tag: from_xml(c) for c in children}


def as_text(value):
    """A JSON document with every scalar as the text XML carries for it."""
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()} if value else ""
    if isinstance(value, list):
        return [as_text(v) for v in value] if value else ""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def xml_auth(world, who: str = "customer", accept: str = "application/xml") -> dict:
    return {**world.auth(who), "Accept": accept}


# --- forms -----------------------------------------------------------------


async def test_a_site_posted_as_a_form_equals_one_posted_as_json(client, world):
    auth = world.auth("customer")
    as_json = await created(
        await client.post(
            "/v1/sites",
            json={
                "name": "Form clinic",
                "phone_number": "555 0100",
                "active": False,
                "address": {"city": "Boston", "zip_code": "02110"},
            },
            headers=auth,
        )
    )
    as_form = await created(
        await post_form(
            client,
            "/v1/sites",
            "name=Form+clinic&phone_number=555%200100&active=false"
            "&address[city]=Boston&address%5Bzip_code%5D=02110",
            auth,
        )
    )
    assert same_object(as_form, as_json)
    assert as_form["address"]["city"] == "Boston"


async def test_a_kit_posted_as_a_form_with_numbered_items_equals_json(client, world):
    catalog = await make_catalog(client, world)
    first, second = catalog.item_ids
    auth = world.auth("supplier")
    as_json = await created(
        await client.post(
            "/v1/kits",
            json={
                "name": "Form kit",
                "kit_items": [
                    {"item_id": first, "count": 2},
                    {"item_id": second, "drives_external_identifier": True},
                ],
            },
            headers=auth,
        )
    )
    as_form = await created(
        await post_form(
            client,
            "/v1/kits",
            f"name=Form+kit&kit_items[1][item_id]={second}"
            f"&kit_items[1][drives_external_identifier]=true"
            f"&kit_items[0][item_id]={first}&kit_items[0][count]=2",
            auth,
        )
    )
    assert same_object(as_form, as_json)


async def test_a_patient_posted_as_a_form_keeps_its_types(client, world):
    response = await post_form(
        client,
        "/v1/patients",
        "first_name=Ana&last_name=Lee&date_of_birth=1990-02-03&enrolled=false&sex=female",
        world.auth("customer"),
    )
    patient = await created(response)
    assert patient["date_of_birth"] == "1990-02-03"
    assert patient["enrolled"] is False
    assert patient["sex"] == "female"


async def test_a_form_patch_updates_like_json(client, world):
    patient = await make_patient(client, world)
    response = await post_form(
        client,
        f"/v1/patients/{patient['id']}",
        "last_name=Roe&address[city]=Austin",
        world.auth("customer"),
        method="PATCH",
    )
    assert response.status_code == 200, response.text
    assert response.json()["last_name"] == "Roe"
    assert response.json()["address"]["city"] == "Austin"


async def test_a_form_with_a_charset_is_understood(client, world):
    response = await client.post(
        "/v1/sites",
        content=b"name=Cl%C3%ADnica",
        headers={**world.auth("customer"), "content-type": f"{FORM}; charset=utf-8"},
    )
    assert (await created(response))["name"] == "Clínica"


async def test_form_field_errors_are_named_by_json_pointer(client, world):
    catalog = await make_catalog(client, world)
    response = await post_form(
        client,
        "/v1/kits",
        f"name=K&kit_items[0][item_id]={catalog.item_ids[0]}&kit_items[0][count]=0&colour=red",
        world.auth("supplier"),
    )
    assert pointers(problem(response, 422)) == {"/kit_items/0/count", "/colour"}


async def test_a_form_field_given_as_value_and_object_is_a_400_problem(client, world):
    response = await post_form(
        client, "/v1/sites", "name=A&address=x&address[city]=B", world.auth("customer")
    )
    assert pointers(problem(response, 400)) == {"/address"}


# --- XML -------------------------------------------------------------------


async def test_an_object_is_returned_as_xml_when_accept_asks_for_it(client, world):
    patient = await make_patient(client, world, address={"city": "Boston"})
    url = f"/v1/patients/{patient['id']}"
    response = await client.get(url, headers=xml_auth(world))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "response"
    assert root.findtext("first_name") == "John"
    assert root.find("email").get("nil") == "true"
    assert root.findtext("address/city") == "Boston"
    assert from_xml(root) == as_text(patient)


async def test_a_list_in_xml_has_one_item_per_row(client, world):
    catalog = await make_catalog(client, world)
    as_json = await client.get("/v1/items", headers=world.auth("customer"))
    response = await client.get("/v1/items", headers=xml_auth(world))
    root = ET.fromstring(response.content)
    assert [int(e.text) for e in root.findall("items/item/id")] == catalog.item_ids
    assert from_xml(root) == as_text(as_json.json())


async def test_a_create_answers_in_xml_too(client, world):
    response = await client.post("/v1/sites", json={"name": "X site"}, headers=xml_auth(world))
    assert response.status_code == 201
    assert ET.fromstring(response.content).findtext("name") == "X site"


@pytest.mark.parametrize("accept", ["text/xml", "application/json;q=0.5, application/xml"])
async def test_other_ways_of_asking_for_xml_are_honoured(client, world, accept):
    response = await client.get("/v1/sites", headers=xml_auth(world, accept=accept))
    assert response.headers["content-type"].startswith("application/xml")
    ET.fromstring(response.content)


@pytest.mark.parametrize("accept", ["application/json", "*/*", "application/xml;q=0.2, */*"])
async def test_json_is_returned_unless_xml_is_preferred(client, world, accept):
    response = await client.get("/v1/sites", headers=xml_auth(world, accept=accept))
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"items": [], "next": None}


@pytest.mark.parametrize("accept", ["application/xml", "application/json"])
async def test_v1_answers_say_they_vary_by_accept(client, world, accept):
    response = await client.get("/v1/sites", headers=xml_auth(world, accept=accept))
    assert "accept" in response.headers["vary"].lower()


async def test_a_problem_is_returned_as_problem_xml(client, world):
    response = await client.get("/v1/patients/999999999999", headers=xml_auth(world))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "problem"
    assert root.findtext("status") == "404"
    assert root.findtext("type") and root.findtext("title") and root.findtext("detail")


async def test_a_validation_problem_in_xml_names_each_field(client, world):
    response = await client.post("/v1/sites", json={"name": ""}, headers=xml_auth(world))
    assert response.status_code == 422
    root = ET.fromstring(response.content)
    assert [e.text for e in root.findall("errors/item/pointer")] == ["/name"]


async def test_a_401_is_returned_as_problem_xml(client):
    response = await client.get("/v1/sites", headers={"Accept": "application/xml"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+xml")
    assert "www-authenticate" in response.headers
    assert ET.fromstring(response.content).findtext("status") == "401"


async def test_a_413_is_returned_as_problem_xml(client, world):
    response = await client.post(
        "/v1/sites",
        content=b"x" * (65 * 1024),
        headers={**xml_auth(world), "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+xml")
    assert ET.fromstring(response.content).findtext("status") == "413"


async def test_a_malformed_form_problem_is_returned_as_problem_xml(client, world):
    response = await client.post(
        "/v1/sites",
        content=b"name=A&address=x&address[city]=B",
        headers={**xml_auth(world), "content-type": FORM},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+xml")


async def test_routes_outside_v1_stay_json(client):
    response = await client.get("/healthz", headers={"Accept": "application/xml"})
    assert response.json() == {"status": "ok"}
