"""Assigning devices to an order: the supplier's own units of the items ordered."""

from __future__ import annotations

import httpx

from tests.api.builders import (
    Catalog,
    created,
    make_catalog,
    make_order,
    make_patient,
    make_site,
    moved,
    pointers,
    problem,
    read_order,
    timeline_of,
)
from tests.conftest import World


async def make_device(
    client: httpx.AsyncClient, world: World, item_id: int, supplier: str = "supplier", **fields
) -> dict:
    body = {"item_id": item_id, **fields}
    return await created(await client.post("/v1/devices", json=body, headers=world.auth(supplier)))


async def device(client: httpx.AsyncClient, world: World, device_id: int) -> dict:
    response = await client.get(f"/v1/devices/{device_id}", headers=world.auth("supplier"))
    assert response.status_code == 200, response.text
    return response.json()


async def assign(
    client: httpx.AsyncClient, world: World, order_id: int, *ids: int, who: str = "supplier"
) -> httpx.Response:
    return await client.post(
        f"/v1/orders/{order_id}/devices", json={"device_ids": list(ids)}, headers=world.auth(who)
    )


async def patient_order(
    client: httpx.AsyncClient, world: World, catalog: Catalog, **fields: object
) -> tuple[dict, dict]:
    patient = await make_patient(client, world)
    return patient, await make_order(client, world, catalog, patient_id=patient["id"], **fields)


async def test_the_supplier_assigns_a_device_of_an_ordered_item(client, world):
    catalog = await make_catalog(client, world)
    patient, order = await patient_order(client, world, catalog)
    unit = await make_device(
        client, world, catalog.item_ids[0], identifiers=[{"type": "IMEI", "value": "4901"}]
    )
    response = await assign(client, world, order["id"], unit["id"])
    assert response.status_code == 200, response.text
    (shown,) = response.json()["devices"]
    assert shown["id"] == unit["id"]
    assert shown["item"]["id"] == catalog.item_ids[0]
    assert shown["identifiers"] == [{"type": "IMEI", "value": "4901"}]
    assert shown["current_status"] == "assigned"
    assert shown["current_patient"]["id"] == patient["id"]
    assert shown["site"] is None
    assert response.json()["version"] == order["version"] + 1

    now = await device(client, world, unit["id"])
    assert now["current_status"] == "assigned"
    assert (now["current_patient_id"], now["site_id"]) == (patient["id"], None)
    assert (await read_order(client, world, order["id"], "customer"))["devices"] == [shown]
    last = (await timeline_of(client, world, order["id"]))[-1]
    assert last["kind"] == "devices_assigned"
    assert last["data"]["device_ids"] == [unit["id"]]
    assert last["data"]["by"]["role"] == "supplier"


async def test_a_device_for_a_site_order_is_held_by_the_site(client, world):
    catalog = await make_catalog(client, world)
    site = await make_site(client, world)
    order = await make_order(client, world, catalog, site_id=site["id"])
    unit = await make_device(client, world, catalog.item_ids[0])
    response = await assign(client, world, order["id"], unit["id"], who="admin")
    assert response.status_code == 200, response.text
    assert response.json()["devices"][0]["site"]["id"] == site["id"]
    now = await device(client, world, unit["id"])
    assert (now["current_patient_id"], now["site_id"]) == (None, site["id"])


async def test_a_device_of_an_item_not_ordered_is_refused(client, world):
    catalog = await make_catalog(client, world)
    _, order = await patient_order(client, world, catalog)
    good = await make_device(client, world, catalog.item_ids[0])
    wrong = await make_device(client, world, catalog.item_ids[1])
    body = problem(await assign(client, world, order["id"], good["id"], wrong["id"]), 422)
    assert pointers(body) == {"/device_ids/1"}
    # Nothing is half-written.
    assert (await read_order(client, world, order["id"]))["devices"] == []
    assert (await device(client, world, good["id"]))["current_status"] == "in_stock"


