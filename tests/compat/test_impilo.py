"""Impilo compatibility API (seeds 002, 003): the guide's own requests, answered as it shows.

Golden tests send the guide's "bare minimum" create requests (placeholder ids
replaced by real ones) and compare the answers field by field with the guide's
sample order model: every key of the sample present with the same type, our
own values exactly, ids and times by type and format. The rest checks each
rule of the contract: 400s that name Impilo's attributes, server-owned
attributes never taken from the body, paging, scoping (another account's or
tenant's order is a 404 like a missing one), and that orders made on another
surface or workflow read correctly here.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import httpx
import pytest

from orderdesk.workflow.defaults import DENTAL_LAB_DEFINITION
from tests.api.builders import (
    created,
    credential_id,
    make_catalog,
    make_order,
    make_patient,
    make_site,
    moved,
    product_following,
)
from tests.compat.samples import sample
from tests.conftest import World

BASE = "/compat/impilo/api/v3"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")
NOT_ORDERABLE = "Order contains Items that are marked as non-orderable. Order cannot be placed."

# --- the guide's samples (seed 002), copied verbatim -------------------------------------

# The guide's two "bare minimum" create requests (patient, then site).
PATIENT_REQUEST = sample("impilo_patient_order_request")

SITE_REQUEST = sample("impilo_site_order_request")

# The sample order model: the guide prints the same one as the answer to both creates,
# to the fetch, and as the list's content.
SAMPLE_ORDER = sample("impilo_order")

SAMPLE_LIST = {
    "content": [SAMPLE_ORDER],
    **{"first": True, "last": True, "page": 42, "size": 42, "total": 42},
}


# --- helpers ----------------------------------------------------------------------------------


def assert_like(actual: Any, sample: Any, path: str = "", nullable: frozenset[str] = frozenset()):
    """``actual`` has every key of ``sample`` (and no other), each with the sample's type."""
    pattern = re.sub(r"/\d+(?=/|$)", "/*", path)
    if actual is None and pattern in nullable:
        return
    if isinstance(sample, dict):
        assert isinstance(actual, dict), f"{path or '/'}: {actual!r} is not an object"
        assert set(actual) == set(sample), f"{path or '/'}: keys {sorted(actual)}"
        for key, value in sample.items():
            assert_like(actual[key], value, f"{path}/{key}", nullable)
    elif isinstance(sample, list):
        assert isinstance(actual, list), f"{path}: {actual!r} is not a list"
        for i, element in enumerate(actual):
            assert_like(element, sample[0], f"{path}/{i}", nullable)
    else:
        assert type(actual) is type(sample), f"{path}: {actual!r} is not a {type(sample)}"


def key(world: World, who: str = "customer") -> dict[str, str]:
    return {"Impilo-API-Key": world.keys[who]}


async def post_order(
    client: httpx.AsyncClient, world: World, body: Any, who: str = "customer"
) -> httpx.Response:
    return await client.post(f"{BASE}/order", json=body, headers=key(world, who))


async def get_order(
    client: httpx.AsyncClient, world: World, order_id: object, who: str = "customer"
) -> httpx.Response:
    return await client.get(f"{BASE}/order/{order_id}", headers=key(world, who))


