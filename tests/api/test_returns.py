"""Returns that mean something: what an order sends back is checked, and its receipt
frees the devices."""

from __future__ import annotations

import httpx

from tests.api.builders import (
    Catalog,
    make_catalog,
    make_order,
    make_patient,
    moved,
    pointers,
    problem,
    read_order,
    timeline_of,
)
from tests.api.test_order_devices import assign, device, make_device
from tests.conftest import World


async def track(client: httpx.AsyncClient, world: World, order_id: int) -> None:
    response = await client.post(
        f"/v1/orders/{order_id}/tracking-numbers",
        json={"carrier": "UPS", "value": "1Z999"},
        headers=world.auth("supplier"),
    )
    assert response.status_code == 201, response.text


async def delivered_device(
    client: httpx.AsyncClient, world: World, catalog: Catalog, patient: dict, *, deliver=True
) -> tuple[dict, int]:
    """An order for ``patient`` with one device of item 0 assigned and shipped (and, by
    default, delivered); the order and the device's id."""
    order = await make_order(client, world, catalog, patient_id=patient["id"])
    unit = await make_device(client, world, catalog.item_ids[0])
    assert (await assign(client, world, order["id"], unit["id"])).status_code == 200
    await track(client, world, order["id"])
    if deliver:
        await moved(client, world, order["id"], "processing", "shipped", "delivered")
    return order, unit["id"]


async def place(
    client: httpx.AsyncClient, world: World, catalog: Catalog, patient: dict, returns: dict
) -> httpx.Response:
    body = {
        "patient_id": patient["id"],
        "lines": [{"item_id": catalog.item_ids[0]}],
        "returns": returns,
    }
    return await client.post("/v1/orders", json=body, headers=world.auth("customer"))


async def receive(
    client: httpx.AsyncClient, world: World, order_id: int, body=None, who="supplier"
) -> httpx.Response:
    return await client.post(
        f"/v1/orders/{order_id}/returns/received", json=body, headers=world.auth(who)
    )


async def order_count(client: httpx.AsyncClient, world: World) -> int:
    response = await client.get("/v1/orders", headers=world.auth("admin"))
    return len(response.json()["items"])