async def test_no_more_devices_of_an_item_than_were_ordered(client, world):
    catalog = await make_catalog(client, world)
    _, order = await patient_order(
        client, world, catalog, lines=[{"item_id": catalog.item_ids[0], "count": 1}]
    )
    first, second = [await make_device(client, world, catalog.item_ids[0]) for _ in range(2)]
    body = problem(await assign(client, world, order["id"], first["id"], second["id"]), 422)
    assert pointers(body) == {"/device_ids/1"}
    assert (await assign(client, world, order["id"], first["id"])).status_code == 200
    body = problem(await assign(client, world, order["id"], second["id"]), 422)
    assert pointers(body) == {"/device_ids/0"}


async def test_kit_lines_allow_the_kits_item_count_times_the_line_count(client, world):
    catalog = await make_catalog(client, world)  # the kit holds item 0 twice
    _, order = await patient_order(
        client,
        world,
        catalog,
        lines=[
            {"kit_id": catalog.kit_id, "count": 2},
            {"item_id": catalog.item_ids[0], "count": 1},
        ],
    )
    units = [await make_device(client, world, catalog.item_ids[0]) for _ in range(6)]
    response = await assign(client, world, order["id"], *(u["id"] for u in units[:5]))
    assert response.status_code == 200, response.text
    assert len(response.json()["devices"]) == 5
    body = problem(await assign(client, world, order["id"], units[5]["id"]), 422)
    assert pointers(body) == {"/device_ids/0"}


async def test_another_suppliers_device_is_named_as_unknown(client, world):
    catalog = await make_catalog(client, world)
    _, order = await patient_order(client, world, catalog)
    other_catalog = await make_catalog(client, world, "supplier_other")
    theirs = await make_device(client, world, other_catalog.item_ids[0], "supplier_other")
    body = problem(await assign(client, world, order["id"], theirs["id"]), 422)
    assert pointers(body) == {"/device_ids/0"}
    missing = problem(await assign(client, world, order["id"], 10**12), 422)
    assert pointers(missing) == {"/device_ids/0"}
    assert body["errors"][0]["detail"].replace(str(theirs["id"]), "<id>") == missing["errors"][0][
        "detail"
    ].replace(str(10**12), "<id>")


async def test_a_device_given_twice_is_refused(client, world):
    catalog = await make_catalog(client, world)
    _, order = await patient_order(client, world, catalog)
    unit = await make_device(client, world, catalog.item_ids[0])
    body = problem(await assign(client, world, order["id"], unit["id"], unit["id"]), 422)
    assert pointers(body) == {"/device_ids/1"}
    problem(await assign(client, world, order["id"]), 422)  # an empty list


async def test_a_device_is_on_at_most_one_open_order(client, world):
    catalog = await make_catalog(client, world)
    _, first = await patient_order(client, world, catalog)
    _, second = await patient_order(client, world, catalog)
    unit = await make_device(client, world, catalog.item_ids[0])
    assert (await assign(client, world, first["id"], unit["id"])).status_code == 200
    body = problem(await assign(client, world, second["id"], unit["id"]), 409)
    assert pointers(body) == {"/device_ids/0"}
    assert (await read_order(client, world, second["id"]))["devices"] == []
    # Once the first order is closed, the device may go on another.
    cancelled = await client.post(
        f"/v1/orders/{first['id']}/cancel", json={}, headers=world.auth("customer")
    )
    assert cancelled.status_code == 200, cancelled.text
    assert (await assign(client, world, second["id"], unit["id"])).status_code == 200


async def test_unassigning_puts_the_device_back_in_stock(client, world):
    catalog = await make_catalog(client, world)
    _, order = await patient_order(client, world, catalog)
    unit = await make_device(client, world, catalog.item_ids[0])
    assert (await assign(client, world, order["id"], unit["id"])).status_code == 200
    url = f"/v1/orders/{order['id']}/devices/{unit['id']}"
    problem(await client.delete(url, headers=world.auth("customer")), 403)
    response = await client.delete(url, headers=world.auth("supplier"))
    assert response.status_code == 200, response.text
    assert response.json()["devices"] == []
    now = await device(client, world, unit["id"])
    assert now["current_status"] == "in_stock"
    assert (now["current_patient_id"], now["site_id"]) == (None, None)
    last = (await timeline_of(client, world, order["id"]))[-1]
    assert (last["kind"], last["data"]["device_id"]) == ("device_unassigned", unit["id"])
    # Not on the order (any more): 404.
    problem(await client.delete(url, headers=world.auth("supplier")), 404)


