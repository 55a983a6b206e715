"""Accounts: organisations inside a tenant. Admins manage them; others only read."""

import pytest

from tests.api.builders import make_account, pointers, problem, without_id

MISSING = 10**12


async def test_an_admin_creates_an_account_and_reads_it_back(client, world):
    account = await make_account(
        client,
        world,
        "supplier",
        name="North Lab",
        contact_person="Ada",
        email="lab@example.org",
        shipping_address={"city": "Boston", "zip_code": "02110"},
    )
    assert account["kind"] == "supplier"
    assert account["name"] == "North Lab"
    assert account["shipping_address"]["city"] == "Boston"
    assert account["version"] == 1
    response = await client.get(f"/v1/accounts/{account['id']}", headers=world.auth("admin"))
    assert response.status_code == 200
    assert response.json() == account


async def test_an_account_keeps_its_contacts_written_name_and_given_and_family_names(client, world):
    account = await make_account(
        client,
        world,
        contact_person="Dr. Amara Osei",
        contact_given_name="Amara",
        contact_family_name="Osei",
    )
    contact = ("Dr. Amara Osei", "Amara", "Osei")
    assert (
        account["contact_person"],
        account["contact_given_name"],
        account["contact_family_name"],
    ) == contact
    stored = await client.get(f"/v1/accounts/{account['id']}", headers=world.auth("admin"))
    assert stored.json() == account
    listed = await client.get("/v1/accounts", headers=world.auth("admin"))
    (found,) = [a for a in listed.json()["items"] if a["id"] == account["id"]]
    assert found == account


async def test_a_contact_person_left_out_is_the_given_and_family_names_joined(client, world):
    account = await make_account(
        client, world, contact_given_name="Amara", contact_family_name="Osei"
    )
    assert account["contact_person"] == "Amara Osei"
    only_given = await make_account(client, world, contact_given_name="Cher")
    assert only_given["contact_person"] == "Cher"
    unnamed = await make_account(client, world)
    assert unnamed["contact_person"] is None


async def test_names_too_long_to_join_need_a_contact_person(client, world):
    long_names = {"contact_given_name": "A" * 150, "contact_family_name": "B" * 150}
    response = await client.post(
        "/v1/accounts",
        json={"kind": "customer", "name": "Long names", **long_names},
        headers=world.auth("admin"),
    )
    assert pointers(problem(response, 422)) == {"/contact_person"}
    account = await make_account(client, world, contact_person="A. B.", **long_names)
    assert account["contact_given_name"] == "A" * 150


async def test_contact_names_are_bounded_like_other_names(client, world):
    response = await client.post(
        "/v1/accounts",
        json={
            "kind": "customer",
            "name": "X",
            "contact_given_name": "A" * 201,
            "contact_family_name": "",
        },
        headers=world.auth("admin"),
    )
    assert pointers(problem(response, 422)) == {"/contact_given_name", "/contact_family_name"}


async def test_an_admin_updates_the_contact_names_and_clears_them_with_null(client, world):
    account_id = world.accounts["customer"]
    auth = world.auth("admin")
    response = await client.patch(
        f"/v1/accounts/{account_id}",
        json={"contact_given_name": "Lena", "contact_family_name": "Novak"},
        headers=auth,
    )
    assert response.status_code == 200, response.text
    stored = (await client.get(f"/v1/accounts/{account_id}", headers=auth)).json()
    assert (stored["contact_given_name"], stored["contact_family_name"]) == ("Lena", "Novak")
    assert stored["contact_person"] is None  # an update joins nothing: the fields it names

    response = await client.patch(
        f"/v1/accounts/{account_id}", json={"contact_family_name": None}, headers=auth
    )
    assert response.status_code == 200, response.text
    stored = (await client.get(f"/v1/accounts/{account_id}", headers=auth)).json()
    assert (stored["contact_given_name"], stored["contact_family_name"]) == ("Lena", None)


async def test_an_admin_lists_every_account_of_its_tenant(client, world):
    new = await make_account(client, world)
    response = await client.get("/v1/accounts", headers=world.auth("admin"))
    assert response.status_code == 200
    ids = {a["id"] for a in response.json()["items"]}
    assert ids == {*world.accounts.values(), new["id"]}


async def test_the_account_list_filters_by_kind(client, world):
    response = await client.get(
        "/v1/accounts", params={"kind": "supplier"}, headers=world.auth("admin")
    )
    ids = {a["id"] for a in response.json()["items"]}
    assert ids == {world.accounts["supplier"], world.accounts["supplier_other"]}