async def test_a_device_sent_to_the_patient_can_be_returned(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    _, unit = await delivered_device(client, world, catalog, patient)
    response = await place(client, world, catalog, patient, {"devices": [{"device_id": unit}]})
    assert response.status_code == 201, response.text
    assert response.json()["returns"]["devices"] == [{"id": unit, "received_at": None}]


async def test_a_device_the_patient_does_not_hold_cannot_be_returned(client, world):
    catalog = await make_catalog(client, world)
    patient, other = await make_patient(client, world), await make_patient(client, world)
    _, theirs = await delivered_device(client, world, catalog, other)
    in_stock = (await make_device(client, world, catalog.item_ids[0]))["id"]
    before = await order_count(client, world)
    for ident in (theirs, in_stock, 999999):
        body = problem(
            await place(client, world, catalog, patient, {"devices": [{"device_id": ident}]}), 422
        )
        assert pointers(body) == {"/returns/devices/0/device_id"}
    assert await order_count(client, world) == before  # nothing was placed


async def test_a_device_assigned_but_not_shipped_cannot_be_returned(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    order = await make_order(client, world, catalog, patient_id=patient["id"])
    unit = (await make_device(client, world, catalog.item_ids[0]))["id"]
    assert (await assign(client, world, order["id"], unit)).status_code == 200
    body = problem(
        await place(client, world, catalog, patient, {"devices": [{"device_id": unit}]}), 422
    )
    assert pointers(body) == {"/returns/devices/0/device_id"}


async def test_an_order_for_no_patient_or_site_returns_no_devices(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    _, unit = await delivered_device(client, world, catalog, patient)
    body = {
        "lines": [{"item_id": catalog.item_ids[0]}],
        "returns": {"devices": [{"device_id": unit}]},
    }
    response = await client.post("/v1/orders", json=body, headers=world.auth("customer"))
    assert pointers(problem(response, 422)) == {"/returns/devices/0/device_id"}


async def test_returns_sent_on_an_edit_are_checked_too(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    order = await make_order(client, world, catalog, patient_id=patient["id"])
    response = await client.patch(
        f"/v1/orders/{order['id']}",
        json={"returns": {"devices": [{"device_id": 999999}]}},
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/returns/devices/0/device_id"}
    assert (await read_order(client, world, order["id"]))["returns"]["devices"] == []


async def test_an_edit_cannot_drop_what_was_received(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    _, unit = await delivered_device(client, world, catalog, patient)
    order = (
        await place(client, world, catalog, patient, {"devices": [{"device_id": unit}]})
    ).json()
    assert (await receive(client, world, order["id"])).status_code == 200
    response = await client.patch(
        f"/v1/orders/{order['id']}", json={"returns": {}}, headers=world.auth("customer")
    )
    assert pointers(problem(response, 422)) == {"/returns/devices"}


async def test_a_packed_kit_delivered_to_the_patient_can_be_returned(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    first = await make_order(
        client, world, catalog, patient_id=patient["id"], lines=[{"kit_id": catalog.kit_id}]
    )
    packed = await client.post(
        f"/v1/orders/{first['id']}/packed-kits",
        json={"kit_id": catalog.kit_id},
        headers=world.auth("supplier"),
    )
    (kit,) = packed.json()["packed_kits"]
    returns = {"packed_kits": [{"packed_kit_id": kit["id"]}]}
    # Not delivered yet: it cannot come back.
    body = problem(await place(client, world, catalog, patient, returns), 422)
    assert pointers(body) == {"/returns/packed_kits/0/packed_kit_id"}
    await moved(client, world, first["id"], "processing", "shipped", "delivered")
    response = await place(client, world, catalog, patient, returns)
    assert response.status_code == 201, response.text
    # Nor to another patient.
    other = await make_patient(client, world)
    body = problem(await place(client, world, catalog, other, returns), 422)
    assert pointers(body) == {"/returns/packed_kits/0/packed_kit_id"}


async def test_a_receipt_returns_the_devices_and_frees_them(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    _, unit = await delivered_device(client, world, catalog, patient, deliver=False)
    order = (
        await place(client, world, catalog, patient, {"devices": [{"device_id": unit}]})
    ).json()
    response = await receive(client, world, order["id"])
    assert response.status_code == 200, response.text
    (entry,) = response.json()["returns"]["devices"]
    assert entry["id"] == unit and entry["received_at"] is not None
    shown = await device(client, world, unit)
    assert (shown["current_status"], shown["current_patient_id"]) == ("returned", None)
    assert shown["events"][-1]["type"] == "returned"
    event = (await timeline_of(client, world, order["id"]))[-1]
    assert (event["kind"], event["data"]["device_ids"]) == ("returns_received", [unit])
    # The order it went out on is still open, yet the device is free for another.
    again = await make_order(client, world, catalog, patient_id=patient["id"])
    assert (await assign(client, world, again["id"], unit)).status_code == 200


async def test_what_was_received_is_not_received_again(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    _, unit = await delivered_device(client, world, catalog, patient)
    order = (
        await place(client, world, catalog, patient, {"devices": [{"device_id": unit}]})
    ).json()
    assert (await receive(client, world, order["id"])).status_code == 200
    problem(await receive(client, world, order["id"]), 409)
    body = problem(await receive(client, world, order["id"], {"device_ids": [unit]}), 422)
    assert pointers(body) == {"/device_ids/0"}


async def test_a_receipt_names_only_what_the_returns_list(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    order = (
        await place(client, world, catalog, patient, {"items": [{"item_id": catalog.item_ids[1]}]})
    ).json()
    body = problem(await receive(client, world, order["id"], {"device_ids": [123]}), 422)
    assert pointers(body) == {"/device_ids/0"}


async def test_a_receipt_naming_some_parts_receives_only_those(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    _, unit = await delivered_device(client, world, catalog, patient)
    returns = {"devices": [{"device_id": unit}], "items": [{"item_id": catalog.item_ids[1]}]}
    order = (await place(client, world, catalog, patient, returns)).json()
    response = await receive(client, world, order["id"], {"item_ids": [catalog.item_ids[1]]})
    assert response.status_code == 200, response.text
    received = response.json()["returns"]
    assert received["items"][0]["received_at"] is not None
    assert received["devices"][0]["received_at"] is None
    assert (await device(client, world, unit))["current_status"] == "with_patient"


async def test_only_the_supplier_records_a_receipt(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    order = (
        await place(client, world, catalog, patient, {"items": [{"item_id": catalog.item_ids[1]}]})
    ).json()
    problem(await receive(client, world, order["id"], who="customer"), 403)


async def test_receiving_a_packed_kit_returns_the_devices_in_it(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    first = await make_order(
        client, world, catalog, patient_id=patient["id"], lines=[{"kit_id": catalog.kit_id}]
    )
    unit = (await make_device(client, world, catalog.item_ids[0]))["id"]
    packed = await client.post(
        f"/v1/orders/{first['id']}/packed-kits",
        json={"kit_id": catalog.kit_id, "device_ids": [unit]},
        headers=world.auth("supplier"),
    )
    (kit,) = packed.json()["packed_kits"]
    await track(client, world, first["id"])
    await moved(client, world, first["id"], "processing", "shipped", "delivered")
    returns = {"packed_kits": [{"packed_kit_id": kit["id"]}]}
    order = (await place(client, world, catalog, patient, returns)).json()
    assert (await receive(client, world, order["id"])).status_code == 200
    assert (await device(client, world, unit))["current_status"] == "returned"