def refused(response: httpx.Response, status: int = 400) -> dict:
    """The Impilo error body of ``response``, which must have ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"timestamp", "status", "error", "code", "message", "path", "errors"}
    assert body["status"] == status
    assert TIMESTAMP.match(body["timestamp"])
    assert body["path"].startswith(BASE)
    assert isinstance(body["message"], str) and body["message"]
    return body


def pointers(body: dict) -> set[str]:
    return {e["pointer"] for e in body["errors"] if "pointer" in e}


def parameters(body: dict) -> set[str]:
    return {e["parameter"] for e in body["errors"] if "parameter" in e}


ADDRESS = {
    "line_one": "1 Main St",
    "line_two": "Suite 2",
    "line_three": "Building C",
    "city": "Raleigh",
    "state": "NC",
    "zip_code": "27601",
    "country": "US",
    "note": "Ring twice",
}
ADDRESS_OUT = {
    "city": "Raleigh",
    "country": "US",
    "lineOne": "1 Main St",
    "state": "NC",
    "zipCode": "27601",
    "lineThree": "Building C",
    "lineTwo": "Suite 2",
    "note": "Ring twice",
}


async def impilo_catalog(client: httpx.AsyncClient, world: World) -> tuple[list[dict], list[dict]]:
    """Four items and four kits of the supplier (as the guide's samples order four of each),
    as the native API answers them."""
    catalog = await make_catalog(client, world)
    auth = world.auth("supplier")
    items = [(await client.get(f"/v1/items/{i}", headers=auth)).json() for i in catalog.item_ids]
    for n in (2, 3):
        items.append(
            await created(
                await client.post(
                    "/v1/items",
                    headers=auth,
                    json={
                        "sku": f"SKU-{n}",
                        "name": f"Item {n}",
                        "model": "M2",
                        "manufacturer_id": catalog.manufacturer_id,
                    },
                )
            )
        )
    kits = [(await client.get(f"/v1/kits/{catalog.kit_id}", headers=auth)).json()]
    for n in (1, 2, 3):
        kits.append(
            await created(
                await client.post(
                    "/v1/kits",
                    headers=auth,
                    json={
                        "name": f"Kit {n}",
                        "kit_items": [
                            {
                                "item_id": items[n]["id"],
                                "count": n,
                                "drives_external_identifier": True,
                            },
                            {"item_id": items[0]["id"]},
                        ],
                    },
                )
            )
        )
    return items, kits


def item_out(item: dict) -> dict:
    """How Impilo shows an item the native API answered."""
    maker = item["manufacturer"]
    return {
        "id": item["id"],
        "manufacturer": None if maker is None else {"id": maker["id"], "name": maker["name"]},
        "model": item["model"],
        "name": item["name"],
        "orderable": item["orderable"],
        "sku": item["sku"],
    }


def kit_out(kit: dict) -> dict:
    return {
        "archived": kit["archived"],
        "id": kit["id"],
        "kitItems": [
            {
                "count": k["count"],
                "drivesExternalIdentifier": k["drives_external_identifier"],
                "item": item_out(k["item"]),
            }
            for k in kit["kit_items"]
        ],
        "name": kit["name"],
    }


def site_out(site: dict) -> dict:
    return {
        "active": site["active"],
        "address": ADDRESS_OUT,
        "id": site["id"],
        "name": site["name"],
        "phoneNumber": site["phone_number"],
    }


async def full_site(client: httpx.AsyncClient, world: World, customer: str = "customer") -> dict:
    return await make_site(client, world, customer, phone_number="+1 919 555 0100", address=ADDRESS)


async def full_patient(
    client: httpx.AsyncClient, world: World, site: dict, customer: str = "customer"
) -> dict:
    """A patient with every attribute of the guide's patient model filled."""
    return await make_patient(
        client,
        world,
        customer,
        external_identifier="1234abcd",
        sex="unknown",
        email="john.doe@example.com",
        phone_number="+1234567890",
        address=ADDRESS,
        site_id=site["id"],
    )


def filled(sample: dict, items: list[dict], kits: list[dict], **recipient: int) -> dict:
    """A guide sample request with its placeholder ids replaced by real ones."""
    body = copy.deepcopy(sample)
    for line, item in zip(body["orderItems"], items, strict=True):
        line["item"] = {"id": item["id"]}
    for line, kit in zip(body["orderKits"], kits, strict=True):
        line["kit"]["id"] = kit["id"]
    for field, ident in recipient.items():
        body[field]["id"] = ident
    return body


async def minimal(client: httpx.AsyncClient, world: World) -> dict:
    """A small valid request: one item, for a patient of the customer."""
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    return {
        "patient": {"id": patient["id"]},
        "orderItems": [{"count": 1, "item": {"id": catalog.item_ids[0]}}],
    }


# --- golden: the guide's requests and answers -------------------------------------------------


async def test_the_guides_patient_order_is_answered_with_the_order_model(client, world):
    items, kits = await impilo_catalog(client, world)
    site = await full_site(client, world)
    patient = await full_patient(client, world, site)
    response = await post_order(
        client, world, filled(PATIENT_REQUEST, items, kits, patient=patient["id"])
    )
    assert response.status_code == 201, response.text
    order = response.json()

    # Shape: every attribute of the sample, with its type; an order for a patient has no site.
    assert_like(order, SAMPLE_ORDER, nullable=frozenset({"/site"}))
    # Our own values, exactly.
    assert isinstance(order["id"], int)
    assert response.headers["location"] == f"{BASE}/order/{order['id']}"
    assert order["currentStatus"] == "new"
    assert order["emailLabel"] is False
    assert order["externalOrderIds"] == ["xyz_123_0", "xyz_123_1", "xyz_123_2", "xyz_123_3"]
    assert order["orderItems"] == [{"count": 10, "item": item_out(i)} for i in items]
    assert order["orderKits"] == [{"count": 10, "kit": kit_out(k)} for k in kits]
    assert order["orderNotes"] == []
    assert order["returnDevices"] == order["returnItems"] == order["returnPackedKits"] == []
    assert order["shippingOption"] == "standard"
    assert order["trackingNumbers"] == []
    assert order["devices"] == order["packedKits"] == []
    assert order["site"] is None
    assert order["patient"] == {
        "firstName": "John",
        "lastName": "Doe",
        "address": ADDRESS_OUT,
        "archived": False,
        "dateOfBirth": "1980-01-01",
        "email": "john.doe@example.com",
        "enrolled": True,
        "externalIdentifier": "1234abcd",
        "id": patient["id"],
        "phoneNumber": "+1234567890",
        "sex": "unknown",
        "site": site_out(site),
    }
    (event,) = order["orderEvents"]
    assert event["name"] == "new"
    assert TIMESTAMP.match(event["eventTimestamp"])

    # Fetching it answers the same model.
    fetched = await get_order(client, world, order["id"])
    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == order


async def test_the_guides_site_order_is_answered_with_the_order_model(client, world):
    items, kits = await impilo_catalog(client, world)
    site = await full_site(client, world)
    response = await post_order(client, world, filled(SITE_REQUEST, items, kits, site=site["id"]))
    assert response.status_code == 201, response.text
    order = response.json()

    assert_like(order, SAMPLE_ORDER, nullable=frozenset({"/patient"}))
    assert order["patient"] is None
    assert order["site"] == site_out(site)
    assert order["currentStatus"] == "new"
    assert order["externalOrderIds"] == SITE_REQUEST["externalOrderIds"]
    assert order["orderItems"] == [{"count": 10, "item": item_out(i)} for i in items]
    assert order["orderKits"] == [{"count": 10, "kit": kit_out(k)} for k in kits]
    assert [e["name"] for e in order["orderEvents"]] == ["new"]
    assert (await get_order(client, world, order["id"])).json() == order


async def test_an_orders_devices_are_shown_as_the_guides_device_model(client, world):
    items, kits = await impilo_catalog(client, world)
    site = await full_site(client, world)
    patient = await full_patient(client, world, site)
    response = await post_order(
        client, world, filled(PATIENT_REQUEST, items, kits, patient=patient["id"])
    )
    assert response.status_code == 201, response.text
    order = response.json()
    supplier = world.auth("supplier")
    unit = await created(
        await client.post(
            "/v1/devices",
            json={
                "item_id": items[0]["id"],
                "external_identifier": "1d23-4567-89ab-cdef",
                "identifiers": [{"type": "IMEI", "value": "490154203237518"}],
                "last_health_check": "2023-10-01T12:00:00Z",
                "used": True,
            },
            headers=supplier,
        )
    )
    event = await client.post(
        f"/v1/devices/{unit['id']}/events",
        json={"type": "health_check", "occurred_at": "2023-10-01T12:00:00Z"},
        headers=supplier,
    )
    assert event.status_code == 201, event.text
    assigned = await client.post(
        f"/v1/orders/{order['id']}/devices", json={"device_ids": [unit["id"]]}, headers=supplier
    )
    assert assigned.status_code == 200, assigned.text

    fetched = (await get_order(client, world, order["id"])).json()
    # The sample's device: every attribute with its type; a patient's device is at no site.
    assert_like(fetched, SAMPLE_ORDER, nullable=frozenset({"/site", "/devices/*/site"}))
    assert fetched["devices"] == [
        {
            "currentPatient": fetched["patient"],
            "currentStatus": "assigned",
            "deviceEvents": fetched["devices"][0]["deviceEvents"],
            "deviceIdentifiers": [{"type": "IMEI", "value": "490154203237518"}],
            "disabledReadings": False,
            "externalIdentifier": "1d23-4567-89ab-cdef",
            "id": unit["id"],
            "item": item_out(items[0]),
            "lastHealthCheck": "2023-10-01T12:00:00Z",
            "site": None,
            "used": True,
        }
    ]
    # The event recorded by hand, then the one assigning it recorded.
    events = fetched["devices"][0]["deviceEvents"]
    assert events[0] == {"eventTimestamp": "2023-10-01T12:00:00Z", "type": "health_check"}
    assert [e["type"] for e in events] == ["health_check", "assigned"]
    assert fetched["devices"][0]["currentPatient"]["site"] == site_out(site)
    # The list shows the same order.
    listed = await client.get(f"{BASE}/order", headers=key(world))
    assert listed.status_code == 200, listed.text
    (shown,) = [o for o in listed.json()["content"] if o["id"] == order["id"]]
    assert shown["devices"] == fetched["devices"]


async def packed_patient_order(client, world) -> tuple[dict, list[dict], list[int]]:
    """An Impilo order for a patient whose first kit the supplier packed, through the
    native API, with two units of the kit's item; the order, the kits and the units."""
    items, kits = await impilo_catalog(client, world)
    patient = await full_patient(client, world, await full_site(client, world))
    response = await post_order(
        client, world, filled(PATIENT_REQUEST, items, kits, patient=patient["id"])
    )
    assert response.status_code == 201, response.text
    order, supplier = response.json(), world.auth("supplier")
    units = [
        (
            await created(
                await client.post(
                    "/v1/devices",
                    json={
                        "item_id": items[0]["id"],
                        "external_identifier": f"SN-{n}",
                        "identifiers": [{"type": "IMEI", "value": f"35000000000000{n}"}],
                    },
                    headers=supplier,
                )
            )
        )["id"]
        for n in range(2)
    ]
    packed = await client.post(
        f"/v1/orders/{order['id']}/packed-kits",
        json={"kit_id": kits[0]["id"], "external_identifier": "KIT-1", "device_ids": units},
        headers=supplier,
    )
    assert packed.status_code == 201, packed.text
    return order, kits, units


async def test_a_kit_the_supplier_packed_is_shown_with_its_devices_as_the_sample_shows(
    client, world
):
    order, kits, units = await packed_patient_order(client, world)
    fetched = (await get_order(client, world, order["id"])).json()
    nullable = {"/site", "/packedKits/*/devices/*/site", "/packedKits/*/devices/*/lastHealthCheck"}
    assert_like(fetched, SAMPLE_ORDER, nullable=frozenset(nullable))
    (packed,) = fetched["packedKits"]
    assert (packed["externalIdentifier"], packed["kit"]) == ("KIT-1", kit_out(kits[0]))
    assert [d["id"] for d in packed["devices"]] == units
    for n, device in enumerate(packed["devices"]):
        assert device["currentPatient"] == fetched["patient"]
        assert device["currentStatus"] == "assigned"
        assert device["externalIdentifier"] == f"SN-{n}"
        assert device["deviceIdentifiers"] == [{"type": "IMEI", "value": f"35000000000000{n}"}]
        assert [e["type"] for e in device["deviceEvents"]] == ["assigned", "packed"]
    assert fetched["devices"] == []  # packed devices show in their kit, not again loose


async def test_a_return_of_a_device_the_patient_holds_is_shown_and_an_unknown_one_refused(
    client, world
):
    order, kits, units = await packed_patient_order(client, world)
    tracked = await client.post(
        f"/v1/orders/{order['id']}/tracking-numbers",
        json={"carrier": "usps", "value": "9400"},
        headers=world.auth("supplier"),
    )
    assert tracked.status_code == 201, tracked.text
    body = {
        "orderKits": [{"count": 1, "kit": {"id": kits[0]["id"]}}],
        "patient": {"id": order["patient"]["id"]},
        "returnDevices": [{"id": 999999}],
    }
    listed = (await client.get(f"{BASE}/order", headers=key(world))).json()["total"]
    assert pointers(refused(await post_order(client, world, body))) == {"/returnDevices/0/id"}
    assert (await client.get(f"{BASE}/order", headers=key(world))).json()["total"] == listed
    body["returnDevices"] = [{"id": units[0]}]
    response = await post_order(client, world, body)
    assert response.status_code == 201, response.text
    assert response.json()["returnDevices"] == [{"id": units[0]}]


async def test_a_site_orders_device_shows_the_site(client, world):
    items, kits = await impilo_catalog(client, world)
    site = await full_site(client, world)
    response = await post_order(client, world, filled(SITE_REQUEST, items, kits, site=site["id"]))
    assert response.status_code == 201, response.text
    order = response.json()
    supplier = world.auth("supplier")
    unit = await created(
        await client.post("/v1/devices", json={"item_id": items[0]["id"]}, headers=supplier)
    )
    assigned = await client.post(
        f"/v1/orders/{order['id']}/devices", json={"device_ids": [unit["id"]]}, headers=supplier
    )
    assert assigned.status_code == 200, assigned.text
    fetched = (await get_order(client, world, order["id"])).json()
    nullable = {"/patient", "/devices/*/currentPatient", "/devices/*/lastHealthCheck"}
    nullable |= {"/devices/*/externalIdentifier"}
    assert_like(fetched, SAMPLE_ORDER, nullable=frozenset(nullable))
    (device,) = fetched["devices"]
    assert device["site"] == site_out(site)
    assert device["currentPatient"] is None
    assert (device["externalIdentifier"], device["lastHealthCheck"]) == (None, None)
    assert [e["type"] for e in device["deviceEvents"]] == ["assigned"]
    assert device["deviceIdentifiers"] == []
    assert (device["disabledReadings"], device["used"]) == (False, False)


async def test_the_list_answers_the_guides_envelope(client, world):
    items, kits = await impilo_catalog(client, world)
    site = await full_site(client, world)
    patient = await full_patient(client, world, site)
    for_patient = filled(PATIENT_REQUEST, items, kits, patient=patient["id"])
    for_site = filled(SITE_REQUEST, items, kits, site=site["id"])
    made = [(await post_order(client, world, body)).json() for body in (for_patient, for_site)]

    response = await client.get(f"{BASE}/order", headers=key(world))
    assert response.status_code == 200, response.text
    page = response.json()
    assert_like(page, SAMPLE_LIST, nullable=frozenset({"/content/*/site", "/content/*/patient"}))
    assert page["content"] == made
    assert (page["first"], page["last"], page["page"], page["size"], page["total"]) == (
        True,
        True,
        1,
        15,
        2,
    )


# --- the create rules: 400s that name Impilo's attributes -------------------------------------


async def test_the_guides_bare_items_without_id_are_refused_naming_each(client, world):
    patient = await make_patient(client, world)
    body = copy.deepcopy(PATIENT_REQUEST)
    body["patient"]["id"] = patient["id"]
    error = refused(await post_order(client, world, body))
    assert pointers(error) == {f"/orderItems/{i}/item/id" for i in range(4)}
    assert error["error"] == "Bad Request"


async def test_the_guides_bare_site_without_id_is_refused_naming_it(client, world):
    items, kits = await impilo_catalog(client, world)
    body = filled(SITE_REQUEST, items, kits)  # "site": {} as the guide has it
    error = refused(await post_order(client, world, body))
    assert pointers(error) == {"/site/id"}


async def test_a_null_id_is_refused_naming_it(client, world):
    body = await minimal(client, world)
    body["orderItems"][0]["item"]["id"] = None
    assert pointers(refused(await post_order(client, world, body))) == {"/orderItems/0/item/id"}


async def test_patient_and_site_together_are_refused(client, world):
    body = await minimal(client, world)
    body["site"] = {"id": (await make_site(client, world))["id"]}
    error = refused(await post_order(client, world, body))
    assert pointers(error) == {"/patient", "/site"}
    assert all("patient_id" not in e["detail"] for e in error["errors"])  # Impilo's words


async def test_neither_patient_nor_site_is_refused(client, world):
    body = await minimal(client, world)
    del body["patient"]
    error = refused(await post_order(client, world, body))
    assert error["message"] == "patient or site required"
    assert pointers(error) == {"/patient", "/site"}
    body["patient"] = None
    assert pointers(refused(await post_order(client, world, body))) == {"/patient", "/site"}


@pytest.mark.parametrize("empty", [{}, {"orderItems": [], "orderKits": []}, {"orderKits": None}])
async def test_an_order_without_items_or_kits_is_refused(client, world, empty):
    body = await minimal(client, world)
    del body["orderItems"]
    error = refused(await post_order(client, world, {**body, **empty}))
    assert error["message"] == "orderItems or orderKits required"
    assert pointers(error) == {"/orderItems", "/orderKits"}


async def test_a_non_orderable_item_is_refused_with_impilos_message(client, world):
    catalog = await make_catalog(client, world)
    r = await client.patch(
        f"/v1/items/{catalog.item_ids[1]}",
        json={"orderable": False},
        headers=world.auth("supplier"),
    )
    assert r.status_code == 200, r.text
    body = await minimal(client, world)
    body["orderItems"].append({"count": 1, "item": {"id": catalog.item_ids[1]}})
    error = refused(await post_order(client, world, body))
    assert (error["code"], error["message"]) == ("item_not_orderable", NOT_ORDERABLE)
    assert pointers(error) == {"/orderItems/1/item/id"}


async def test_an_archived_kit_is_refused_naming_it(client, world):
    catalog = await make_catalog(client, world)
    r = await client.patch(
        f"/v1/kits/{catalog.kit_id}", json={"archived": True}, headers=world.auth("supplier")
    )
    assert r.status_code == 200, r.text
    body = await minimal(client, world)
    body["orderKits"] = [{"count": 1, "kit": {"id": catalog.kit_id}}]
    error = refused(await post_order(client, world, body))
    assert error["code"] == "kit_not_orderable"
    assert pointers(error) == {"/orderKits/0/kit/id"}


async def test_unknown_items_and_kits_are_named_where_the_request_has_them(
    client, world, other_world
):
    catalog = await make_catalog(client, world)
    stranger = await make_catalog(client, other_world)
    patient = await make_patient(client, world)
    body = {
        "patient": {"id": patient["id"]},
        "orderItems": [
            {"count": 1, "item": {"id": catalog.item_ids[0]}},
            {"count": 1, "item": {"id": stranger.item_ids[0]}},  # another tenant's
        ],
        "orderKits": [
            {"count": 1, "kit": {"id": catalog.kit_id}},
            {"count": 1, "kit": {"id": 2**62}},
        ],
    }
    error = refused(await post_order(client, world, body))
    assert error["code"] == "validation_failed"
    assert pointers(error) == {"/orderItems/1/item/id", "/orderKits/1/kit/id"}


async def test_another_accounts_patient_or_an_archived_one_is_refused(client, world):
    body = await minimal(client, world)
    theirs = await make_patient(client, world, "customer_other")
    error = refused(await post_order(client, world, {**body, "patient": {"id": theirs["id"]}}))
    assert pointers(error) == {"/patient/id"}

    archived = await make_patient(client, world, archived=True)
    error = refused(await post_order(client, world, {**body, "patient": {"id": archived["id"]}}))
    assert pointers(error) == {"/patient/id"}


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"shippingOption": "express"}, "/shippingOption"),
        ({"orderItems": [{"count": 0, "item": {"id": 1}}]}, "/orderItems/0/count"),
        ({"orderItems": [{"count": "many", "item": {"id": 1}}]}, "/orderItems/0/count"),
        ({"orderItems": [{"count": 1, "item": {"id": 0}}]}, "/orderItems/0/item/id"),
        ({"externalOrderIds": [f"x{n}" for n in range(21)]}, "/externalOrderIds"),
        ({"externalOrderIds": [""]}, "/externalOrderIds/0"),
        ({"emailLabel": "perhaps"}, "/emailLabel"),
        ({"orderNotes": [{"note": ""}]}, "/orderNotes/0/note"),
        ({"orderNotes": [{}]}, "/orderNotes/0/note"),
        ({"returnItems": [{"id": 2**62, "count": 1}]}, "/returnItems/0/id"),
        ({"returnItems": [{"id": 1, "count": 0}]}, "/returnItems/0/count"),
        ({"returnDevices": [{"id": 0}]}, "/returnDevices/0/id"),
        ({"returnPackedKits": [{"id": 1, "quantity": -1}]}, "/returnPackedKits/0/quantity"),
        ({"orderKits": [{"count": 1}]}, "/orderKits/0/kit"),
        ({"colour": "blue"}, "/colour"),
    ],
)
async def test_each_invalid_attribute_is_a_400_naming_it(client, world, change, pointer):
    body = await minimal(client, world)
    error = refused(await post_order(client, world, {**body, **change}))
    assert pointer in pointers(error), error
    assert error["code"] == "validation_failed"