async def test_an_admin_updates_an_account_and_its_version_grows(client, world):
    account_id = world.accounts["customer"]
    response = await client.patch(
        f"/v1/accounts/{account_id}",
        json={"name": "Renamed clinic", "phone_number": "555-0100"},
        headers=world.auth("admin"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Renamed clinic"
    assert response.json()["phone_number"] == "555-0100"
    assert response.json()["version"] == 2
    again = await client.get(f"/v1/accounts/{account_id}", headers=world.auth("admin"))
    assert again.json()["name"] == "Renamed clinic"


@pytest.mark.parametrize("who", ["customer", "supplier"])
async def test_only_an_admin_may_create_an_account(client, world, who):
    response = await client.post(
        "/v1/accounts", json={"kind": "customer", "name": "Sneaky"}, headers=world.auth(who)
    )
    problem(response, 403)
    listed = await client.get("/v1/accounts", headers=world.auth("admin"))
    assert "Sneaky" not in {a["name"] for a in listed.json()["items"]}


@pytest.mark.parametrize("who", ["customer", "supplier"])
async def test_only_an_admin_may_update_an_account_even_its_own(client, world, who):
    account_id = world.accounts[who]
    response = await client.patch(
        f"/v1/accounts/{account_id}", json={"name": "Mine now"}, headers=world.auth(who)
    )
    problem(response, 403)
    stored = await client.get(f"/v1/accounts/{account_id}", headers=world.auth("admin"))
    assert stored.json()["name"] == f"{who} account"


async def test_a_customer_sees_its_own_account_and_the_suppliers_only(client, world):
    response = await client.get("/v1/accounts", headers=world.auth("customer"))
    ids = {a["id"] for a in response.json()["items"]}
    assert ids == {
        world.accounts["customer"],
        world.accounts["supplier"],
        world.accounts["supplier_other"],
    }


async def test_a_customer_cannot_read_another_customers_account(client, world):
    other = world.accounts["customer_other"]
    auth = world.auth("customer")
    hidden = problem(await client.get(f"/v1/accounts/{other}", headers=auth), 404)
    missing = problem(await client.get(f"/v1/accounts/{MISSING}", headers=auth), 404)
    assert without_id(hidden, other) == without_id(missing, MISSING)


async def test_a_supplier_cannot_read_a_customer_account(client, world):
    response = await client.get(
        f"/v1/accounts/{world.accounts['customer']}", headers=world.auth("supplier")
    )
    problem(response, 404)


async def test_another_tenants_account_is_not_found_even_for_an_admin(client, world, other_world):
    foreign = other_world.accounts["customer"]
    auth = world.auth("admin")
    hidden = problem(await client.get(f"/v1/accounts/{foreign}", headers=auth), 404)
    missing = problem(await client.get(f"/v1/accounts/{MISSING}", headers=auth), 404)
    assert without_id(hidden, foreign) == without_id(missing, MISSING)
    patched = await client.patch(f"/v1/accounts/{foreign}", json={"name": "x"}, headers=auth)
    problem(patched, 404)
    stored = await client.get(f"/v1/accounts/{foreign}", headers=other_world.auth("admin"))
    assert stored.json()["name"] == "customer account"


async def test_another_tenants_accounts_are_not_listed(client, world, other_world):
    response = await client.get("/v1/accounts", headers=world.auth("admin"))
    ids = {a["id"] for a in response.json()["items"]}
    assert ids.isdisjoint(other_world.accounts.values())


async def test_an_account_needs_a_known_kind(client, world):
    response = await client.post(
        "/v1/accounts", json={"kind": "hospital", "name": "X"}, headers=world.auth("admin")
    )
    assert pointers(problem(response, 422)) == {"/kind"}


async def test_an_account_email_must_look_like_an_address(client, world):
    response = await client.post(
        "/v1/accounts",
        json={"kind": "customer", "name": "X", "email": "not-an-address"},
        headers=world.auth("admin"),
    )
    assert pointers(problem(response, 422)) == {"/email"}


async def test_an_account_name_cannot_be_cleared_with_null(client, world):
    account_id = world.accounts["customer"]
    response = await client.patch(
        f"/v1/accounts/{account_id}", json={"name": None}, headers=world.auth("admin")
    )
    assert pointers(problem(response, 422)) == {"/name"}
    stored = await client.get(f"/v1/accounts/{account_id}", headers=world.auth("admin"))
    assert stored.json()["name"] == "customer account"


async def test_an_accounts_kind_cannot_be_changed(client, world):
    account_id = world.accounts["customer"]
    response = await client.patch(
        f"/v1/accounts/{account_id}", json={"kind": "supplier"}, headers=world.auth("admin")
    )
    assert pointers(problem(response, 422)) == {"/kind"}
    stored = await client.get(f"/v1/accounts/{account_id}", headers=world.auth("admin"))
    assert stored.json()["kind"] == "customer"
