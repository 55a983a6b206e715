"""The catalog: every principal of the tenant reads it; a supplier writes only its own."""

import pytest

from tests.api.builders import (
    created,
    make_catalog,
    make_order,
    pointers,
    problem,
    read_order,
    without_id,
)

MISSING = 10**12
OWNED = ["items", "kits", "products"]  # entries that belong to one supplier


async def post(client, world, who: str, path: str, body: dict) -> dict:
    return await created(await client.post(path, json=body, headers=world.auth(who)))


async def make_entry(client, world, kind: str, supplier: str = "supplier", **fields) -> dict:
    """One catalog entry of ``kind`` owned by ``supplier``."""
    if kind == "manufacturers":
        return await post(client, world, supplier, "/v1/manufacturers", {"name": "Maker", **fields})
    if kind == "items":
        body = {"sku": "S-1", "name": "Swab", **fields}
        return await post(client, world, supplier, "/v1/items", body)
    if kind == "kits":
        item = await make_entry(client, world, "items", supplier)
        body = {"name": "Kit", "kit_items": [{"item_id": item["id"]}], **fields}
        return await post(client, world, supplier, "/v1/kits", body)
    body = {"name": "Crown", "price": "120.50", "currency": "USD", **fields}
    return await post(client, world, supplier, "/v1/products", body)


def minimal_body(kind: str) -> dict:
    return {
        "items": {"sku": "S-9", "name": "Thing"},
        "kits": {"name": "Kit"},
        "products": {"name": "P", "price": "1", "currency": "EUR"},
    }[kind]


# --- each resource works ---------------------------------------------------


async def test_a_supplier_creates_reads_and_renames_a_manufacturer(client, world):
    maker = await make_entry(client, world, "manufacturers", name="Acme")
    auth = world.auth("supplier")
    assert maker["name"] == "Acme"
    assert (await client.get(f"/v1/manufacturers/{maker['id']}", headers=auth)).json() == maker
    renamed = await client.patch(
        f"/v1/manufacturers/{maker['id']}", json={"name": "Acme Corp"}, headers=auth
    )
    assert renamed.json()["name"] == "Acme Corp"
    assert renamed.json()["version"] == 2
    listed = await client.get("/v1/manufacturers", headers=auth)
    assert [m["name"] for m in listed.json()["items"]] == ["Acme Corp"]


async def test_a_supplier_creates_an_item_with_its_manufacturer(client, world):
    maker = await make_entry(client, world, "manufacturers", name="Acme")
    item = await make_entry(client, world, "items", model="M2", manufacturer_id=maker["id"])
    assert item["account_id"] == world.accounts["supplier"]
    assert item["sku"] == "S-1"
    assert item["model"] == "M2"
    assert item["manufacturer"] == {"id": maker["id"], "name": "Acme"}
    assert item["orderable"] is True
    response = await client.get(f"/v1/items/{item['id']}", headers=world.auth("supplier"))
    assert response.json() == item


