"""No 5xx from any input on the compatibility surfaces: each refuses it in its own shape.

Impilo and Record Stack Overflow answer their vendor's 400; RAYTeams and labPortal the
app's problem documents, with the true status.
"""

import json
from xml.etree import ElementTree as ET

import pytest

from tests.api.builders import make_catalog, make_patient, parameters, pointers, problem

IMPILO = "/compat/impilo/api/v3"
RSO = "/compat/rso/api/v1"
RAYTEAMS = "/compat/rayteams/v1.0"
LABPORTAL = "/compat/labportal/api-v1"
NUL = "a\x00b"


def nested(levels: int):
    value: object = 1
    for _ in range(levels):
        value = {"a": value}
    return value


def send(client, method: str, url: str, body, headers: dict):
    """``body`` as JSON; json.dumps escapes lone surrogates, which httpx's encoder refuses."""
    headers = {**headers, "content-type": "application/json"}
    return client.request(method, url, content=json.dumps(body), headers=headers)


def impilo_error(response, status: int = 400) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and body["message"]
    return body


def impilo_key(world) -> dict[str, str]:
    return {"Impilo-API-Key": world.keys["customer"]}


@pytest.fixture
async def impilo_order(client, world) -> dict:
    """A valid Impilo create body."""
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    return {"patient": {"id": patient["id"]}, "orderItems": [{"item": {"id": catalog.item_ids[0]}}]}


def rso_message(response, status: int = 400) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error_message", "response_code"} and body["response_code"] == status
    return body["error_message"]


def ray(world, client_id: str = "hostile-input-test") -> dict[str, str]:
    return {**world.auth("supplier"), "x-rayteams-client-id": client_id}


# --- text XML cannot carry, and nesting past the bound ------------------------------------


@pytest.mark.parametrize("text", [NUL, "\ud800", "a\x0bb"], ids=["nul", "surrogate", "control"])
async def test_impilo_refuses_unsayable_text_naming_its_pointer(client, world, impilo_order, text):
    body = {**impilo_order, "orderNotes": [{"note": "fine"}, {"note": text}]}
    response = await send(client, "POST", f"{IMPILO}/order", body, impilo_key(world))
    assert pointers(impilo_error(response)) == {"/orderNotes/1/note"}


async def test_impilo_refuses_a_nul_in_a_query_parameter(client, world):
    response = await client.get(f"{IMPILO}/order", params={"page": NUL}, headers=impilo_key(world))
    assert parameters(impilo_error(response)) == {"page"}


async def test_impilo_refuses_a_body_nested_too_deeply(client, world, impilo_order):
    body = {**impilo_order, "patient": {**impilo_order["patient"], "kept": nested(300)}}
    response = await send(client, "POST", f"{IMPILO}/order", body, impilo_key(world))
    assert pointers(impilo_error(response)) == {"/patient/kept" + "/a" * 30}


async def test_rso_refuses_a_nul_in_a_form_field_naming_it(client, world):
    url = f"{RSO}/orders/merchants/{world.accounts['supplier']}/records/1/"
    response = await client.post(
        url,
        content=b"shipping_city=a%00b&comments=hello",
        headers={**world.auth("customer"), "content-type": "application/x-www-form-urlencoded"},
    )
    assert rso_message(response).startswith("Invalid request: shipping_city: ")


async def test_rso_refuses_a_nul_in_a_query_parameter(client, world):
    url = f"{RSO}/orders/customers/{world.accounts['customer']}/"
    response = await client.get(url, params={"offset": NUL}, headers=world.auth("customer"))
    assert rso_message(response).startswith("Invalid request: offset: ")


async def test_rso_refuses_json_nested_too_deeply(client, world):
    url = f"{RSO}/orders/merchants/{world.accounts['supplier']}/records/1/"
    body = {"shipping_info": [{"shipping_city": nested(100)}]}
    response = await send(client, "POST", url, body, world.auth("customer"))
    assert "nest at most 32 levels" in rso_message(response)


