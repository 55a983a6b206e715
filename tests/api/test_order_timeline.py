"""The timeline: every change to an order appends one event, in the same transaction.

A change that is refused appends nothing and changes nothing, and each change
moves the order's version on by one. The payloads' other keys (state names, who acted)
are specified in ``test_timeline_payloads``.
"""

from __future__ import annotations

import datetime as dt

from tests.api.builders import (
    all_pages,
    created,
    credential_id,
    make_catalog,
    make_order,
    move,
    moved,
    product_following,
    read_order,
    timeline_of,
)


async def _order(client, world, **fields) -> dict:
    """A new order as the tenant's admin reads it."""
    order = await make_order(client, world, await make_catalog(client, world), **fields)
    return await read_order(client, world, order["id"])


async def _last_event(client, world, order_id: int) -> dict:
    return (await timeline_of(client, world, order_id))[-1]


async def _unchanged(client, world, before: dict) -> None:
    """The order is exactly as ``before`` and its timeline holds only its creation."""
    after = await read_order(client, world, before["id"])
    assert after == before
    assert [e["kind"] for e in await timeline_of(client, world, before["id"])] == ["created"]


# --- one event per change --------------------------------------------------------------


async def test_placing_an_order_records_who_created_it(client, world):
    order = await _order(client, world)
    (event,) = await timeline_of(client, world, order["id"])
    assert event["kind"] == "created"
    assert event["order_id"] == order["id"]
    assert event["actor"] == "customer:customer"
    assert event["credential_id"] == await credential_id(client, world, "customer")
    assert event["data"]["status"] == "new"
    assert event["data"]["workflow"] == "impilo-device"