async def test_a_body_that_is_not_json_is_a_400(client, world):
    response = await client.post(
        f"{BASE}/order",
        content=b'{"patient": ',
        headers={**key(world), "content-type": "application/json"},
    )
    refused(response)


async def test_optional_attributes_are_kept(client, world):
    catalog = await make_catalog(client, world)
    body = await minimal(client, world)
    body["orderItems"] = [{"item": {"id": catalog.item_ids[1]}}]  # count defaults to 1
    body.update(
        shippingOption="overnight",
        emailLabel=True,
        externalOrderIds=["ext-1"],
        orderNotes=[{"note": "call before delivery"}],
        returnItems=[{"id": catalog.item_ids[0], "count": 2}],
    )
    response = await post_order(client, world, body)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["orderItems"][0]["count"] == 1
    assert (order["shippingOption"], order["emailLabel"]) == ("overnight", True)
    assert order["externalOrderIds"] == ["ext-1"]
    assert order["returnItems"] == [{"count": 2, "id": catalog.item_ids[0]}]
    (note,) = order["orderNotes"]
    assert note["note"] == "call before delivery"
    assert TIMESTAMP.match(note["createdAt"])
    for name in ("orderNotes", "returnItems"):
        assert_like(order[name], SAMPLE_ORDER[name], f"/{name}")