async def test_only_the_orders_supplier_or_an_admin_assigns(client, world):
    catalog = await make_catalog(client, world)
    _, order = await patient_order(client, world, catalog)
    unit = await make_device(client, world, catalog.item_ids[0])
    problem(await assign(client, world, order["id"], unit["id"], who="customer"), 403)
    problem(await assign(client, world, order["id"], unit["id"], who="supplier_other"), 404)
    assert (await device(client, world, unit["id"]))["current_status"] == "in_stock"


async def test_a_closed_order_takes_no_devices(client, world):
    catalog = await make_catalog(client, world)
    _, order = await patient_order(client, world, catalog)
    unit = await make_device(client, world, catalog.item_ids[0])
    assert (await assign(client, world, order["id"], unit["id"])).status_code == 200
    cancelled = await client.post(
        f"/v1/orders/{order['id']}/cancel", json={}, headers=world.auth("customer")
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["devices"][0]["id"] == unit["id"]  # it still shows what it had
    other = await make_device(client, world, catalog.item_ids[0])
    problem(await assign(client, world, order["id"], other["id"]), 409)
    url = f"/v1/orders/{order['id']}/devices/{unit['id']}"
    problem(await client.delete(url, headers=world.auth("supplier")), 409)


# --- devices follow the order ------------------------------------------------------------


async def assigned_unit(client: httpx.AsyncClient, world: World) -> tuple[dict, int]:
    catalog = await make_catalog(client, world)
    _, order = await patient_order(client, world, catalog)
    unit = await make_device(client, world, catalog.item_ids[0])
    assert (await assign(client, world, order["id"], unit["id"])).status_code == 200
    return order, unit["id"]


async def add_tracking(client: httpx.AsyncClient, world: World, order_id: int) -> None:
    response = await client.post(
        f"/v1/orders/{order_id}/tracking-numbers",
        json={"carrier": "UPS", "value": "1Z"},
        headers=world.auth("supplier"),
    )
    assert response.status_code == 201, response.text


async def test_a_tracking_number_ships_the_orders_devices(client, world):
    order, unit = await assigned_unit(client, world)
    await add_tracking(client, world, order["id"])
    shown = await device(client, world, unit)
    assert shown["current_status"] == "shipped"
    assert [e["type"] for e in shown["events"]] == ["assigned", "shipped"]


async def test_a_delivered_order_leaves_its_devices_with_the_patient(client, world):
    order, unit = await assigned_unit(client, world)
    await add_tracking(client, world, order["id"])
    await moved(client, world, order["id"], "processing", "shipped", "delivered")
    shown = await device(client, world, unit)
    assert (shown["current_status"], shown["current_patient_id"]) == (
        "with_patient",
        order["patient"]["id"],
    )


async def test_a_cancelled_order_puts_its_unshipped_devices_back_in_stock(client, world):
    order, unit = await assigned_unit(client, world)
    cancelled = await client.post(
        f"/v1/orders/{order['id']}/cancel", json={}, headers=world.auth("customer")
    )
    assert cancelled.status_code == 200, cancelled.text
    shown = await device(client, world, unit)
    assert (shown["current_status"], shown["current_patient_id"]) == ("in_stock", None)
    assert shown["events"][-1]["type"] == "released"


async def test_a_retired_device_cannot_be_assigned(client, world):
    catalog = await make_catalog(client, world)
    _, order = await patient_order(client, world, catalog)
    unit = await make_device(client, world, catalog.item_ids[0], current_status="retired")
    body = problem(await assign(client, world, order["id"], unit["id"]), 422)
    assert pointers(body) == {"/device_ids/0"}
