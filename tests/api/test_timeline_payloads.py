"""Each timeline event's ``data`` is the typed payload of its kind (``orders.events``): the
keys it always had, the names of the states beside their ids, and who acted (``by``)."""

from __future__ import annotations

from orderdesk.db import session_scope
from orderdesk.orders.events import PAYLOADS
from orderdesk.orders.models import EventKind, OrderEvent
from tests.api.builders import (
    created,
    credential_id,
    make_catalog,
    make_order,
    moved,
    read_order,
    timeline_of,
)


async def _order(client, world, **fields) -> dict:
    """A new order as the tenant's admin reads it."""
    order = await make_order(client, world, await make_catalog(client, world), **fields)
    return await read_order(client, world, order["id"])


def _state_names(order: dict) -> dict[str, str]:
    return {state["id"]: state["name"] for state in order["workflow"]["states"]}


async def _with_every_kind(client, world) -> dict:
    """An order whose timeline holds an event of every kind; the order as it ends."""
    catalog = await make_catalog(client, world)
    order = await _order(
        client,
        world,
        lines=[{"item_id": catalog.item_ids[0]}, {"kit_id": catalog.kit_id}],
        returns={"items": [{"item_id": catalog.item_ids[1]}]},
    )
    oid, customer, supplier = order["id"], world.auth("customer"), world.auth("supplier")
    unit = await created(
        await client.post("/v1/devices", json={"item_id": catalog.item_ids[0]}, headers=supplier)
    )
    r = await client.post(
        f"/v1/orders/{oid}/packed-kits", json={"kit_id": catalog.kit_id}, headers=supplier
    )
    assert r.status_code == 201, r.text
    (packed,) = r.json()["packed_kits"]
    for method, path, body, auth in (
        ("DELETE", f"/packed-kits/{packed['id']}", None, supplier),
        ("POST", "/devices", {"device_ids": [unit["id"]]}, supplier),
        ("DELETE", f"/devices/{unit['id']}", None, supplier),
        ("POST", "/returns/received", None, supplier),
        ("PATCH", "", {"memo": "m"}, customer),
        ("POST", "/notes", {"text": "n"}, customer),
        ("POST", "/tracking-numbers", {"carrier": "UPS", "value": "1"}, supplier),
    ):
        r = await client.request(method, f"/v1/orders/{oid}{path}", json=body, headers=auth)
        assert r.status_code in (200, 201), r.text
    await moved(client, world, oid, "processing")
    r = await client.post(f"/v1/orders/{oid}/cancel", json={"reason": "r"}, headers=customer)
    assert r.status_code == 200, r.text
    return r.json()


async def _by(client, world, who: str) -> dict:
    """``by`` as it names the principal behind ``world.keys[who]``."""
    return {
        "name": who,
        "role": who,
        "account_id": world.accounts.get(who),
        "credential_id": await credential_id(client, world, who),
        "client": None,
    }


# --- the shape of every kind ---------------------------------------------------------------


async def test_each_kind_of_event_carries_exactly_the_keys_of_its_payload(client, world):
    order = await _with_every_kind(client, world)
    events = await timeline_of(client, world, order["id"])
    assert {e["kind"] for e in events} == set(EventKind)
    for event in events:
        model = PAYLOADS[EventKind(event["kind"])]
        keys = model.model_json_schema(mode="serialization")["properties"]
        assert set(event["data"]) == set(keys), event["kind"]


async def test_every_event_says_who_acted_as_its_actor_and_credential_do(client, world):
    order = await _with_every_kind(client, world)
    for event in await timeline_of(client, world, order["id"]):
        by = event["data"]["by"]
        assert f"{by['role']}:{by['name']}" == event["actor"], event["kind"]
        assert by["credential_id"] == event["credential_id"], event["kind"]
        assert by["client"] == event["client"], event["kind"]


# --- created ---------------------------------------------------------------------------------


async def test_a_creation_names_the_state_the_order_started_in(client, world):
    order = await _order(client, world)
    (event,) = await timeline_of(client, world, order["id"])
    assert event["data"]["status"] == order["status"]["id"]
    assert event["data"]["status_name"] == order["status"]["name"]


async def test_a_creation_keeps_its_workflow_project_and_line_count(client, world):
    order = await _order(client, world)
    (event,) = await timeline_of(client, world, order["id"])
    data = event["data"]
    assert (data["workflow"], data["workflow_version"]) == (
        order["workflow"]["key"],
        order["workflow"]["version"],
    )
    assert (data["project_id"], data["lines"]) == (order["project_id"], len(order["lines"]))


async def test_a_creation_by_a_customer_names_its_account_and_credential(client, world):
    order = await _order(client, world)
    (event,) = await timeline_of(client, world, order["id"])
    assert event["data"]["by"] == await _by(client, world, "customer")