async def name_contact(
    client: httpx.AsyncClient, world: World, who: str, given: str, family: str, email: str
) -> None:
    r = await client.patch(
        f"/v1/accounts/{world.accounts[who]}",
        json={"contact_given_name": given, "contact_family_name": family, "email": email},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200, r.text


async def test_a_notes_author_is_the_contact_of_the_account_that_wrote_it(client, world):
    await name_contact(client, world, "customer", "Amara", "Osei", "amara@clinic.example")
    await name_contact(client, world, "supplier", "Sam", "Whitfield", "sam@lab.example")
    body = {**await minimal(client, world), "orderNotes": [{"note": "from the clinic"}]}
    response = await post_order(client, world, body)
    assert response.status_code == 201, response.text
    order_id = response.json()["id"]
    r = await client.post(
        f"/v1/orders/{order_id}/notes",
        json={"text": "from the lab"},
        headers=world.auth("supplier"),
    )
    assert r.status_code == 201, r.text

    notes = (await get_order(client, world, order_id)).json()["orderNotes"]
    assert [(n["note"], n["createdBy"]) for n in notes] == [
        (
            "from the clinic",
            {
                "email": "amara@clinic.example",
                "firstName": "Amara",
                "id": await credential_id(client, world, "customer"),
                "lastName": "Osei",
            },
        ),
        (
            "from the lab",
            {
                "email": "sam@lab.example",
                "firstName": "Sam",
                "id": await credential_id(client, world, "supplier"),
                "lastName": "Whitfield",
            },
        ),
    ]


async def test_a_notes_author_without_an_account_or_names_is_empty_strings(client, world):
    """An admin key acts for no account; the world's customer has no contact names or email."""
    response = await post_order(
        client, world, {**await minimal(client, world), "orderNotes": [{"note": "mine"}]}
    )
    assert response.status_code == 201, response.text
    order_id = response.json()["id"]
    r = await client.post(
        f"/v1/orders/{order_id}/notes", json={"text": "admin's"}, headers=world.auth("admin")
    )
    assert r.status_code == 201, r.text

    order = (await get_order(client, world, order_id)).json()
    assert [(n["note"], n["createdBy"]) for n in order["orderNotes"]] == [
        (
            text,
            {
                "email": "",
                "firstName": "",
                "id": await credential_id(client, world, who),
                "lastName": "",
            },
        )
        for text, who in (("mine", "customer"), ("admin's", "admin"))
    ]
    assert_like(order["orderNotes"], SAMPLE_ORDER["orderNotes"], "/orderNotes")


async def test_server_owned_attributes_are_not_taken_from_the_body(client, world):
    body = await minimal(client, world)
    body.update(
        id=987654321,
        currentStatus="delivered",
        orderEvents=[{"eventTimestamp": "2023-10-01T12:00:00Z", "name": "delivered"}],
        trackingNumbers=[{"carrier": "usps", "value": "9400"}],
        devices=[SAMPLE_ORDER["devices"][0]],
        packedKits=SAMPLE_ORDER["packedKits"],
    )
    response = await post_order(client, world, body)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["id"] != 987654321
    assert order["currentStatus"] == "new"
    assert [e["name"] for e in order["orderEvents"]] == ["new"]
    assert order["trackingNumbers"] == order["devices"] == order["packedKits"] == []
    refused(await get_order(client, world, 987654321), 404)


async def test_a_supplier_key_may_not_place_an_order(client, world):
    body = await minimal(client, world)
    error = refused(await post_order(client, world, body, who="supplier"), 403)
    assert error["error"] == "Forbidden"


async def test_an_admin_key_is_told_to_use_a_customers_key(client, world):
    body = await minimal(client, world)
    error = refused(await post_order(client, world, body, who="admin"))
    assert parameters(error) == {"Impilo-API-Key"}


# --- authentication and scope -----------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Impilo-API-Key": ""}, {"Impilo-API-Key": "od_nope"}, {"Authorization": "Bearer x"}],
)
async def test_a_missing_or_bad_key_is_a_401(client, world, headers):
    if headers.get("Authorization"):
        headers = {"Authorization": f"Bearer {world.keys['customer']}"}  # not Impilo's header
    for response in (
        await client.get(f"{BASE}/order", headers=headers),
        await client.get(f"{BASE}/order/1", headers=headers),
        await client.post(f"{BASE}/order", json={}, headers=headers),
    ):
        error = refused(response, 401)
        assert error["error"] == "Unauthorized"


