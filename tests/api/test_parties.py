"""Patients and sites: a customer's own; suppliers see them only through orders."""

import pytest

from tests.api.builders import (
    make_catalog,
    make_order,
    make_patient,
    make_site,
    pointers,
    problem,
    without_id,
)

MISSING = 10**12
KINDS = ["sites", "patients"]


async def make_party(client, world, kind: str, customer: str = "customer", **fields) -> dict:
    maker = make_site if kind == "sites" else make_patient
    return await maker(client, world, customer, **fields)


async def assert_hidden(client, auth, kind: str, ident: int) -> None:
    """A 404 indistinguishable from the one for an id that does not exist."""
    hidden = problem(await client.get(f"/v1/{kind}/{ident}", headers=auth), 404)
    missing = problem(await client.get(f"/v1/{kind}/{MISSING}", headers=auth), 404)
    assert without_id(hidden, ident) == without_id(missing, MISSING)


async def listed_ids(client, auth, kind: str, **params) -> set[int]:
    response = await client.get(f"/v1/{kind}", params=params, headers=auth)
    assert response.status_code == 200, response.text
    return {row["id"] for row in response.json()["items"]}


# --- sites -----------------------------------------------------------------


async def test_a_customer_creates_a_site_for_its_own_account(client, world):
    site = await make_site(client, world, name="South clinic", phone_number="555-0101")
    assert site["account_id"] == world.accounts["customer"]
    assert site["name"] == "South clinic"
    assert site["address"]["city"] == "Raleigh"
    assert site["active"] is True
    response = await client.get(f"/v1/sites/{site['id']}", headers=world.auth("customer"))
    assert response.json() == site