async def test_a_creation_by_an_admin_names_no_account(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(
        client, world, catalog, customer="admin", customer_account_id=world.accounts["customer"]
    )
    (event,) = await timeline_of(client, world, order["id"])
    assert event["data"]["by"] == await _by(client, world, "admin")
    assert event["data"]["by"]["account_id"] is None


# --- changed, note_added, tracking_added ------------------------------------------------------


async def test_an_edit_says_who_made_it(client, world):
    order = await _order(client, world, memo="old")
    r = await client.patch(
        f"/v1/orders/{order['id']}", json={"memo": "new"}, headers=world.auth("supplier")
    )
    assert r.status_code == 200, r.text
    event = (await timeline_of(client, world, order["id"]))[-1]
    assert event["kind"] == "changed"
    assert event["data"]["by"] == await _by(client, world, "supplier")
    assert event["data"]["fields"] == {"memo": {"from": "old", "to": "new"}}


async def test_a_note_says_who_added_it(client, world):
    order = await _order(client, world)
    note = await created(
        await client.post(
            f"/v1/orders/{order['id']}/notes", json={"text": "t"}, headers=world.auth("supplier")
        )
    )
    event = (await timeline_of(client, world, order["id"]))[-1]
    assert event["kind"] == "note_added"
    assert event["data"]["by"] == await _by(client, world, "supplier")
    assert (event["data"]["note_id"], event["data"]["text"]) == (note["id"], note["text"])


async def test_a_tracking_number_says_who_added_it(client, world):
    order = await _order(client, world)
    tracking = await created(
        await client.post(
            f"/v1/orders/{order['id']}/tracking-numbers",
            json={"carrier": "DHL", "value": "JD0001"},
            headers=world.auth("supplier"),
        )
    )
    event = (await timeline_of(client, world, order["id"]))[-1]
    assert event["kind"] == "tracking_added"
    assert event["data"]["by"] == await _by(client, world, "supplier")
    assert (event["data"]["carrier"], event["data"]["value"]) == (
        tracking["carrier"],
        tracking["value"],
    )


# --- status_moved, cancelled --------------------------------------------------------------


async def test_a_move_names_the_states_it_left_and_entered(client, world):
    order = await _order(client, world)
    after = await moved(client, world, order["id"], "processing")
    event = (await timeline_of(client, world, order["id"]))[-1]
    names = _state_names(order)
    assert event["kind"] == "status_moved"
    assert (event["data"]["from"], event["data"]["to"]) == (
        order["status"]["id"],
        after["status"]["id"],
    )
    assert (event["data"]["from_name"], event["data"]["to_name"]) == (
        names[order["status"]["id"]],
        names[after["status"]["id"]],
    )


async def test_a_move_says_who_took_it(client, world):
    order = await _order(client, world)
    await moved(client, world, order["id"], "processing")
    event = (await timeline_of(client, world, order["id"]))[-1]
    assert event["data"]["by"] == await _by(client, world, "supplier")


async def test_a_cancel_names_the_states_it_left_and_entered_and_who_cancelled(client, world):
    order = await _order(client, world)
    await moved(client, world, order["id"], "processing")
    r = await client.post(
        f"/v1/orders/{order['id']}/cancel", json={"reason": "dup"}, headers=world.auth("customer")
    )
    assert r.status_code == 200, r.text
    event = (await timeline_of(client, world, order["id"]))[-1]
    names = _state_names(order)
    assert event["kind"] == "cancelled"
    assert (event["data"]["from_name"], event["data"]["to_name"]) == (
        names["processing"],
        names[r.json()["status"]["id"]],
    )
    assert event["data"]["reason"] == "dup"
    assert event["data"]["by"] == await _by(client, world, "customer")


# --- events recorded before the payloads were typed ---------------------------------------


async def test_an_event_recorded_before_the_payloads_were_typed_reads_its_new_keys_as_null(
    client, world, sessions
):
    order = await _order(client, world)
    stored = {"from": "new", "to": "processing", "reason": None}  # how moves were stored
    async with session_scope(sessions) as session:
        session.add(
            OrderEvent(
                tenant_id=world.tenant_id,
                order_id=order["id"],
                kind=EventKind.STATUS_MOVED,
                actor="supplier:supplier",
                credential_id=None,
                client=None,
                data=stored,
            )
        )
    event = (await timeline_of(client, world, order["id"]))[-1]
    assert event["data"] == {**stored, "from_name": None, "to_name": None, "by": None}


# --- the document ----------------------------------------------------------------------------


async def test_the_timeline_documents_data_as_one_of_the_payloads(client):
    spec = (await client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    data = schemas["OrderEventRead"]["properties"]["data"]
    documented = {branch["$ref"].rsplit("/", 1)[-1] for branch in data["anyOf"]}
    assert documented == {model.__name__ for model in PAYLOADS.values()}
    assert all(kind.value in data["description"] for kind in EventKind)


async def test_the_keys_old_events_lack_are_documented_as_optional(client):
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    for model in PAYLOADS.values():
        schema = schemas[model.__name__]
        assert "by" in schema["properties"] and "by" not in schema["required"], model.__name__
    move_schema = schemas[PAYLOADS[EventKind.STATUS_MOVED].__name__]
    assert {"from", "to", "reason"} <= set(move_schema["required"])
    assert not {"from_name", "to_name"} & set(move_schema["required"])
    assert "status_name" not in schemas[PAYLOADS[EventKind.CREATED].__name__]["required"]