async def test_another_accounts_or_tenants_order_is_a_404_like_a_missing_one(
    client, world, other_world
):
    order = (await post_order(client, world, await minimal(client, world))).json()
    assert (await get_order(client, world, order["id"], "supplier")).status_code == 200
    assert (await get_order(client, world, order["id"], "admin")).status_code == 200

    missing = refused(await get_order(client, world, 2**62), 404)
    for response in (
        await get_order(client, world, order["id"], "customer_other"),
        await get_order(client, world, order["id"], "supplier_other"),
        await get_order(client, other_world, order["id"], "customer"),
        await get_order(client, other_world, order["id"], "admin"),
    ):
        error = refused(response, 404)
        same = {k: v for k, v in error.items() if k not in ("timestamp", "message", "path")}
        assert same == {
            k: v for k, v in missing.items() if k not in ("timestamp", "message", "path")
        }
        assert error["message"] == missing["message"].replace(str(2**62), str(order["id"]))

    listed = (await client.get(f"{BASE}/order", headers=key(world, "customer_other"))).json()
    assert (listed["content"], listed["total"]) == ([], 0)


async def test_an_id_that_is_not_a_number_is_a_400(client, world):
    error = refused(await get_order(client, world, "abc"))
    assert parameters(error) == {"id"}


# --- paging -----------------------------------------------------------------------------------


