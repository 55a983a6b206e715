"""PHI only for phi:read: the read steps withhold it from every other caller.

PHI: a patient's identifying fields, an order's case data (medical records,
treatments), the addresses of an order for a patient, who has a device now.
"""

from __future__ import annotations

import httpx
import pytest

from orderdesk.privacy import CASE_PHI, PATIENT_ADDRESSES, PATIENT_PHI
from tests.api.builders import created, make_catalog, make_order, make_patient, make_site
from tests.conftest import World

IMPILO = "/compat/impilo/api/v3"
RAYTEAMS = "/compat/rayteams/v1.0"

#: Values only the patient's record holds, so finding one in a body is finding PHI.
PATIENT = {
    "first_name": "Philippa",
    "last_name": "Quenneville",
    "date_of_birth": "1961-07-19",
    "email": "philippa.q@example.org",
    "phone_number": "+1 919 555 0147",
    "external_identifier": "MRN-77123",
    "address": {"line_one": "41 Larkspur Lane", "city": "Durham"},
}
CASE = {
    "medical_records": {"diagnosis": "Malocclusion class II"},
    "treatments": [{"plan": "Aligner stage 3"}],
    "shipping_address": {"line_one": "41 Larkspur Lane", "city": "Durham"},
}
SECRETS = (
    "Philippa",
    "Quenneville",
    "1961-07-19",
    "philippa.q",
    "MRN-77123",
    "Larkspur",
    "Malocclusion",
    "Aligner stage",
)


def leaked(text: str) -> set[str]:
    return {value for value in SECRETS if value in text}


@pytest.fixture
async def patient_case(client: httpx.AsyncClient, world: World) -> dict:
    """An order for a patient with case data and an address, with a device assigned."""
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world, **PATIENT)
    order = await make_order(client, world, catalog, patient_id=patient["id"], **CASE)
    device = await created(
        await client.post(
            "/v1/devices", json={"item_id": catalog.item_ids[0]}, headers=world.auth("supplier")
        )
    )
    response = await client.post(
        f"/v1/orders/{order['id']}/devices",
        json={"device_ids": [device["id"]]},
        headers=world.auth("supplier"),
    )
    assert response.status_code == 200, response.text
    return {"patient": patient, "order": order, "device": device}


async def get(
    client: httpx.AsyncClient, world: World, who: str, path: str, **headers
) -> httpx.Response:
    response = await client.get(path, headers={**world.auth(who), **headers})
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize("who", ["customer_no_phi", "supplier_no_phi"])
async def test_an_order_for_a_patient_shows_no_phi_without_phi_read(
    client, world, patient_case, who
):
    order = (await get(client, world, who, f"/v1/orders/{patient_case['order']['id']}")).json()
    assert not {*CASE_PHI, *PATIENT_ADDRESSES} & order.keys()
    assert not set(PATIENT_PHI) & order["patient"].keys()
    assert order["patient"]["id"] == patient_case["patient"]["id"]  # who it is for, by id


async def test_an_order_device_shows_no_holder_without_phi_read(client, world, patient_case):
    order = (
        await get(client, world, "supplier_no_phi", f"/v1/orders/{patient_case['order']['id']}")
    ).json()
    (device,) = order["devices"]
    assert not {"current_patient", "current_patient_id"} & device.keys()


async def test_a_caller_with_phi_read_sees_the_whole_order(client, world, patient_case):
    order = (
        await get(client, world, "customer", f"/v1/orders/{patient_case['order']['id']}")
    ).json()
    assert order["medical_records"] == CASE["medical_records"]
    assert order["patient"]["last_name"] == PATIENT["last_name"]
    assert order["devices"][0]["current_patient"]["id"] == patient_case["patient"]["id"]


async def test_an_order_for_a_site_keeps_its_addresses_without_phi_read(client, world):
    catalog = await make_catalog(client, world)
    site = await make_site(client, world)
    made = await make_order(
        client, world, catalog, site_id=site["id"], shipping_address={"city": "Cary"}
    )
    order = (await get(client, world, "customer_no_phi", f"/v1/orders/{made['id']}")).json()
    assert order["shipping_address"]["city"] == "Cary"
    assert order["effective_shipping_address"]["city"] == "Cary"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/orders",
        "/v1/orders/{order}",
        "/v1/patients",
        "/v1/patients/{patient}",
        "/v1/devices",
        "/v1/devices/{device}",
        "/v1/orders/{order}/timeline",
        "/v1/projects/{project}/orders",
        "/v1/projects/{project}/timeline",
    ],
)
@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
async def test_native_answers_carry_no_phi_value_without_phi_read(
    client, world, patient_case, path, accept
):
    url = path.format(
        order=patient_case["order"]["id"],
        patient=patient_case["patient"]["id"],
        device=patient_case["device"]["id"],
        project=patient_case["order"]["project_id"],
    )
    who = "supplier_no_phi" if "devices" in path else "customer_no_phi"
    assert leaked((await get(client, world, who, url, accept=accept)).text) == set()


