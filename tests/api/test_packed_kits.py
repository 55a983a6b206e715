"""Packing an order's kits: units of the kit's items, no more than the kit holds."""

from __future__ import annotations

import httpx

from tests.api.builders import (
    Catalog,
    make_catalog,
    make_order,
    make_patient,
    pointers,
    problem,
    timeline_of,
)
from tests.api.test_order_devices import assign, device, make_device
from tests.conftest import World


async def kit_order(client: httpx.AsyncClient, world: World, catalog: Catalog) -> dict:
    """An order for a patient: one kit (two units of item 0) and one unit of item 1."""
    patient = await make_patient(client, world)
    return await make_order(
        client,
        world,
        catalog,
        patient_id=patient["id"],
        lines=[{"kit_id": catalog.kit_id}, {"item_id": catalog.item_ids[1]}],
    )


async def pack(
    client: httpx.AsyncClient, world: World, order_id: int, kit_id: int, *ids: int, who="supplier"
) -> httpx.Response:
    return await client.post(
        f"/v1/orders/{order_id}/packed-kits",
        json={"kit_id": kit_id, "external_identifier": "KIT-1", "device_ids": list(ids)},
        headers=world.auth(who),
    )


async def units(client: httpx.AsyncClient, world: World, item_id: int, n: int) -> list[int]:
    return [(await make_device(client, world, item_id))["id"] for _ in range(n)]


async def test_a_packed_kit_holds_its_devices_which_the_packing_assigns(client, world):
    catalog = await make_catalog(client, world)
    order = await kit_order(client, world, catalog)
    ids = await units(client, world, catalog.item_ids[0], 2)
    response = await pack(client, world, order["id"], catalog.kit_id, *ids)
    assert response.status_code == 201, response.text
    body = response.json()
    (packed,) = body["packed_kits"]
    assert (packed["kit_id"], packed["external_identifier"]) == (catalog.kit_id, "KIT-1")
    assert packed["kit"]["id"] == catalog.kit_id
    assert packed["device_ids"] == ids
    assert [(d["id"], d["packed_kit_id"]) for d in body["devices"]] == [
        (i, packed["id"]) for i in ids
    ]
    for ident in ids:
        shown = await device(client, world, ident)
        assert (shown["current_status"], shown["current_patient_id"]) == (
            "assigned",
            order["patient"]["id"],
        )
        assert [e["type"] for e in shown["events"]] == ["assigned", "packed"]


async def test_a_device_already_on_the_order_can_be_packed(client, world):
    catalog = await make_catalog(client, world)
    order = await kit_order(client, world, catalog)
    (unit,) = await units(client, world, catalog.item_ids[0], 1)
    assert (await assign(client, world, order["id"], unit)).status_code == 200
    response = await pack(client, world, order["id"], catalog.kit_id, unit)
    assert response.status_code == 201, response.text
    assert response.json()["packed_kits"][0]["device_ids"] == [unit]


async def test_a_device_packing_cannot_assign_is_named_at_its_place_in_the_request(client, world):
    catalog = await make_catalog(client, world)
    order = await kit_order(client, world, catalog)
    on_it, retired = await units(client, world, catalog.item_ids[0], 2)
    assert (await assign(client, world, order["id"], on_it)).status_code == 200
    retiring = await client.patch(
        f"/v1/devices/{retired}",
        json={"current_status": "retired"},
        headers=world.auth("supplier"),
    )
    assert retiring.status_code == 200, retiring.text
    body = problem(await pack(client, world, order["id"], catalog.kit_id, on_it, retired), 422)
    assert pointers(body) == {"/device_ids/1"}