async def test_pages_count_from_one_and_say_which_is_first_and_last(client, world):
    body = await minimal(client, world)
    ids = [(await post_order(client, world, body)).json()["id"] for _ in range(3)]
    await post_order(
        client,
        world,
        body | {"patient": {"id": (await make_patient(client, world, "customer_other"))["id"]}},
        who="customer_other",
    )

    async def page(**params: object) -> dict:
        response = await client.get(f"{BASE}/order", params=params, headers=key(world))
        assert response.status_code == 200, response.text
        return response.json()

    one = await page(size=2)
    assert [o["id"] for o in one["content"]] == ids[:2]
    assert (one["first"], one["last"], one["page"], one["size"], one["total"]) == (
        True,
        False,
        1,
        2,
        3,
    )
    two = await page(size=2, page=2)
    assert [o["id"] for o in two["content"]] == ids[2:]
    assert (two["first"], two["last"], two["page"], two["total"]) == (False, True, 2, 3)
    past = await page(size=2, page=3)
    assert (past["content"], past["first"], past["last"], past["total"]) == ([], False, True, 3)

    newest = await page(sortDescending="true")
    assert [o["id"] for o in newest["content"]] == ids[::-1]
    assert (newest["size"], newest["last"]) == (15, True)
    assert len((await page(size=250))["content"]) == 3


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"size": 251}, "size"),
        ({"size": 0}, "size"),
        ({"page": 0}, "page"),
        ({"page": "first"}, "page"),
        ({"page": 2**31}, "page"),
        ({"sortDescending": "sideways"}, "sortDescending"),
    ],
)
async def test_bad_paging_is_a_400_naming_the_parameter(client, world, params, name):
    error = refused(await client.get(f"{BASE}/order", params=params, headers=key(world)))
    assert parameters(error) == {name}