async def test_the_same_answers_carry_the_phi_with_phi_read(client, world, patient_case):
    """The check above can fail: these values are in the answers to a phi:read key."""
    body = (await get(client, world, "customer", f"/v1/orders/{patient_case['order']['id']}")).text
    assert leaked(body) == set(SECRETS)


async def test_a_patient_shows_only_who_they_are_not_without_phi_read(client, world, patient_case):
    patient = (
        await get(client, world, "customer_no_phi", f"/v1/patients/{patient_case['patient']['id']}")
    ).json()
    assert not set(PATIENT_PHI) & patient.keys()
    assert {"id", "account_id", "sex", "site_id", "enrolled", "archived"} <= patient.keys()


async def test_a_device_shows_no_holder_without_phi_read(client, world, patient_case):
    device = (
        await get(client, world, "supplier_no_phi", f"/v1/devices/{patient_case['device']['id']}")
    ).json()
    assert not {"current_patient", "current_patient_id"} & device.keys()


async def test_a_change_of_case_data_keeps_its_name_but_not_its_values_without_phi_read(
    client, world, patient_case
):
    order_id = patient_case["order"]["id"]
    response = await client.patch(
        f"/v1/orders/{order_id}",
        json={"medical_records": {"diagnosis": "Malocclusion class III"}, "memo": "rush"},
        headers=world.auth("customer"),
    )
    assert response.status_code == 200, response.text
    events = (await get(client, world, "customer_no_phi", f"/v1/orders/{order_id}/timeline")).json()
    (changed,) = [e for e in events["items"] if e["kind"] == "changed"]
    assert changed["data"]["fields"]["medical_records"] == {}
    assert changed["data"]["fields"]["memo"] == {"from": None, "to": "rush"}


async def test_a_change_of_case_data_shows_its_values_with_phi_read(client, world, patient_case):
    order_id = patient_case["order"]["id"]
    await client.patch(
        f"/v1/orders/{order_id}",
        json={"treatments": [{"plan": "Aligner stage 4"}]},
        headers=world.auth("customer"),
    )
    events = (await get(client, world, "customer", f"/v1/orders/{order_id}/timeline")).json()
    (changed,) = [e for e in events["items"] if e["kind"] == "changed"]
    assert changed["data"]["fields"]["treatments"]["to"] == [{"plan": "Aligner stage 4"}]


async def test_impilo_shows_the_patients_identity_as_null_without_phi_read(
    client, world, patient_case
):
    response = await client.get(
        f"{IMPILO}/order/{patient_case['order']['id']}",
        headers={"Impilo-API-Key": world.keys["customer_no_phi"]},
    )
    assert response.status_code == 200, response.text
    patient = response.json()["patient"]
    named = ("firstName", "lastName", "dateOfBirth", "email", "phoneNumber", "externalIdentifier")
    assert {patient[key] for key in named} == {None}
    assert patient["address"] is None
    assert patient["id"] == patient_case["patient"]["id"]
    assert leaked(response.text) == set()


async def test_rayteams_shows_the_subject_and_case_as_null_without_phi_read(
    client, world, patient_case
):
    response = await client.get(
        f"{RAYTEAMS}/order/{patient_case['order']['id']}", headers=world.auth("customer_no_phi")
    )
    assert response.status_code == 200, response.text
    order = response.json()["data"]
    assert order["subject"] == {"name": None, "birth": None}
    assert (order["patientId"], order["medicalRecords"], order["treatments"]) == (None, None, None)
    assert leaked(response.text) == set()


async def test_rayteams_shows_the_subject_with_phi_read(client, world, patient_case):
    response = await client.get(
        f"{RAYTEAMS}/order/{patient_case['order']['id']}", headers=world.auth("customer")
    )
    order = response.json()["data"]
    assert order["subject"] == {"name": "Philippa Quenneville", "birth": "1961-07-19"}
    assert order["patientId"] == "MRN-77123"