async def test_a_customer_updates_its_site(client, world):
    site = await make_site(client, world)
    response = await client.patch(
        f"/v1/sites/{site['id']}",
        json={"active": False, "address": {"city": "Durham"}},
        headers=world.auth("customer"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["active"] is False
    assert response.json()["address"]["city"] == "Durham"
    assert response.json()["name"] == site["name"]
    assert response.json()["version"] == site["version"] + 1


async def test_the_site_list_filters_by_active(client, world):
    active = await make_site(client, world)
    closed = await make_site(client, world, active=False)
    auth = world.auth("customer")
    assert await listed_ids(client, auth, "sites", active="false") == {closed["id"]}
    assert await listed_ids(client, auth, "sites", active="true") == {active["id"]}


async def test_a_supplier_cannot_create_a_site(client, world):
    response = await client.post("/v1/sites", json={"name": "X"}, headers=world.auth("supplier"))
    problem(response, 403)


# --- patients --------------------------------------------------------------


async def test_a_customer_creates_a_patient_and_reads_it_back(client, world):
    patient = await make_patient(client, world, sex="female", email="jd@example.org")
    assert patient["account_id"] == world.accounts["customer"]
    assert patient["first_name"] == "John"
    assert patient["date_of_birth"] == "1980-01-01"
    assert patient["sex"] == "female"
    response = await client.get(f"/v1/patients/{patient['id']}", headers=world.auth("customer"))
    assert response.json() == patient


async def test_a_patient_may_belong_to_a_site_of_its_account(client, world):
    site = await make_site(client, world)
    patient = await make_patient(client, world, site_id=site["id"])
    assert patient["site_id"] == site["id"]
    auth = world.auth("customer")
    assert await listed_ids(client, auth, "patients", site_id=site["id"]) == {patient["id"]}


async def test_a_patients_site_must_be_of_the_same_account(client, world):
    foreign_site = await make_site(client, world, "customer_other")
    response = await client.post(
        "/v1/patients",
        json={"first_name": "A", "last_name": "B", "site_id": foreign_site["id"]},
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/site_id"}
    assert await listed_ids(client, world.auth("customer"), "patients") == set()


async def test_moving_a_patient_to_another_accounts_site_is_refused(client, world):
    patient = await make_patient(client, world)
    foreign_site = await make_site(client, world, "customer_other")
    response = await client.patch(
        f"/v1/patients/{patient['id']}",
        json={"site_id": foreign_site["id"]},
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/site_id"}


async def test_a_customer_updates_its_patient(client, world):
    patient = await make_patient(client, world)
    response = await client.patch(
        f"/v1/patients/{patient['id']}",
        json={"last_name": "Roe", "archived": True},
        headers=world.auth("customer"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["last_name"] == "Roe"
    assert response.json()["archived"] is True
    assert response.json()["first_name"] == "John"
    assert response.json()["version"] == 2


async def test_the_patient_list_filters_by_external_identifier(client, world):
    wanted = await make_patient(client, world, external_identifier="MRN-1")
    await make_patient(client, world, external_identifier="MRN-2")
    auth = world.auth("customer")
    assert await listed_ids(client, auth, "patients", external_identifier="MRN-1") == {wanted["id"]}


async def test_a_supplier_cannot_create_a_patient(client, world):
    response = await client.post(
        "/v1/patients", json={"first_name": "A", "last_name": "B"}, headers=world.auth("supplier")
    )
    problem(response, 403)


# --- both: who may see and change them -------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_an_admin_must_name_the_customer_account(client, world, kind):
    body = {"name": "X"} if kind == "sites" else {"first_name": "A", "last_name": "B"}
    response = await client.post(f"/v1/{kind}", json=body, headers=world.auth("admin"))
    assert pointers(problem(response, 422)) == {"/account_id"}


@pytest.mark.parametrize("kind", KINDS)
async def test_an_admin_creates_one_for_a_named_customer(client, world, kind):
    body = {"name": "X"} if kind == "sites" else {"first_name": "A", "last_name": "B"}
    body["account_id"] = world.accounts["customer_other"]
    response = await client.post(f"/v1/{kind}", json=body, headers=world.auth("admin"))
    assert response.status_code == 201, response.text
    assert response.json()["account_id"] == world.accounts["customer_other"]


@pytest.mark.parametrize("kind", KINDS)
async def test_the_account_must_be_a_customer_account(client, world, kind):
    body = {"name": "X"} if kind == "sites" else {"first_name": "A", "last_name": "B"}
    body["account_id"] = world.accounts["supplier"]
    response = await client.post(f"/v1/{kind}", json=body, headers=world.auth("admin"))
    assert pointers(problem(response, 422)) == {"/account_id"}


@pytest.mark.parametrize("kind", KINDS)
async def test_a_customer_may_name_its_own_account(client, world, kind):
    party = await make_party(client, world, kind, account_id=world.accounts["customer"])
    assert party["account_id"] == world.accounts["customer"]


@pytest.mark.parametrize("kind", KINDS)
async def test_a_customer_cannot_create_one_for_another_account(client, world, kind):
    body = {"name": "X"} if kind == "sites" else {"first_name": "A", "last_name": "B"}
    body["account_id"] = world.accounts["customer_other"]
    response = await client.post(f"/v1/{kind}", json=body, headers=world.auth("customer"))
    assert pointers(problem(response, 422)) == {"/account_id"}
    assert await listed_ids(client, world.auth("customer_other"), kind) == set()


@pytest.mark.parametrize("kind", KINDS)
async def test_a_customer_cannot_read_another_customers_party(client, world, kind):
    foreign = await make_party(client, world, kind, "customer_other")
    await assert_hidden(client, world.auth("customer"), kind, foreign["id"])


@pytest.mark.parametrize("kind", KINDS)
async def test_a_customer_cannot_update_another_customers_party(client, world, kind):
    foreign = await make_party(client, world, kind, "customer_other")
    body = {"name": "Taken"} if kind == "sites" else {"last_name": "Taken"}
    response = await client.patch(
        f"/v1/{kind}/{foreign['id']}", json=body, headers=world.auth("customer")
    )
    problem(response, 404)
    stored = await client.get(f"/v1/{kind}/{foreign['id']}", headers=world.auth("customer_other"))
    assert stored.json() == foreign


@pytest.mark.parametrize("kind", KINDS)
async def test_a_customer_lists_only_its_own(client, world, kind):
    own = await make_party(client, world, kind)
    await make_party(client, world, kind, "customer_other")
    assert await listed_ids(client, world.auth("customer"), kind) == {own["id"]}
    foreign_filter = await listed_ids(
        client, world.auth("customer"), kind, account_id=world.accounts["customer_other"]
    )
    assert foreign_filter == set()


@pytest.mark.parametrize("kind", KINDS)
async def test_an_admin_reads_and_lists_every_customers(client, world, kind):
    one = await make_party(client, world, kind)
    two = await make_party(client, world, kind, "customer_other")
    auth = world.auth("admin")
    assert await listed_ids(client, auth, kind) == {one["id"], two["id"]}
    response = await client.get(f"/v1/{kind}/{two['id']}", headers=auth)
    assert response.json() == two


@pytest.mark.parametrize("kind", KINDS)
async def test_a_supplier_without_orders_sees_none(client, world, kind):
    party = await make_party(client, world, kind)
    await assert_hidden(client, world.auth("supplier"), kind, party["id"])
    assert await listed_ids(client, world.auth("supplier"), kind) == set()


@pytest.mark.parametrize("kind", KINDS)
async def test_a_supplier_sees_those_named_on_orders_placed_with_it(client, world, kind):
    catalog = await make_catalog(client, world)
    party = await make_party(client, world, kind)
    await make_party(client, world, kind)  # not on any order
    field = "site_id" if kind == "sites" else "patient_id"
    await make_order(client, world, catalog, **{field: party["id"]})
    auth = world.auth("supplier")
    response = await client.get(f"/v1/{kind}/{party['id']}", headers=auth)
    assert response.status_code == 200
    assert response.json()["id"] == party["id"]
    assert await listed_ids(client, auth, kind) == {party["id"]}


@pytest.mark.parametrize("kind", KINDS)
async def test_another_supplier_does_not_see_them_through_someone_elses_order(client, world, kind):
    catalog = await make_catalog(client, world)
    party = await make_party(client, world, kind)
    field = "site_id" if kind == "sites" else "patient_id"
    await make_order(client, world, catalog, **{field: party["id"]})
    await assert_hidden(client, world.auth("supplier_other"), kind, party["id"])


@pytest.mark.parametrize("kind", KINDS)
async def test_a_supplier_cannot_change_one_it_sees(client, world, kind):
    catalog = await make_catalog(client, world)
    party = await make_party(client, world, kind)
    field = "site_id" if kind == "sites" else "patient_id"
    await make_order(client, world, catalog, **{field: party["id"]})
    body = {"name": "Renamed"} if kind == "sites" else {"last_name": "Renamed"}
    response = await client.patch(
        f"/v1/{kind}/{party['id']}", json=body, headers=world.auth("supplier")
    )
    problem(response, 403)


@pytest.mark.parametrize("kind", KINDS)
async def test_another_tenants_party_is_not_found_even_for_an_admin(
    client, world, other_world, kind
):
    foreign = await make_party(client, other_world, kind)
    auth = world.auth("admin")
    await assert_hidden(client, auth, kind, foreign["id"])
    body = {"name": "Mine"} if kind == "sites" else {"last_name": "Mine"}
    problem(await client.patch(f"/v1/{kind}/{foreign['id']}", json=body, headers=auth), 404)
    assert foreign["id"] not in await listed_ids(client, auth, kind)


@pytest.mark.parametrize("kind", KINDS)
async def test_another_tenants_customer_cannot_be_named(client, world, other_world, kind):
    body = {"name": "X"} if kind == "sites" else {"first_name": "A", "last_name": "B"}
    body["account_id"] = other_world.accounts["customer"]
    response = await client.post(f"/v1/{kind}", json=body, headers=world.auth("admin"))
    assert pointers(problem(response, 422)) == {"/account_id"}