# --- orders from elsewhere --------------------------------------------------------------------


async def test_an_order_created_natively_reads_correctly(client, world):
    items, kits = await impilo_catalog(client, world)
    site = await full_site(client, world)
    patient = await full_patient(client, world, site)
    native = await created(
        await client.post(
            "/v1/orders",
            json={
                "patient_id": patient["id"],
                "lines": [
                    {"item_id": items[2]["id"], "count": 4},
                    {"kit_id": kits[1]["id"], "count": 2},
                ],
                "external_order_ids": ["N-1"],
                "shipping_option": "overnight",
                "email_label": True,
                "notes": ["fragile"],
                "returns": {"items": [{"item_id": items[0]["id"], "count": 1}]},
            },
            headers=world.auth("customer"),
        )
    )
    order_id = native["id"]
    await moved(client, world, order_id, "reconfirmAddress", "processing")
    r = await client.post(
        f"/v1/orders/{order_id}/tracking-numbers",
        json={"carrier": "ups", "value": "1Z999"},
        headers=world.auth("supplier"),
    )
    assert r.status_code == 201, r.text

    response = await get_order(client, world, order_id)
    assert response.status_code == 200, response.text
    order = response.json()
    assert_like(order, SAMPLE_ORDER, nullable=frozenset({"/site"}))
    assert order["id"] == order_id
    assert order["currentStatus"] == "processing"
    assert [e["name"] for e in order["orderEvents"]] == [
        "new",
        "reconfirmAddress",
        "processing",
    ]  # the status updates only: a tracking number is not one
    assert order["orderItems"] == [{"count": 4, "item": item_out(items[2])}]
    assert order["orderKits"] == [{"count": 2, "kit": kit_out(kits[1])}]
    assert order["trackingNumbers"] == [{"carrier": "ups", "value": "1Z999"}]
    assert (order["externalOrderIds"], order["shippingOption"], order["emailLabel"]) == (
        ["N-1"],
        "overnight",
        True,
    )
    assert [n["note"] for n in order["orderNotes"]] == ["fragile"]
    assert order["returnItems"] == [{"count": 1, "id": items[0]["id"]}]
    assert order["patient"]["site"] == site_out(site)
    assert order["site"] is None

    # And the list shows it the same way.
    listed = (await client.get(f"{BASE}/order", headers=key(world))).json()
    assert listed["content"] == [order]