async def test_a_supplier_updates_its_item(client, world):
    item = await make_entry(client, world, "items")
    maker = await make_entry(client, world, "manufacturers", name="Other maker")
    response = await client.patch(
        f"/v1/items/{item['id']}",
        json={"orderable": False, "manufacturer_id": maker["id"]},
        headers=world.auth("supplier"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["orderable"] is False
    assert response.json()["manufacturer"]["name"] == "Other maker"
    assert response.json()["sku"] == item["sku"]


async def test_an_items_manufacturer_must_exist(client, world):
    response = await client.post(
        "/v1/items",
        json={"sku": "S", "name": "N", "manufacturer_id": MISSING},
        headers=world.auth("supplier"),
    )
    assert pointers(problem(response, 422)) == {"/manufacturer_id"}


async def test_an_items_manufacturer_cannot_come_from_another_tenant(client, world, other_world):
    foreign = await make_entry(client, other_world, "manufacturers")
    item = await make_entry(client, world, "items")
    response = await client.patch(
        f"/v1/items/{item['id']}",
        json={"manufacturer_id": foreign["id"]},
        headers=world.auth("supplier"),
    )
    assert pointers(problem(response, 422)) == {"/manufacturer_id"}


async def test_the_item_list_filters_by_supplier_and_sku(client, world):
    mine = await make_entry(client, world, "items", sku="A-1")
    await make_entry(client, world, "items", sku="A-2")
    theirs = await make_entry(client, world, "items", "supplier_other", sku="A-1")
    auth = world.auth("customer")
    by_sku = await client.get("/v1/items", params={"sku": "A-1"}, headers=auth)
    assert {i["id"] for i in by_sku.json()["items"]} == {mine["id"], theirs["id"]}
    by_owner = await client.get(
        "/v1/items", params={"account_id": world.accounts["supplier_other"]}, headers=auth
    )
    assert [i["id"] for i in by_owner.json()["items"]] == [theirs["id"]]


async def test_a_supplier_creates_a_kit_of_its_items(client, world):
    catalog = await make_catalog(client, world)
    kit = await post(
        client,
        world,
        "supplier",
        "/v1/kits",
        {
            "name": "Collection kit",
            "kit_items": [
                {"item_id": catalog.item_ids[0], "count": 2},
                {"item_id": catalog.item_ids[1], "drives_external_identifier": True},
            ],
        },
    )
    rows = [
        (k["item"]["id"], k["count"], k["drives_external_identifier"]) for k in kit["kit_items"]
    ]
    assert rows == [(catalog.item_ids[0], 2, False), (catalog.item_ids[1], 1, True)]
    assert kit["kit_items"][0]["item"]["manufacturer"]["id"] == catalog.manufacturer_id
    response = await client.get(f"/v1/kits/{kit['id']}", headers=world.auth("customer"))
    assert response.json() == kit


async def test_updating_a_kits_items_replaces_them(client, world):
    catalog = await make_catalog(client, world)
    response = await client.patch(
        f"/v1/kits/{catalog.kit_id}",
        json={"kit_items": [{"item_id": catalog.item_ids[1], "count": 5}], "archived": True},
        headers=world.auth("supplier"),
    )
    assert response.status_code == 200, response.text
    kit = response.json()
    assert [(k["item"]["id"], k["count"]) for k in kit["kit_items"]] == [(catalog.item_ids[1], 5)]
    assert kit["archived"] is True
    again = await client.get(f"/v1/kits/{catalog.kit_id}", headers=world.auth("supplier"))
    assert again.json() == kit


async def test_updating_a_kit_without_items_keeps_them(client, world):
    catalog = await make_catalog(client, world)
    before = (await client.get(f"/v1/kits/{catalog.kit_id}", headers=world.auth("admin"))).json()
    response = await client.patch(
        f"/v1/kits/{catalog.kit_id}", json={"name": "Renamed"}, headers=world.auth("supplier")
    )
    assert response.json()["name"] == "Renamed"
    assert response.json()["kit_items"] == before["kit_items"]


async def test_a_kit_can_only_hold_its_suppliers_items(client, world):
    theirs = await make_entry(client, world, "items", "supplier_other")
    mine = await make_entry(client, world, "items")
    response = await client.post(
        "/v1/kits",
        json={"name": "K", "kit_items": [{"item_id": mine["id"]}, {"item_id": theirs["id"]}]},
        headers=world.auth("supplier"),
    )
    assert pointers(problem(response, 422)) == {"/kit_items/1/item_id"}


async def test_a_supplier_creates_and_reprices_a_product(client, world):
    product = await make_entry(client, world, "products", discount="10%", terms="net 30")
    assert product["price"] == "120.50"
    assert product["currency"] == "USD"
    assert product["discount"] == "10%"
    auth = world.auth("supplier")
    response = await client.patch(
        f"/v1/products/{product['id']}", json={"price": "99.99"}, headers=auth
    )
    assert response.json()["price"] == "99.99"
    assert response.json()["version"] == 2
    assert (await client.get(f"/v1/products/{product['id']}", headers=auth)).json() == (
        response.json()
    )


async def test_a_product_price_cannot_be_negative(client, world):
    response = await client.post(
        "/v1/products",
        json={"name": "P", "price": "-1", "currency": "USD"},
        headers=world.auth("supplier"),
    )
    assert pointers(problem(response, 422)) == {"/price"}


# --- who may write ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["manufacturers", *OWNED])
async def test_a_customer_cannot_write_the_catalog(client, world, kind):
    body = {"name": "M"} if kind == "manufacturers" else minimal_body(kind)
    problem(await client.post(f"/v1/{kind}", json=body, headers=world.auth("customer")), 403)
    entry = await make_entry(client, world, kind)
    response = await client.patch(
        f"/v1/{kind}/{entry['id']}", json={"name": "Mine"}, headers=world.auth("customer")
    )
    problem(response, 403)


@pytest.mark.parametrize("kind", ["manufacturers", *OWNED])
async def test_a_customer_reads_the_catalog(client, world, kind):
    entry = await make_entry(client, world, kind)
    auth = world.auth("customer")
    assert (await client.get(f"/v1/{kind}/{entry['id']}", headers=auth)).json() == entry
    listed = await client.get(f"/v1/{kind}", headers=auth)
    assert entry["id"] in {e["id"] for e in listed.json()["items"]}


@pytest.mark.parametrize("kind", OWNED)
async def test_a_supplier_cannot_edit_another_suppliers_entry(client, world, kind):
    theirs = await make_entry(client, world, kind, "supplier_other")
    response = await client.patch(
        f"/v1/{kind}/{theirs['id']}", json={"name": "Hijacked"}, headers=world.auth("supplier")
    )
    problem(response, 403)
    stored = await client.get(f"/v1/{kind}/{theirs['id']}", headers=world.auth("admin"))
    assert stored.json() == theirs


@pytest.mark.parametrize("kind", OWNED)
async def test_a_supplier_cannot_create_for_another_supplier(client, world, kind):
    body = {**minimal_body(kind), "account_id": world.accounts["supplier_other"]}
    response = await client.post(f"/v1/{kind}", json=body, headers=world.auth("supplier"))
    assert pointers(problem(response, 422)) == {"/account_id"}
    listed = await client.get(
        f"/v1/{kind}",
        params={"account_id": world.accounts["supplier_other"]},
        headers=world.auth("admin"),
    )
    assert listed.json()["items"] == []


@pytest.mark.parametrize("kind", OWNED)
async def test_an_admin_must_name_the_supplier(client, world, kind):
    response = await client.post(
        f"/v1/{kind}", json=minimal_body(kind), headers=world.auth("admin")
    )
    assert pointers(problem(response, 422)) == {"/account_id"}


@pytest.mark.parametrize("kind", OWNED)
async def test_an_admin_writes_any_suppliers_catalog(client, world, kind):
    body = {**minimal_body(kind), "account_id": world.accounts["supplier_other"]}
    entry = await post(client, world, "admin", f"/v1/{kind}", body)
    assert entry["account_id"] == world.accounts["supplier_other"]
    response = await client.patch(
        f"/v1/{kind}/{entry['id']}", json={"name": "By admin"}, headers=world.auth("admin")
    )
    assert response.json()["name"] == "By admin"


@pytest.mark.parametrize("kind", OWNED)
async def test_the_owner_must_be_a_supplier_account(client, world, kind):
    body = {**minimal_body(kind), "account_id": world.accounts["customer"]}
    response = await client.post(f"/v1/{kind}", json=body, headers=world.auth("admin"))
    assert pointers(problem(response, 422)) == {"/account_id"}


# --- whose manufacturer ----------------------------------------------------


async def tenant_wide_manufacturer(client, world, name: str = "Shared maker") -> dict:
    return await post(client, world, "admin", "/v1/manufacturers", {"name": name})


async def rename(client, world, who: str, maker: dict, name: str = "Renamed"):
    return await client.patch(
        f"/v1/manufacturers/{maker['id']}", json={"name": name}, headers=world.auth(who)
    )


async def test_a_suppliers_manufacturer_is_its_own(client, world):
    maker = await make_entry(client, world, "manufacturers")
    assert maker["account_id"] == world.accounts["supplier"]


async def test_a_supplier_renames_its_own_manufacturer(client, world):
    maker = await make_entry(client, world, "manufacturers", name="Acme")
    response = await rename(client, world, "supplier", maker, "Acme Corp")
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Acme Corp"
    assert response.json()["account_id"] == world.accounts["supplier"]


async def test_another_suppliers_manufacturer_cannot_be_renamed(client, world):
    theirs = await make_entry(client, world, "manufacturers", "supplier_other")
    hidden = problem(await rename(client, world, "supplier", theirs), 404)
    missing = problem(await rename(client, world, "supplier", {"id": MISSING}), 404)
    assert without_id(hidden, theirs["id"]) == without_id(missing, MISSING)
    stored = await client.get(f"/v1/manufacturers/{theirs['id']}", headers=world.auth("admin"))
    assert stored.json() == theirs


async def test_a_tenant_wide_manufacturer_cannot_be_renamed_by_a_supplier(client, world):
    shared = await tenant_wide_manufacturer(client, world)
    problem(await rename(client, world, "supplier", shared), 404)
    stored = await client.get(f"/v1/manufacturers/{shared['id']}", headers=world.auth("admin"))
    assert stored.json() == shared


@pytest.mark.parametrize("owner", ["supplier", "admin"])
async def test_an_admin_renames_any_manufacturer(client, world, owner):
    maker = await make_entry(client, world, "manufacturers", owner)
    response = await rename(client, world, "admin", maker, "By admin")
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "By admin"
    assert response.json()["account_id"] == maker["account_id"]


async def test_an_admins_manufacturer_is_tenant_wide_unless_it_names_a_supplier(client, world):
    shared = await tenant_wide_manufacturer(client, world)
    assert shared["account_id"] is None
    supplier = world.accounts["supplier_other"]
    named = await post(
        client, world, "admin", "/v1/manufacturers", {"name": "M", "account_id": supplier}
    )
    assert named["account_id"] == supplier


@pytest.mark.parametrize(("who", "owner"), [("supplier", "supplier_other"), ("admin", "customer")])
async def test_a_manufacturers_owner_must_be_a_supplier_the_caller_acts_for(
    client, world, who, owner
):
    body = {"name": "M", "account_id": world.accounts[owner]}
    response = await client.post("/v1/manufacturers", json=body, headers=world.auth(who))
    assert pointers(problem(response, 422)) == {"/account_id"}


async def test_the_manufacturer_list_filters_by_supplier(client, world):
    await tenant_wide_manufacturer(client, world)
    await make_entry(client, world, "manufacturers")
    theirs = await make_entry(client, world, "manufacturers", "supplier_other")
    response = await client.get(
        "/v1/manufacturers",
        params={"account_id": world.accounts["supplier_other"]},
        headers=world.auth("supplier"),
    )
    assert response.json()["items"] == [theirs]


async def test_another_suppliers_manufacturer_is_still_read_by_everyone(client, world):
    catalog = await make_catalog(client, world, "supplier_other")
    auth = world.auth("supplier")
    url = f"/v1/manufacturers/{catalog.manufacturer_id}"
    maker = (await client.get(url, headers=auth)).json()
    assert maker["account_id"] == world.accounts["supplier_other"]
    listed = await client.get("/v1/manufacturers", headers=auth)
    assert listed.json()["items"] == [maker]
    item = (await client.get(f"/v1/items/{catalog.item_ids[0]}", headers=auth)).json()
    assert item["manufacturer"] == {"id": maker["id"], "name": maker["name"]}
    order = await make_order(client, world, catalog)
    line = (await read_order(client, world, order["id"], "customer"))["lines"][0]
    assert line["item"]["manufacturer"] == {"id": maker["id"], "name": maker["name"]}


async def test_a_suppliers_item_may_use_a_tenant_wide_manufacturer(client, world):
    shared = await tenant_wide_manufacturer(client, world)
    item = await make_entry(client, world, "items", manufacturer_id=shared["id"])
    assert item["manufacturer"] == {"id": shared["id"], "name": shared["name"]}


async def test_a_suppliers_item_cannot_use_another_suppliers_manufacturer(client, world):
    theirs = await make_entry(client, world, "manufacturers", "supplier_other")
    response = await client.post(
        "/v1/items",
        json={"sku": "S", "name": "N", "manufacturer_id": theirs["id"]},
        headers=world.auth("supplier"),
    )
    assert pointers(problem(response, 422)) == {"/manufacturer_id"}
    listed = await client.get("/v1/items", headers=world.auth("admin"))
    assert listed.json()["items"] == []


async def test_an_item_cannot_be_moved_to_another_suppliers_manufacturer(client, world):
    theirs = await make_entry(client, world, "manufacturers", "supplier_other")
    item = await make_entry(client, world, "items")
    response = await client.patch(
        f"/v1/items/{item['id']}",
        json={"manufacturer_id": theirs["id"]},
        headers=world.auth("supplier"),
    )
    assert pointers(problem(response, 422)) == {"/manufacturer_id"}
    stored = await client.get(f"/v1/items/{item['id']}", headers=world.auth("admin"))
    assert stored.json() == item


async def test_an_admin_cannot_give_an_item_another_suppliers_manufacturer(client, world):
    theirs = await make_entry(client, world, "manufacturers", "supplier_other")
    body = {
        "sku": "S",
        "name": "N",
        "account_id": world.accounts["supplier"],
        "manufacturer_id": theirs["id"],
    }
    response = await client.post("/v1/items", json=body, headers=world.auth("admin"))
    assert pointers(problem(response, 422)) == {"/manufacturer_id"}


# --- tenants ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["manufacturers", *OWNED])
async def test_another_tenants_entry_is_not_found(client, world, other_world, kind):
    foreign = await make_entry(client, other_world, kind)
    auth = world.auth("admin")
    hidden = problem(await client.get(f"/v1/{kind}/{foreign['id']}", headers=auth), 404)
    missing = problem(await client.get(f"/v1/{kind}/{MISSING}", headers=auth), 404)
    assert without_id(hidden, foreign["id"]) == without_id(missing, MISSING)
    patched = await client.patch(f"/v1/{kind}/{foreign['id']}", json={"name": "x"}, headers=auth)
    problem(patched, 404)
    listed = await client.get(f"/v1/{kind}", headers=auth)
    assert foreign["id"] not in {e["id"] for e in listed.json()["items"]}


@pytest.mark.parametrize("kind", OWNED)
async def test_another_tenants_supplier_cannot_be_named(client, world, other_world, kind):
    body = {**minimal_body(kind), "account_id": other_world.accounts["supplier"]}
    response = await client.post(f"/v1/{kind}", json=body, headers=world.auth("admin"))
    assert pointers(problem(response, 422)) == {"/account_id"}


async def test_a_kit_cannot_hold_another_tenants_item(client, world, other_world):
    foreign = await make_entry(client, other_world, "items")
    response = await client.post(
        "/v1/kits",
        json={"name": "K", "kit_items": [{"item_id": foreign["id"]}]},
        headers=world.auth("supplier"),
    )
    assert pointers(problem(response, 422)) == {"/kit_items/0/item_id"}