async def test_a_kit_the_order_does_not_ask_for_cannot_be_packed(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    body = problem(await pack(client, world, order["id"], catalog.kit_id), 422)
    assert pointers(body) == {"/kit_id"}


async def test_no_more_kits_are_packed_than_were_ordered(client, world):
    catalog = await make_catalog(client, world)
    order = await kit_order(client, world, catalog)
    assert (await pack(client, world, order["id"], catalog.kit_id)).status_code == 201
    body = problem(await pack(client, world, order["id"], catalog.kit_id), 409)
    assert pointers(body) == {"/kit_id"}


async def test_a_device_of_an_item_the_kit_does_not_hold_cannot_be_packed_in_it(client, world):
    catalog = await make_catalog(client, world)
    order = await kit_order(client, world, catalog)
    (other,) = await units(client, world, catalog.item_ids[1], 1)
    body = problem(await pack(client, world, order["id"], catalog.kit_id, other), 422)
    assert pointers(body) == {"/device_ids/0"}
    assert (await device(client, world, other))["current_status"] == "in_stock"


async def test_no_more_devices_of_an_item_are_packed_than_the_kit_holds(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, lines=[{"kit_id": catalog.kit_id, "count": 2}])
    ids = await units(client, world, catalog.item_ids[0], 3)
    body = problem(await pack(client, world, order["id"], catalog.kit_id, *ids), 422)
    assert pointers(body) == {"/device_ids/2"}


async def test_a_device_in_one_packed_kit_cannot_be_packed_in_another(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, lines=[{"kit_id": catalog.kit_id, "count": 2}])
    (unit,) = await units(client, world, catalog.item_ids[0], 1)
    assert (await pack(client, world, order["id"], catalog.kit_id, unit)).status_code == 201
    body = problem(await pack(client, world, order["id"], catalog.kit_id, unit), 422)
    assert pointers(body) == {"/device_ids/0"}


async def test_another_suppliers_device_cannot_be_packed(client, world):
    catalog = await make_catalog(client, world)
    theirs = await make_catalog(client, world, supplier="supplier_other")
    order = await kit_order(client, world, catalog)
    unit = await make_device(client, world, theirs.item_ids[0], supplier="supplier_other")
    body = problem(await pack(client, world, order["id"], catalog.kit_id, unit["id"]), 422)
    assert pointers(body) == {"/device_ids/0"}


async def test_only_the_orders_supplier_packs_its_kits(client, world):
    catalog = await make_catalog(client, world)
    order = await kit_order(client, world, catalog)
    problem(await pack(client, world, order["id"], catalog.kit_id, who="customer"), 403)
    problem(await pack(client, world, order["id"], catalog.kit_id, who="supplier_other"), 404)


async def test_unpacking_keeps_the_devices_on_the_order(client, world):
    catalog = await make_catalog(client, world)
    order = await kit_order(client, world, catalog)
    ids = await units(client, world, catalog.item_ids[0], 2)
    packed = (await pack(client, world, order["id"], catalog.kit_id, *ids)).json()["packed_kits"][0]
    response = await client.delete(
        f"/v1/orders/{order['id']}/packed-kits/{packed['id']}", headers=world.auth("supplier")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["packed_kits"] == []
    assert [(d["id"], d["packed_kit_id"]) for d in body["devices"]] == [(i, None) for i in ids]
    assert (await device(client, world, ids[0]))["events"][-1]["type"] == "unpacked"
    kinds = [e["kind"] for e in await timeline_of(client, world, order["id"])]
    assert kinds[-2:] == ["kit_packed", "kit_unpacked"]


async def test_a_kit_that_shipped_cannot_be_unpacked(client, world):
    catalog = await make_catalog(client, world)
    order = await kit_order(client, world, catalog)
    (unit,) = await units(client, world, catalog.item_ids[0], 1)
    packed = (await pack(client, world, order["id"], catalog.kit_id, unit)).json()["packed_kits"][0]
    tracked = await client.post(
        f"/v1/orders/{order['id']}/tracking-numbers",
        json={"carrier": "UPS", "value": "1Z"},
        headers=world.auth("supplier"),
    )
    assert tracked.status_code == 201, tracked.text
    problem(
        await client.delete(
            f"/v1/orders/{order['id']}/packed-kits/{packed['id']}", headers=world.auth("supplier")
        ),
        409,
    )
    problem(
        await client.delete(
            f"/v1/orders/{order['id']}/devices/{unit}", headers=world.auth("supplier")
        ),
        409,
    )


async def test_a_kit_packed_records_its_timeline_event(client, world):
    catalog = await make_catalog(client, world)
    order = await kit_order(client, world, catalog)
    ids = await units(client, world, catalog.item_ids[0], 1)
    packed = (await pack(client, world, order["id"], catalog.kit_id, *ids)).json()["packed_kits"][0]
    event = (await timeline_of(client, world, order["id"]))[-1]
    assert event["kind"] == "kit_packed"
    assert {k: event["data"][k] for k in ("packed_kit_id", "kit_id", "device_ids")} == {
        "packed_kit_id": packed["id"],
        "kit_id": catalog.kit_id,
        "device_ids": ids,
    }