async def test_rayteams_refuses_a_control_character_in_the_client_header(client, world):
    response = await client.get(f"{RAYTEAMS}/order/1", headers=ray(world, "client\x01"))
    assert parameters(problem(response, 422)) == {"x-rayteams-client-id"}


async def test_rayteams_refuses_a_nul_in_the_status_body(client, world):
    body = {"data": {"status": NUL}}
    response = await send(client, "PUT", f"{RAYTEAMS}/order/1/status", body, ray(world))
    assert pointers(problem(response, 422)) == {"/data/status"}


async def test_labportal_refuses_a_nul_in_the_order_id_in_well_formed_xml(client, world):
    response = await client.get(
        f"{LABPORTAL}/commerce/orders/1%00",
        headers={**world.auth("customer"), "Accept": "application/xml"},
    )
    assert response.status_code == 422
    root = ET.fromstring(response.content)
    assert [p.text for p in root.iter("parameter")] == ["id"]


# --- numbers past 64 bits (or past what int() parses) -------------------------------------

HUGE = ["9" * 19, "9" * 5000]


async def test_impilo_refuses_an_id_beyond_64_bits_in_the_body(client, world, impilo_order):
    body = {**impilo_order, "patient": {"id": 2**64}}
    response = await send(client, "POST", f"{IMPILO}/order", body, impilo_key(world))
    assert pointers(impilo_error(response)) == {"/patient/id"}


@pytest.mark.parametrize("page", [str(2**63), "9" * 5000], ids=["2^63", "5000-digits"])
async def test_impilo_refuses_a_page_beyond_32_bits_naming_it(client, world, page):
    response = await client.get(f"{IMPILO}/order", params={"page": page}, headers=impilo_key(world))
    assert parameters(impilo_error(response)) == {"page"}


async def test_rso_refuses_an_offset_beyond_64_bits_naming_it(client, world):
    url = f"{RSO}/orders/customers/{world.accounts['customer']}/"
    response = await client.get(url, params={"offset": 2**63}, headers=world.auth("customer"))
    assert rso_message(response).startswith("Invalid request: offset: ")


@pytest.mark.parametrize("ident", HUGE, ids=["19-digits", "5000-digits"])
@pytest.mark.parametrize(
    "route",
    [
        "GET /orders/customers/{}/",
        "GET /orders/merchants/{}/",
        "PUT /orders/{}/",
        "DELETE /orders/{}/customers/1/",
        "POST /orders/merchants/{}/records/1/",
    ],
)
async def test_rso_path_ids_too_big_for_64_bits_are_not_found(client, world, route, ident):
    method, path = route.split()
    who = "supplier" if method == "PUT" else "customer"
    response = await client.request(method, RSO + path.format(ident), headers=world.auth(who))
    assert "not found" in rso_message(response, 404)


async def test_rso_refuses_an_if_match_of_thousands_of_digits(client, world):
    response = await client.put(
        f"{RSO}/orders/1/",
        json={"comments": ["x"]},
        headers={**world.auth("supplier"), "If-Match": '"' + "9" * 5000 + '"'},
    )
    assert rso_message(response).startswith("Invalid request: If-Match: ")


@pytest.mark.parametrize("ident", [str(2**63), *HUGE], ids=["2^63", "19-digits", "5000-digits"])
@pytest.mark.parametrize(
    "path", ["order/{}", "product/{}", "project/{}/orders", "project/{}/histories"]
)
async def test_rayteams_path_ids_too_big_for_64_bits_are_not_found(client, world, path, ident):
    response = await client.get(f"{RAYTEAMS}/{path.format(ident)}", headers=ray(world))
    problem(response, 404)


async def test_labportal_ids_too_big_for_64_bits_are_not_found(client, world):
    response = await client.get(
        f"{LABPORTAL}/commerce/orders/{2**63}", headers=world.auth("customer")
    )
    problem(response, 404)