async def test_an_order_placed_by_an_admin_names_the_admin(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(
        client, world, catalog, customer="admin", customer_account_id=world.accounts["customer"]
    )
    (event,) = await timeline_of(client, world, order["id"], who="customer")
    assert event["actor"] == "admin:admin"
    assert event["credential_id"] == await credential_id(client, world, "admin")


async def test_an_edit_records_each_changed_field_with_its_old_and_new_value(client, world):
    order = await _order(client, world, memo="old", tags=["a"], shipping_option="standard")
    response = await client.patch(
        f"/v1/orders/{order['id']}",
        json={
            "memo": "new",
            "tags": ["a", "b"],
            "shipping_option": "overnight",
            "shipping_address": {"city": "Boston"},
        },
        headers=world.auth("supplier"),
    )
    assert response.status_code == 200, response.text
    event = await _last_event(client, world, order["id"])
    assert (event["kind"], event["actor"]) == ("changed", "supplier:supplier")
    assert event["credential_id"] == await credential_id(client, world, "supplier")
    assert event["data"]["fields"] == {
        "memo": {"from": "old", "to": "new"},
        "tags": {"from": ["a"], "to": ["a", "b"]},
        "shipping_option": {"from": "standard", "to": "overnight"},
        "shipping_address": {"from": None, "to": {"city": "Boston"}},
    }


async def test_an_edit_records_only_the_fields_that_really_changed(client, world):
    order = await _order(client, world, memo="same", data={"k": 1})
    response = await client.patch(
        f"/v1/orders/{order['id']}",
        json={"memo": "same", "data": {"k": 2}},
        headers=world.auth("customer"),
    )
    assert response.status_code == 200, response.text
    event = await _last_event(client, world, order["id"])
    assert event["data"]["fields"] == {"data": {"from": {"k": 1}, "to": {"k": 2}}}


async def test_an_edit_that_changes_nothing_records_nothing(client, world):
    order = await _order(client, world, memo="same")
    response = await client.patch(
        f"/v1/orders/{order['id']}", json={"memo": "same"}, headers=world.auth("customer")
    )
    assert response.status_code == 200, response.text
    await _unchanged(client, world, order)


async def test_a_note_records_a_note_added_event(client, world):
    order = await _order(client, world)
    note = await created(
        await client.post(
            f"/v1/orders/{order['id']}/notes",
            json={"text": "patient moved"},
            headers=world.auth("customer"),
        )
    )
    event = await _last_event(client, world, order["id"])
    assert (event["kind"], event["actor"]) == ("note_added", "customer:customer")
    assert event["data"].items() >= {"note_id": note["id"], "text": "patient moved"}.items()


async def test_a_tracking_number_records_a_tracking_added_event(client, world):
    order = await _order(client, world)
    await created(
        await client.post(
            f"/v1/orders/{order['id']}/tracking-numbers",
            json={"carrier": "DHL", "value": "JD0001"},
            headers=world.auth("supplier"),
        )
    )
    event = await _last_event(client, world, order["id"])
    assert (event["kind"], event["actor"]) == ("tracking_added", "supplier:supplier")
    assert event["credential_id"] == await credential_id(client, world, "supplier")
    assert event["data"].items() >= {"carrier": "DHL", "value": "JD0001"}.items()


async def test_a_move_records_where_from_where_to_and_why(client, world):
    order = await _order(client, world)
    response = await move(client, world, order["id"], "reconfirmAddress", reason="PO box")
    assert response.status_code == 200, response.text
    event = await _last_event(client, world, order["id"])
    assert (event["kind"], event["actor"]) == ("status_moved", "supplier:supplier")
    assert (
        event["data"].items()
        >= {"from": "new", "to": "reconfirmAddress", "reason": "PO box"}.items()
    )


async def test_a_move_without_a_reason_records_none(client, world):
    order = await _order(client, world)
    await moved(client, world, order["id"], "processing")
    event = await _last_event(client, world, order["id"])
    assert event["data"].items() >= {"from": "new", "to": "processing", "reason": None}.items()


async def test_a_move_to_a_cancelled_state_records_a_cancelled_event(client, world):
    order = await _order(client, world)
    await moved(client, world, order["id"], "cancelled", who="customer")
    event = await _last_event(client, world, order["id"])
    assert event["kind"] == "cancelled"


async def test_cancelling_records_a_cancelled_event_with_the_reason(client, world):
    order = await _order(client, world)
    response = await client.post(
        f"/v1/orders/{order['id']}/cancel",
        json={"reason": "duplicate"},
        headers=world.auth("customer"),
    )
    assert response.status_code == 200, response.text
    event = await _last_event(client, world, order["id"])
    assert (event["kind"], event["actor"]) == ("cancelled", "customer:customer")
    assert (
        event["data"].items() >= {"from": "new", "to": "cancelled", "reason": "duplicate"}.items()
    )


async def test_the_timeline_lists_events_in_the_order_they_happened(client, world):
    order = await _order(client, world)
    oid = order["id"]
    customer, supplier = world.auth("customer"), world.auth("supplier")
    await client.patch(f"/v1/orders/{oid}", json={"memo": "m"}, headers=customer)
    await client.post(f"/v1/orders/{oid}/notes", json={"text": "n"}, headers=supplier)
    await moved(client, world, oid, "processing", "shipped")
    await client.post(
        f"/v1/orders/{oid}/tracking-numbers",
        json={"carrier": "UPS", "value": "1"},
        headers=supplier,
    )
    await moved(client, world, oid, "delivered")
    events = await timeline_of(client, world, oid)
    assert [e["kind"] for e in events] == [
        "created",
        "changed",
        "note_added",
        "status_moved",
        "status_moved",
        "tracking_added",
        "status_moved",
    ]
    times = [dt.datetime.fromisoformat(e["occurred_at"]) for e in events]
    assert times == sorted(times)


async def test_the_timeline_pages_through_every_event_once(client, world):
    order = await _order(client, world)
    for n in range(4):
        r = await client.post(
            f"/v1/orders/{order['id']}/notes", json={"text": f"n{n}"}, headers=world.auth("admin")
        )
        assert r.status_code == 201, r.text
    url = f"/v1/orders/{order['id']}/timeline"
    first = await client.get(f"{url}?limit=2", headers=world.auth("customer"))
    assert len(first.json()["items"]) == 2 and first.json()["next"] is not None
    paged = await all_pages(client, url, world.auth("customer"), limit=2)
    assert len({e["id"] for e in paged}) == len(paged) == 5
    assert [e["data"].get("text") for e in paged] == [None, "n0", "n1", "n2", "n3"]


async def test_the_customer_and_the_supplier_read_the_same_timeline(client, world):
    order = await _order(client, world)
    await moved(client, world, order["id"], "processing")
    as_customer = await timeline_of(client, world, order["id"], who="customer")
    as_supplier = await timeline_of(client, world, order["id"], who="supplier")
    assert as_customer == as_supplier
    assert len(as_customer) == 2


# --- versions ----------------------------------------------------------------------------


async def test_every_change_moves_the_version_on_by_one(client, world):
    order = await _order(client, world)
    oid = order["id"]
    versions = [order["version"]]
    customer, supplier = world.auth("customer"), world.auth("supplier")
    r = await client.patch(f"/v1/orders/{oid}", json={"memo": "m"}, headers=customer)
    versions.append(r.json()["version"])
    await client.post(f"/v1/orders/{oid}/notes", json={"text": "n"}, headers=customer)
    versions.append((await read_order(client, world, oid))["version"])
    await client.post(
        f"/v1/orders/{oid}/tracking-numbers",
        json={"carrier": "UPS", "value": "1"},
        headers=supplier,
    )
    versions.append((await read_order(client, world, oid))["version"])
    versions.append((await moved(client, world, oid, "processing"))["version"])
    r = await client.post(f"/v1/orders/{oid}/cancel", headers=customer)
    versions.append(r.json()["version"])
    first = versions[0]
    assert versions == list(range(first, first + 6))


async def test_every_change_moves_updated_at_on(client, world):
    order = await _order(client, world)
    r = await client.patch(
        f"/v1/orders/{order['id']}", json={"memo": "x"}, headers=world.auth("customer")
    )
    updated = dt.datetime.fromisoformat(r.json()["updated_at"])
    assert updated > dt.datetime.fromisoformat(order["updated_at"])
    assert r.json()["created_at"] == order["created_at"]


# --- a refused change leaves no trace ------------------------------------------------------


async def test_an_illegal_move_changes_neither_the_order_nor_its_timeline(client, world):
    order = await _order(client, world)
    response = await move(client, world, order["id"], "delivered")
    assert response.status_code == 409
    await _unchanged(client, world, order)


async def test_a_move_the_role_may_not_take_changes_nothing(client, world):
    order = await _order(client, world)
    response = await move(client, world, order["id"], "processing", who="customer")
    assert response.status_code == 403
    await _unchanged(client, world, order)


async def test_a_move_missing_its_required_reason_changes_nothing(client, world):
    product_id = await product_following(client, world, "lab-request")
    placed = await created(
        await client.post(
            "/v1/orders", json={"product_id": product_id}, headers=world.auth("customer")
        )
    )
    order = await read_order(client, world, placed["id"])
    response = await move(client, world, order["id"], "Rejected")
    assert response.status_code == 422
    await _unchanged(client, world, order)


async def test_a_refused_cancel_changes_nothing(client, world):
    order = await _order(client, world)
    response = await client.post(f"/v1/orders/{order['id']}/cancel", headers=world.auth("supplier"))
    assert response.status_code == 403
    await _unchanged(client, world, order)


async def test_a_stale_edit_changes_nothing(client, world):
    order = await _order(client, world, memo="kept")
    response = await client.patch(
        f"/v1/orders/{order['id']}",
        json={"memo": "lost"},
        headers={**world.auth("customer"), "If-Match": f'"{order["version"] + 7}"'},
    )
    assert response.status_code == 412
    await _unchanged(client, world, order)


async def test_an_invalid_edit_changes_nothing(client, world):
    order = await _order(client, world, memo="kept")
    response = await client.patch(
        f"/v1/orders/{order['id']}",
        json={"memo": "lost", "shipping_option": "teleport"},
        headers=world.auth("customer"),
    )
    assert response.status_code == 422
    await _unchanged(client, world, order)


async def test_a_refused_tracking_number_changes_nothing(client, world):
    order = await _order(client, world)
    response = await client.post(
        f"/v1/orders/{order['id']}/tracking-numbers",
        json={"carrier": "UPS", "value": "1"},
        headers=world.auth("customer"),
    )
    assert response.status_code == 403
    await _unchanged(client, world, order)


async def test_an_edit_refused_because_the_order_is_closed_appends_nothing(client, world):
    order = await _order(client, world)
    await moved(client, world, order["id"], "cancelled", who="customer")
    closed = await read_order(client, world, order["id"])
    response = await client.patch(
        f"/v1/orders/{order['id']}", json={"memo": "late"}, headers=world.auth("admin")
    )
    assert response.status_code == 409
    assert await read_order(client, world, order["id"]) == closed
    kinds = [e["kind"] for e in await timeline_of(client, world, order["id"])]
    assert kinds == ["created", "cancelled"]