async def test_an_order_on_another_workflow_shows_impilo_statuses(client, world):
    catalog = await make_catalog(client, world)
    product = await product_following(client, world, "dental-lab")
    ids = {s["name"]: s["id"] for s in DENTAL_LAB_DEFINITION["states"]}
    patient = (await make_patient(client, world))["id"]
    order_id = (await make_order(client, world, catalog, product_id=product, patient_id=patient))[
        "id"
    ]

    async def status() -> str:
        response = await get_order(client, world, order_id)
        assert response.status_code == 200, response.text
        return response.json()["currentStatus"]

    assert await status() == "new"
    await moved(client, world, order_id, ids["Confirmed"], ids["In production"])
    assert await status() == "processing"
    await moved(client, world, order_id, ids["Shipped"])
    assert await status() == "shipped"  # the term the dental workflow declares for it
    await moved(client, world, order_id, ids["Completed"])
    assert await status() == "delivered"
    order = (await get_order(client, world, order_id)).json()
    assert [e["name"] for e in order["orderEvents"]] == [
        "new",
        "processing",
        "processing",
        "shipped",
        "delivered",
    ]
    # Product lines have no Impilo counterpart; the item line is shown.
    assert [line["item"]["id"] for line in order["orderItems"]] == [catalog.item_ids[0]]

    cancelled = (await make_order(client, world, catalog, product_id=product, patient_id=patient))[
        "id"
    ]
    r = await client.post(f"/v1/orders/{cancelled}/cancel", json={}, headers=world.auth("customer"))
    assert r.status_code == 200, r.text
    order = (await get_order(client, world, cancelled)).json()
    assert order["currentStatus"] == "cancelled"
    assert [e["name"] for e in order["orderEvents"]] == ["new", "cancelled"]


async def test_the_openapi_document_describes_impilos_key_beside_the_native_one(client):
    spec = (await client.get("/openapi.json")).json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["ImpiloApiKey"]["name"] == "Impilo-API-Key"
    assert schemes["APIKeyHeader"]["name"] == "X-API-Key"  # the native one, not overwritten
    create = spec["paths"][f"{BASE}/order"]["post"]
    assert {"201", "400", "401", "403"} <= set(create["responses"])


async def test_a_body_over_the_size_bound_is_refused_in_impilos_shape(client, world):
    body = {
        "patient": {"id": 1},
        "orderItems": [{"count": 1, "item": {"id": 1}}],
        "externalOrderIds": ["x" * 100] * 800,
    }  # over the test app's 64 KiB
    response = await post_order(client, world, body)
    assert response.status_code == 413
    assert response.json()["status"] == 413
    assert response.headers["content-type"].startswith("application/json")


async def test_an_order_impilo_cannot_describe_is_neither_listed_nor_fetched(client, world):
    catalog = await make_catalog(client, world)
    product = await product_following(client, world, "dental-lab")
    patient = (await make_patient(client, world))["id"]
    r = await client.post(
        "/v1/orders",
        json={"product_id": product, "patient_id": patient},
        headers=world.auth("customer"),
    )
    assert r.status_code == 201, r.text
    product_only = r.json()["id"]  # no item or kit line
    for_nobody = (await make_order(client, world, catalog))["id"]  # neither patient nor site
    with_items = (await make_order(client, world, catalog, patient_id=patient))["id"]

    for who in ("customer", "supplier", "admin"):
        page = (await client.get(f"{BASE}/order", headers=key(world, who))).json()
        assert [o["id"] for o in page["content"]] == [with_items], who
        assert page["total"] == 1 and page["last"] is True
        for missing in (product_only, for_nobody):
            answer = await get_order(client, world, missing, who)
            assert answer.status_code == 404, answer.text
    # Natively it is there as ever.
    native = await client.get(f"/v1/orders/{product_only}", headers=world.auth("customer"))
    assert native.status_code == 200
